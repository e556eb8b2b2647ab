"""A local Azure Resource Manager over HTTPS (aiohttp in a thread, certificate from a trustme CA): the
REST shapes the SDK clients use, with state the tests set up and inspect.

Served (paths compared case-insensitively, as ARM does; lists paged by ``nextLink`` with ``$skipToken``):
  GET    /subscriptions                                    paged
  GET    /subscriptions/{s}/locations
  GET    /subscriptions/{s}/resourcegroups                 paged
  DELETE /subscriptions/{s}/resourcegroups/{g}             202 + Location
  GET    /subscriptions/{s}/resources                      paged, $filter (resourceType/resourceGroup/location eq),
                                                           $expand (createdTime, changedTime, provisioningState)
  GET    /subscriptions/{s}/providers/{ns}                 provider document (api versions)
  GET    /subscriptions/{s}/providers/{ns}/{type}          provider collection of any type with its documents,
                                                           paged, api-version checked against the provider;
                                                           ``statusOnly=true`` on virtualMachines: instance views
  GET    any other list path a test registered             catalogs (per subscription, per location, tenant-wide)
  GET    {resource id}/providers/Microsoft.Insights/metrics  figures for each metric name asked for
  DELETE {resource id}?api-version=<the type's>            202 + Location, polled until done (child resources such
                                                           as subnets are removed from their parent's document)
  GET    /subscriptions/{s}/providers/Microsoft.Resources/operationResults/{op}
  GET/PUT/PATCH {scope}/providers/Microsoft.Resources/tags/default
Faults: a bearer token is required (401), ``forbidden`` subscriptions answer 403, ``refused_types`` answer their
collection with a status and error code (403 AuthorizationFailed, 409 MissingSubscriptionRegistration, …), every
``throttle_every``-th request answers 429 with Retry-After, ``locked`` resources refuse deletion (409),
``fail_on_poll`` resources fail their delete operation while it is polled. ``latency`` delays every answer.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set
from urllib.parse import urlencode

from aiohttp import web

Json = Dict[str, Any]
SDK_API_VERSION = "2025-04-01"
LISTING_FIELDS = ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy", "identity", "plan")
EXPANDABLE = {"createdtime": "createdTime", "changedtime": "changedTime", "provisioningstate": "provisioningState"}
TAGS_SUFFIX = "/providers/microsoft.resources/tags/default"
METRICS_SUFFIX = "/providers/microsoft.insights/metrics"


@dataclass
class Subscription:
    raw: Json
    locations: List[Json] = field(default_factory=list)
    groups: Dict[str, Json] = field(default_factory=dict)  # lower name -> group
    resources: Dict[str, Json] = field(default_factory=dict)  # lower id -> full document
    tags: Dict[str, str] = field(default_factory=dict)
    catalogs: Dict[str, List[Json]] = field(default_factory=dict)  # lower path -> items
    instance_views: Dict[str, Json] = field(default_factory=dict)  # lower VM id -> its instance view


@dataclass
class Operation:
    subscription: str
    target: str  # lower id of what is deleted
    polls_left: int
    fail: bool = False


class ArmState:
    def __init__(self, token: str, page_size: int = 3) -> None:
        self.token = token
        self.page_size = page_size
        self.subscriptions: Dict[str, Subscription] = {}
        self.providers: Dict[str, Json] = {}  # lower namespace -> provider document
        self.forbidden: Set[str] = set()
        self.refused_types: Dict[str, tuple] = {}  # lower full type -> (status, error code)
        self.tenant_catalogs: Dict[str, List[Json]] = {}  # lower path -> items
        self.latency = 0.0
        self.locked: Set[str] = set()
        self.fail_on_poll: Set[str] = set()
        self.throttle_every = 0
        self.retry_after = "0.01"
        self.polls_before_done = 1
        self.operations: Dict[str, Operation] = {}
        self.log: List[tuple] = []  # (method, path, query dict, status)
        self.throttled = 0
        self.lock = threading.RLock()
        self._count = itertools.count(1)
        self._ops = itertools.count(1)

    # ---- set-up helpers for tests --------------------------------------------------------------

    def add_subscription(self, sub_id: str, name: str, state: str = "Enabled", locations=("westeurope",)) -> None:
        raw = {"id": f"/subscriptions/{sub_id}", "subscriptionId": sub_id, "displayName": name, "state": state,
               "tenantId": "tenant-1", "authorizationSource": "RoleBased",
               "managedByTenants": [{"tenantId": "tenant-ops"}],
               "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                        "spendingLimit": "Off"}}
        locs = [{"id": f"/subscriptions/{sub_id}/locations/{n}", "name": n, "displayName": n.title(),
                 "regionalDisplayName": f"(Europe) {n.title()}", "type": "Region"} for n in locations]
        self.subscriptions[sub_id.lower()] = Subscription(raw, locs)

    def add_group(self, sub_id: str, name: str, location: str, tags: Optional[Json] = None) -> Json:
        group = {"id": f"/subscriptions/{sub_id}/resourceGroups/{name}", "name": name, "type":
                 "Microsoft.Resources/resourceGroups", "location": location, "tags": dict(tags or {}),
                 "properties": {"provisioningState": "Succeeded"}}
        self.subscriptions[sub_id.lower()].groups[name.lower()] = group
        return group

    def add_resource(self, sub_id: str, group: str, full_type: str, name: str, location: str, **extra) -> Json:
        doc = {"id": f"/subscriptions/{sub_id}/resourceGroups/{group}/providers/{full_type}/{name}", "name": name,
               "type": full_type, "location": location, "tags": {}, "createdTime": "2024-03-01T10:00:00.1234567Z",
               "changedTime": "2024-03-02T11:00:00Z", "provisioningState": "Succeeded"}
        doc.update(extra)
        self.subscriptions[sub_id.lower()].resources[doc["id"].lower()] = doc
        return doc

    def add_document(self, sub_id: str, doc: Json) -> Json:
        """A resource as its provider collection sends it (the listing shows its common fields)."""
        self.subscriptions[sub_id.lower()].resources[doc["id"].lower()] = doc
        return doc

    def add_catalog(self, path: str, items: List[Json]) -> None:
        """Items listed at ``path`` (``/subscriptions/{s}/…`` or tenant-wide ``/providers/…``)."""
        parts = path.lower().split("/")
        if parts[1] == "subscriptions":
            self.subscriptions[parts[2]].catalogs[path.lower()] = list(items)
        else:
            self.tenant_catalogs[path.lower()] = list(items)

    def add_provider(self, namespace: str, types: Dict[str, List[str]]) -> None:
        self.providers[namespace.lower()] = {
            "id": f"/providers/{namespace}", "namespace": namespace, "registrationState": "Registered",
            "resourceTypes": [{"resourceType": t, "locations": ["West Europe"], "apiVersions": v}
                              for t, v in types.items()]}

    def resource(self, resource_id: str) -> Optional[Json]:
        sub = self.subscriptions.get(resource_id.split("/")[2].lower())
        if sub is None:
            return None
        return sub.resources.get(resource_id.lower()) or ArmApp._child(sub, resource_id.lower())

    def requests(self, method: str, contains: str = "") -> List[tuple]:
        return [r for r in self.log if r[0] == method and contains.lower() in r[1].lower()]


def _error(status: int, code: str, message: str, headers: Optional[Json] = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


class ArmApp:
    """The request handling over an ``ArmState``."""

    def __init__(self, state: ArmState) -> None:
        self.state = state
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.state.latency:
            await asyncio.sleep(self.state.latency)
        with self.state.lock:
            response = self._handle(request, json.loads(body) if body else None)
            self.state.log.append((request.method, request.path, dict(request.query), response.status))
        return response

    def _handle(self, request: web.Request, body: Optional[Json]) -> web.Response:
        st = self.state
        if request.headers.get("Authorization") != f"Bearer {st.token}":
            return _error(401, "InvalidAuthenticationToken", "The access token is missing or invalid.")
        if st.throttle_every and (next(st._count) - 1) % st.throttle_every == 0:  # the 1st, then every n-th
            st.throttled += 1
            return _error(429, "TooManyRequests", "The request is being throttled.", {"Retry-After": st.retry_after})
        path = request.path.rstrip("/")
        lower = path.lower()
        parts = path.split("/")
        match = re.match(r"^/subscriptions/([^/]+)", lower)
        if match and match.group(1) in st.forbidden:
            return _error(403, "AuthorizationFailed", f"The client does not have authorization to perform action "
                                                      f"over scope '{path}'.")
        method = request.method
        if lower == "/subscriptions" and method == "GET":
            return self._page(request, [s.raw for s in st.subscriptions.values()])
        if not match:
            if method == "GET" and lower in st.tenant_catalogs:
                return self._page(request, st.tenant_catalogs[lower])
            return _error(404, "NotFound", f"no route {method} {path}")
        sub = st.subscriptions.get(match.group(1))
        if sub is None:
            return _error(404, "SubscriptionNotFound", f"The subscription '{parts[2]}' could not be found.")
        if lower.endswith(TAGS_SUFFIX):
            return self._tags(method, path[: -len(TAGS_SUFFIX)], sub, body)
        if lower.endswith(METRICS_SUFFIX) and method == "GET":
            return self._metrics(request, sub, lower[: -len(METRICS_SUFFIX)])
        if method == "GET" and lower in sub.catalogs:
            return self._page(request, sub.catalogs[lower])
        rest = lower.split("/")[3:]
        if rest == ["locations"] and method == "GET":
            return web.json_response({"value": sub.locations})
        if rest == ["resourcegroups"] and method == "GET":
            return self._page(request, list(sub.groups.values()))
        if len(rest) == 2 and rest[0] == "resourcegroups" and method == "DELETE":
            if rest[1] not in sub.groups:
                return web.Response(status=204)
            return self._start_delete(sub, f"rg:{rest[1]}")
        if rest == ["resources"] and method == "GET":
            return self._resources(request, sub)
        if len(rest) == 4 and rest[:3] == ["providers", "microsoft.resources", "operationresults"]:
            return self._poll(rest[3])
        if len(rest) == 2 and rest[0] == "providers" and method == "GET":
            provider = st.providers.get(rest[1])
            if provider is None:
                return _error(404, "InvalidResourceNamespace", f"The resource namespace '{parts[4]}' is invalid.")
            return web.json_response(provider)
        if len(rest) == 3 and rest[0] == "providers" and method == "GET":
            return self._collection(request, sub, parts[4], parts[5])
        if "providers" in rest and method == "DELETE":
            return self._delete_resource(request, sub, lower)
        return _error(404, "NotFound", f"no route {method} {path}")

    # ---- listings ------------------------------------------------------------------------------

    def _page(self, request: web.Request, items: List[Json], transform=lambda x: x) -> web.Response:
        skip = int(request.query.get("$skipToken", "0"))
        size = self.state.page_size
        # serialized at once, never changed: the stored documents go out as they are (transforms make new ones)
        page = {"value": [transform(i) for i in items[skip: skip + size]]}
        if skip + size < len(items):
            query = {k: v for k, v in request.query.items() if k != "$skipToken"}
            query["$skipToken"] = str(skip + size)
            page["nextLink"] = f"{self.base}{request.path}?{urlencode(query)}"
        return web.json_response(page)

    def _resources(self, request: web.Request, sub: Subscription) -> web.Response:
        items = list(sub.resources.values())
        text = request.query.get("$filter")
        if text:
            for clause in re.split(r"\s+and\s+", text.strip(), flags=re.I):
                m = re.match(r"^(resourceType|resourceGroup|location)\s+eq\s+'([^']*)'$", clause.strip(), re.I)
                if not m:
                    return _error(400, "InvalidFilterInQueryString", f"unsupported $filter clause {clause!r}")
                name, value = m.group(1).lower(), m.group(2).lower()
                if name == "resourcetype":
                    items = [i for i in items if i["type"].lower() == value]
                elif name == "resourcegroup":
                    items = [i for i in items if i["id"].split("/")[4].lower() == value]
                else:
                    items = [i for i in items if i["location"].lower() == value]
        expand = {EXPANDABLE[e.strip().lower()] for e in request.query.get("$expand", "").split(",")
                  if e.strip().lower() in EXPANDABLE}

        def listing(doc: Json) -> Json:
            return {k: v for k, v in doc.items() if k in LISTING_FIELDS or k in expand}

        return self._page(request, items, listing)

    def _api_versions(self, namespace: str, resource_type: str) -> List[str]:
        provider = self.state.providers.get(namespace.lower()) or {}
        for entry in provider.get("resourceTypes", []):
            if entry["resourceType"].lower() == resource_type.lower():
                return entry["apiVersions"]
        return []

    def _collection(self, request: web.Request, sub: Subscription, namespace: str, resource_type: str) -> web.Response:
        full = f"{namespace}/{resource_type}".lower()
        if full in self.state.refused_types:
            status, code = self.state.refused_types[full]
            return _error(status, code, f"The client may not read '{namespace}/{resource_type}' "
                                        f"(subscription '{sub.raw['subscriptionId']}').")
        if request.query.get("api-version") not in self._api_versions(namespace, resource_type):
            return _error(400, "NoRegisteredProviderFound", f"No registered resource provider found for api version "
                                                            f"'{request.query.get('api-version')}'.")
        docs = [d for d in sub.resources.values() if d["type"].lower() == full]
        if request.query.get("statusOnly", "").lower() == "true":
            return self._page(request, docs, lambda d: {
                "id": d["id"], "name": d["name"], "type": d["type"], "location": d.get("location"),
                "properties": {"instanceView": sub.instance_views.get(d["id"].lower(), {})}})
        return self._page(request, docs, lambda d: {k: v for k, v in d.items() if k not in EXPANDABLE.values()})

    def _metrics(self, request: web.Request, sub: Subscription, resource_id: str) -> web.Response:
        """One timeseries per metric asked for: two datapoints, figures from the metric name's length (so a test
        can tell them apart and recompute them)."""
        if resource_id not in sub.resources:
            return _error(404, "ResourceNotFound", f"The resource '{resource_id}' was not found.")
        if "microsoft.insights/metrics" in self.state.refused_types:
            status, code = self.state.refused_types["microsoft.insights/metrics"]
            return _error(status, code, f"The client may not read the metrics of '{resource_id}'.")
        aggregations = [a for a in request.query.get("aggregation", "").split(",") if a]
        value = []
        for name in [n for n in request.query.get("metricnames", "").split(",") if n]:
            points = [{"timeStamp": f"2024-01-01T0{i}:00:00Z", **{a: float(len(name) + i) for a in aggregations}}
                      for i in range(2)]
            value.append({"id": f"{sub.resources[resource_id]['id']}/providers/Microsoft.Insights/metrics/{name}",
                          "type": "Microsoft.Insights/metrics", "name": {"value": name, "localizedValue": name},
                          "unit": "Count", "timeseries": [{"metadatavalues": [], "data": points}]})
        return web.json_response({"cost": 0, "timespan": request.query.get("timespan"), "interval": "PT1H",
                                  "namespace": request.query.get("metricNamespace"), "value": value})

    # ---- tags ----------------------------------------------------------------------------------

    def _tags(self, method: str, scope: str, sub: Subscription, body: Optional[Json]) -> web.Response:
        target = self._scope_target(scope, sub)
        if target is None:
            return _error(404, "ResourceNotFound", f"The resource '{scope}' was not found.")
        tags = target["tags"] if isinstance(target, dict) and "tags" in target else sub.tags
        if method == "PATCH":
            given = (body.get("properties") or {}).get("tags") or {}
            operation = str(body.get("operation", "")).lower()
            if operation == "merge":
                tags.update(given)
            elif operation == "replace":
                tags.clear()
                tags.update(given)
            elif operation == "delete":
                for key, value in given.items():
                    if key in tags and (value in ("", None) or tags[key] == value):
                        del tags[key]
            else:
                return _error(400, "InvalidTagOperation", f"unknown operation {body.get('operation')!r}")
        elif method == "PUT":
            tags.clear()
            tags.update((body.get("properties") or {}).get("tags") or {})
        elif method != "GET":
            return _error(405, "MethodNotAllowed", method)
        return web.json_response({"id": scope + "/providers/Microsoft.Resources/tags/default", "name": "default",
                                  "type": "Microsoft.Resources/tags", "properties": {"tags": dict(tags)}})

    @staticmethod
    def _scope_target(scope: str, sub: Subscription) -> Optional[Json]:
        parts = scope.lower().split("/")
        if len(parts) == 3:
            return {"subscription": True}
        if len(parts) == 5 and parts[3] == "resourcegroups":
            return sub.groups.get(parts[4])
        return sub.resources.get(scope.lower())

    # ---- deletes as long-running operations ----------------------------------------------------

    def _delete_resource(self, request: web.Request, sub: Subscription, lower: str) -> web.Response:
        doc = sub.resources.get(lower) or self._child(sub, lower)
        if doc is None:
            return web.Response(status=204)
        namespace, resource_type = doc["type"].split("/", 1)
        if request.query.get("api-version") not in self._api_versions(namespace, resource_type):
            return _error(400, "NoRegisteredProviderFound", f"No registered resource provider found for api version "
                                                            f"'{request.query.get('api-version')}' and type "
                                                            f"'{doc['type']}'.")
        if lower in self.state.locked:
            return _error(409, "ScopeLocked", f"The scope '{doc['id']}' cannot perform delete operation because "
                                              f"following scope(s) are locked.")
        return self._start_delete(sub, lower, fail=lower in self.state.fail_on_poll)

    @staticmethod
    def _child(sub: Subscription, lower: str) -> Optional[Json]:
        """A child resource inside its parent's document (a subnet in its virtual network)."""
        parent = sub.resources.get(lower.rsplit("/", 2)[0])
        for children in ((parent or {}).get("properties") or {}).values():
            if isinstance(children, list):
                for child in children:
                    if isinstance(child, dict) and str(child.get("id", "")).lower() == lower:
                        return child
        return None

    def _start_delete(self, sub: Subscription, target: str, fail: bool = False) -> web.Response:
        op = f"op-{next(self.state._ops)}"
        sub_id = sub.raw["subscriptionId"]
        self.state.operations[op] = Operation(sub_id.lower(), target, self.state.polls_before_done, fail)
        return web.Response(status=202, headers={"Location": self._operation_url(sub_id, op), "Retry-After": "0"})

    def _operation_url(self, sub_id: str, op: str) -> str:
        return (f"{self.base}/subscriptions/{sub_id}/providers/Microsoft.Resources/operationResults/{op}"
                f"?api-version={SDK_API_VERSION}")

    def _poll(self, op_name: str) -> web.Response:
        op = self.state.operations.get(op_name)
        if op is None:
            return _error(404, "OperationNotFound", op_name)
        if op.polls_left > 0:
            op.polls_left -= 1
            return web.Response(status=202, headers={"Location": self._operation_url(op.subscription, op_name),
                                                     "Retry-After": "0"})
        if op.fail:
            return _error(409, "ResourceDeletionFailed", f"Deleting '{op.target}' failed: the resource is in use.")
        sub = self.state.subscriptions[op.subscription]
        if op.target.startswith("rg:"):
            group = op.target[3:]
            sub.groups.pop(group, None)
            for rid in [r for r in sub.resources if r.split("/")[4] == group]:
                del sub.resources[rid]
        elif op.target in sub.resources:
            sub.resources.pop(op.target)
        else:
            parent = sub.resources.get(op.target.rsplit("/", 2)[0]) or {}
            for key, children in (parent.get("properties") or {}).items():
                if isinstance(children, list):
                    parent["properties"][key] = [c for c in children if not isinstance(c, dict)
                                                 or str(c.get("id", "")).lower() != op.target]
        return web.Response(status=200)


class ArmServer:
    """Runs an ``ArmApp`` on 127.0.0.1 with TLS in a background thread."""

    def __init__(self, state: ArmState, ssl_context: ssl.SSLContext) -> None:
        self.state = state
        self.app = ArmApp(state)
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="arm-server", daemon=True)
        self.url = ""

    def start(self) -> "ArmServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self.app.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = self.app.base = f"https://127.0.0.1:{port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
