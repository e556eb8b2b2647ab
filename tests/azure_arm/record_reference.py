"""Record what resoto-plugin-azure 3.9.0 (the reference) does with Resource Manager documents, so that the tests
hold this collector to the reference's ids, properties and edges without the reference installed:

* ``fixtures/<kind>.json`` for every Azure kind: a document of the kind and the node the reference makes of it;
* ``collectors/azure/reference_fields.json``: the two facts of the reference's mappings that the model's names
  do not give away: nested fields read under another name (``fields``, per complex kind), and the list
  properties it sends as ``[]`` when the API leaves them out (``empty_lists``, per kind).

The documents are synthesized, not copied from anywhere: every API field the reference's mapping of the kind
reads (found by walking that mapping, nested kinds included) gets a value of the property's model type, at the
path the reference reads it from, plus the envelope ARM sends (``id``, ``name``, ``type``, ``location``,
``tags``, ``etag``). Fields that name another resource hold the id of that kind's fixture, so that the fixtures
are one small estate whose resources point at each other; the reference's own ``connect_in_graph`` then says
which edges it draws between them (recorded per fixture as ``links``).

Run it with the reference's side venv (made by the AWS estate benchmark) and the reference's Azure package::

    SV=.cache/resotoworker-3.9.0-*/bin/python
    PYTHONPATH=/tmp/refpkg-azure:<a dir linking azure, msal, msal_extensions, isodate from our venv> \\
        $SV tests/azure_arm/record_reference.py

It never runs in the tests; the files it writes are reviewed like code.
"""
from __future__ import annotations

import inspect
import json
import re
import sys
import types
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
FIELDS_FILE = HERE.parents[1] / "collectors" / "azure" / "reference_fields.json"
REFERENCE = Path("/work/shared/reference")
SUB = "00000000-0000-0000-0000-0000000000aa"
GROUP = "rg-fixture"
LOCATION = "westeurope"
TIME = "2024-02-03T04:05:06.789Z"


def load_reference() -> Dict[str, Any]:
    """The reference's resource classes by kind (its client module needs names azure-mgmt-resource 26 moved)."""
    import azure.mgmt.resource.resources as resources

    shim = types.ModuleType("azure.mgmt.resource")
    shim.ResourceManagementClient = resources.ResourceManagementClient
    shim.__path__ = []
    sys.modules["azure.mgmt.resource"] = shim
    sys.modules["azure.mgmt.resource.resources"] = resources
    serialization = types.ModuleType("azure.mgmt.resource.resources._serialization")
    serialization.Serializer = object
    sys.modules[serialization.__name__] = serialization
    import resoto_plugin_azure.resource.base as base
    import resoto_plugin_azure.resource.compute as compute
    import resoto_plugin_azure.resource.network as network

    found = {}
    for module in (base, compute, network):
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and isinstance(getattr(obj, "kind", None),
                                                                                         str) \
                    and isinstance(getattr(obj, "mapping", None), dict):
                found[obj.kind] = obj
    return found


CLASSES = load_reference()
from resotolib import json_bender as jb  # noqa: E402  (after the reference is loadable)

MODEL = {k["fqn"]: k for k in json.loads((REFERENCE / "capture-3.9.0" / "model-azure.json").read_text())}
CATALOG = {k["kind"]: k for k in json.loads((REFERENCE / "azure-kinds-3.9.0.json").read_text())}
KIND_OF_MAPPING = {id(c.mapping): k for k, c in CLASSES.items()}
COLLECTED = sorted(k for k in CATALOG if k not in ("azure_resource", "azure_resource_sku"))
# kinds read from their own paths: catalogs and quotas, no tracked resources (no location, no tags)
CATALOGS = {"azure_usage", "azure_virtual_machine_size", "azure_available_service_alias",
            "azure_compute_operation_value", "azure_firewall_fqdn_tag", "azure_web_category",
            "azure_network_virtual_appliance_sku", "azure_application_gateway_firewall_rule_set",
            "azure_express_route_ports_location"}


def arm_type(kind: str) -> Optional[str]:
    spec = CATALOG[kind]["api_spec"] or ""
    found = re.search(r"path='/subscriptions/\{subscriptionId\}/providers/(Microsoft\.\w+/\w+)'", spec)
    return found.group(1) if found else None


def fixture_id(kind: str) -> str:
    """The ARM id of the fixture of ``kind``."""
    short = kind.removeprefix("azure_")
    if kind == "azure_subnet":
        return fixture_id("azure_virtual_network") + "/subnets/subnet-1"
    if kind == "azure_subscription":
        return f"/subscriptions/{SUB}"
    if kind == "azure_location":
        return f"/subscriptions/{SUB}/locations/{LOCATION}"
    if kind == "azure_resource_group":
        return f"/subscriptions/{SUB}/resourceGroups/{GROUP}"
    if kind == "azure_usage":
        return f"/subscriptions/{SUB}/providers/Microsoft.Network/locations/{LOCATION}/usages/VirtualNetworks"
    if kind == "azure_available_service_alias":
        return f"/subscriptions/{SUB}/providers/Microsoft.Network/AvailableServiceAliases/servicesAzure"
    full = arm_type(kind)
    if full is None:
        return f"{short}-1"
    if kind == "azure_express_route_ports_location":
        return f"/subscriptions/{SUB}/providers/{full}/Amsterdam-IX"
    if kind in CATALOGS:
        return f"/subscriptions/{SUB}/providers/{full}/{short.replace('_', '-')}-1"
    return f"/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/{full}/{short.replace('_', '-')}-1"


# API fields (the last object key before "id", or a list of references) that name a resource of a kind:
# their ids are the fixtures' own, so that the fixtures point at each other
REFERENCED_BY_FIELD = {
    "subnet": "azure_subnet", "subnets": "azure_subnet", "networkSecurityGroup": "azure_network_security_group",
    "publicIPAddress": "azure_public_ip_address", "publicIPAddresses": "azure_public_ip_address",
    "publicIpAddresses": "azure_public_ip_address", "virtualNetwork": "azure_virtual_network",
    "virtualNetworks": "azure_virtual_network", "natGateway": "azure_nat_gateway",
    "virtualHub": "azure_virtual_hub", "firewallPolicy": "azure_firewall_policy",
    "ddosProtectionPlan": "azure_ddos_protection_plan", "proximityPlacementGroup": "azure_proximity_placement_group",
    "virtualMachines": "azure_virtual_machine", "virtualMachinesAssociated": "azure_virtual_machine",
    "networkInterfaces": "azure_network_interface", "managedDisk": "azure_disk",
    "imageReference": "azure_image", "expressRoutePort": "azure_express_route_port",
    "virtualWan": "azure_virtual_wan", "vpnGateway": "azure_vpn_gateway",
    "expressRouteGateway": "azure_express_route_gateway", "p2SVpnGateway": "azure_p2_s_vpn_gateway",
    "securityPartnerProvider": "azure_security_partner_provider", "publicIPPrefix": "azure_public_ip_prefix",
    "publicIpPrefixes": "azure_public_ip_prefix", "customIPPrefix": "azure_custom_ip_prefix",
    "dscpConfiguration": "azure_dscp_configuration", "privateLinkService": "azure_private_link_service",
    "virtualNetworkTap": "azure_virtual_network_tap", "virtualMachineScaleSets": "azure_virtual_machine_scale_set",
    "associatedNetworkInterfaces": "azure_network_interface", "availabilitySet": "azure_availability_set",
    "source": "azure_virtual_machine", "sourceVirtualMachine": "azure_virtual_machine",
    "virtualMachineScaleSet": "azure_virtual_machine_scale_set", "hostGroup": "azure_dedicated_host_group",
    "azureFirewall": "azure_firewall", "firewalls": "azure_firewall", "firewallPolicies": "azure_firewall_policy",
    "vpnServerConfiguration": "azure_vpn_server_configuration", "basePolicy": "azure_firewall_policy",
    "childPolicies": "azure_firewall_policy", "diskEncryptionSet": "azure_disk_encryption_set",
    "capacityReservationGroup": "azure_capacity_reservation_group", "availabilitySets": "azure_availability_set",
    "virtualMachine": "azure_virtual_machine",
}
REFERENCED_BY_ID_FIELD = {"diskAccessId": "azure_disk_access", "diskEncryptionSetId": "azure_disk_encryption_set",
                          "sourceResourceId": "azure_disk"}
# fields the reference reads that ARM does not send
NOT_SENT = {("azure_disk_access", "ctime")}  # read from a top-level "time_created"
LB_POOL = fixture_id("azure_load_balancer") + "/backendAddressPools/pool-1"
NIC_IP_CONFIG = fixture_id("azure_network_interface") + "/ipConfigurations/ipconfig-1"


def type_of(kind: str, prop: str) -> str:
    todo = [kind]
    while todo:
        found = MODEL.get(todo.pop(0)) or {}
        for p in found.get("properties") or []:
            if p["name"] == prop:
                return p["kind"]
        todo.extend(found.get("bases") or [])
    return "string"


def leaf(type_name: str, prop: str, path: List[str]) -> Any:
    """A value of ``type_name`` for the field at ``path`` (``prop`` is the property it feeds)."""
    key = path[-1] if path else prop
    parent = path[-2] if len(path) > 1 else None
    base = type_name[:-2] if type_name.endswith("[]") else type_name
    if base == "string" and key == "id" and parent in REFERENCED_BY_FIELD:
        target = REFERENCED_BY_FIELD[parent]
        if parent == "loadBalancerBackendAddressPools":
            return LB_POOL
        return fixture_id(target)
    if base == "string" and key in REFERENCED_BY_ID_FIELD:
        return fixture_id(REFERENCED_BY_ID_FIELD[key])
    if parent == "loadBalancerBackendAddressPools" and key == "id":
        return LB_POOL
    if base == "string" and key == "id":
        return f"/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/Microsoft.Other/things/{prop}"
    if base in ("int32", "int64"):
        return 4
    if base in ("float", "double"):
        return 2.5
    if base == "boolean":
        return True
    if base == "datetime":
        return TIME
    if base == "duration":
        return "PT1H30M"
    if base == "date":
        return "2024-02-03"
    if base == "any":
        return {"setting": "on", "count": 2}
    if base.startswith("dictionary["):
        return {"owner": "fixture"} if "string]" in base.replace(" ", "") else {"entry": {"principalId": "p-1"}}
    enum = (MODEL.get(base) or {}).get("enum")
    if enum:
        return enum[0]
    if key in ("location", "region"):
        return LOCATION
    return f"{key}-value"


def put(doc: dict, path: List[str], value: Any) -> None:
    for step in path[:-1]:
        doc = doc.setdefault(step, {})
        if not isinstance(doc, dict):
            return
    doc.setdefault(path[-1], value)


def flat(bender: Any) -> List[Any]:
    """A bender as its chain of steps."""
    if isinstance(bender, jb.Compose):
        return flat(bender._first) + flat(bender._second)
    return [bender]


def synthesize(kind: str, depth: int = 0, stack: tuple = (), under: Optional[str] = None) -> dict:
    """A document holding every field the reference's mapping of ``kind`` reads (``under``: the field the
    document sits in, which says what its ``id`` names)."""
    doc: dict = {}
    cls = CLASSES[kind]
    for prop, bender in cls.mapping.items():
        if prop in ("ctime", "mtime", "atime") and isinstance(bender, jb.K) or (kind, prop) in NOT_SENT:
            continue
        path, rest = chain(bender)
        if not path:
            continue
        value = value_for(kind, prop, [under or ""] + path, rest, depth, stack)
        if value is not None:
            put(doc, path, value)
    return doc


def chain(bender: Any) -> tuple:
    """A bender as (API path, the steps after it)."""
    steps = flat(bender)
    path: List[str] = []
    i = 0
    while i < len(steps) and isinstance(steps[i], jb.S):
        path += [str(p) for p in steps[i]._path]
        i += 1
    return path, steps[i:]


def _under(path: List[str]) -> str:
    return path[-1]


def value_for(kind: str, prop: str, path: List[str], rest: List[Any], depth: int, stack: tuple) -> Any:
    type_name = type_of(kind, prop)
    if not rest or isinstance(rest[0], (jb.AsInt, jb.F, jb.StringToUnitNumber, jb.MapEnum)):
        if rest and isinstance(rest[0], jb.StringToUnitNumber):
            return "1.5 MB"
        if rest and isinstance(rest[0], jb.MapEnum):
            return sorted(rest[0]._lookup)[0]
        found = leaf(type_name, prop, path)
        return [found] if type_name.endswith("[]") and not isinstance(found, list) else found
    step = rest[0]
    if isinstance(step, jb.ForallBend):
        inner = step._mapping
        if isinstance(inner, dict):
            nested = KIND_OF_MAPPING.get(id(inner))
            if nested is None or nested in stack or depth > 5:
                return None
            return [synthesize(nested, depth + 1, stack + (nested,), _under(path))]
        inner_path = [str(p) for s in flat(inner) if isinstance(s, jb.S) for p in s._path]
        item: dict = {}
        put(item, inner_path, leaf(type_name, prop, path + inner_path))
        return [item]
    if isinstance(step, jb.Bend):
        nested = KIND_OF_MAPPING.get(id(step._mappings))
        if nested is None or nested in stack or depth > 5:
            return None
        return synthesize(nested, depth + 1, stack + (nested,), _under(path))
    return leaf(type_name, prop, path)


# values the reference's lookups over other kinds need to find something (names, vendors, prefixes)
LOOKUP_VALUES = {
    "azure_ip_group": [(["properties", "ipAddresses"], ["10.0.0.0/16"])],
    "azure_virtual_network": [(["properties", "addressSpace", "addressPrefixes"], ["10.0.0.0/16", "10.1.0.0/16"])],
    "azure_express_route_circuit": [(["properties", "serviceProviderProperties", "peeringLocation"], "Amsterdam-IX")],
    "azure_express_route_ports_location": [(["name"], "Amsterdam-IX")],
    "azure_network_virtual_appliance": [(["properties", "nvaSku", "vendor"], "barracuda"),
                                        (["properties", "virtualApplianceNics"],
                                         [{"name": "nic-a", "instanceName": "network-interface-1",
                                           "privateIpAddress": "10.0.0.9", "publicIpAddress": "20.1.2.3"}])],
    "azure_network_virtual_appliance_sku": [(["name"], "barracudasdwanrelease"), (["properties", "vendor"],
                                                                                  "barracuda")],
    "azure_network_interface": [(["name"], "network-interface-1"),
                                (["properties", "tapConfigurations"],
                                 [{"id": fixture_id("azure_network_interface") + "/tapConfigurations/tap-1",
                                   "name": "tap-1", "type": "Microsoft.Network/networkInterfaces/tapConfigurations",
                                   "properties": {"provisioningState": "Succeeded", "virtualNetworkTap": {
                                       "id": fixture_id("azure_virtual_network_tap")}}}])],
    "azure_virtual_machine": [(["properties", "hardwareProfile", "vmSize"], "Standard_B2s")],
    "azure_virtual_machine_size": [(["name"], "Standard_B2s")],
    # an application gateway's firewallPolicy is a web application firewall policy
    "azure_application_gateway": [(["properties", "firewallPolicy", "id"],
                                   fixture_id("azure_web_application_firewall_policy"))],
}


def envelope(kind: str, doc: dict) -> dict:
    """The fields ARM puts on every resource, and the kind's lookup values."""
    rid = fixture_id(kind)
    full = arm_type(kind)
    doc = dict(doc)
    if kind in CATALOGS:
        doc.pop("tags", None)
        doc.pop("location", None)
    if rid.startswith("/"):  # VM sizes and compute operations have no id
        doc["id"] = rid
    if kind not in ("azure_usage", "azure_subscription"):
        doc["name"] = rid.rsplit("/", 1)[-1]
    if full:
        doc["type"] = full
    if full and kind not in CATALOGS:
        doc.setdefault("location", LOCATION)
        doc["tags"] = {"owner": "fixture", "env": "test"}
        doc.setdefault("etag", 'W/"0001"')
    for path, value in LOOKUP_VALUES.get(kind, []):
        target = doc
        for step in path[:-1]:
            target = target.setdefault(step, {})
        target[path[-1]] = value
    return doc


def network_interface(doc: dict) -> dict:
    """The network interface's first IP configuration has the id others look it up by."""
    configs = doc.get("properties", {}).get("ipConfigurations") or []
    if configs:
        configs[0]["id"] = NIC_IP_CONFIG
    return doc


def document(kind: str) -> dict:
    if kind == "azure_subscription":
        return {"id": fixture_id(kind), "subscriptionId": SUB, "displayName": "Fixture subscription",
                "state": "Enabled", "tenantId": "tenant-1", "authorizationSource": "RoleBased",
                "managedByTenants": [{"tenantId": "tenant-ops"}], "tags": {"cost-center": "42"},
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                         "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}
    doc = envelope(kind, synthesize(kind))
    if kind == "azure_network_interface":
        doc = network_interface(doc)
    if kind == "azure_network_profile":
        for conf in doc.get("properties", {}).get("containerNetworkInterfaceConfigurations") or []:
            for ip_conf in conf.get("properties", {}).get("ipConfigurations") or []:
                ip_conf["id"] = NIC_IP_CONFIG
    if kind == "azure_virtual_hub":
        doc["properties"]["ipConfigurations"] = [{"id": NIC_IP_CONFIG}]
    if kind == "azure_virtual_network":
        doc["properties"]["subnets"] = [document("azure_subnet")]
    if kind == "azure_subnet":
        doc.pop("location", None)
        doc.pop("tags", None)
        doc["type"] = "Microsoft.Network/virtualNetworks/subnets"
    if kind == "azure_location":
        doc.update(name=LOCATION, displayName="West Europe", regionalDisplayName="(Europe) West Europe",
                   subscriptionId=SUB, type="Region")
        doc.pop("tags", None)
    if kind == "azure_resource_group":
        doc.update(name=GROUP, location=LOCATION, type="Microsoft.Resources/resourceGroups",
                   tags={"team": "fixture"})
    return doc


class Recorder:
    """Stands in for the reference's GraphBuilder in ``connect_in_graph``: finds the fixtures' nodes and records
    the edges the reference would draw."""

    def __init__(self, nodes: Dict[str, Any]) -> None:
        self.nodes_by_kind = nodes
        self.edges: List[list] = []

    def _matching(self, clazz=None, filter_fn=None, **attrs: Any) -> List[Any]:
        found = []
        for kind, node in self.nodes_by_kind.items():
            if clazz is not None and not isinstance(node, clazz):
                continue
            if all(getattr(node, k, None) == v for k, v in attrs.items()):
                found.append(node)
        return found

    def nodes(self, clazz=None, filter=None, **attrs: Any) -> List[Any]:
        return self._matching(clazz, **attrs)

    def node(self, clazz=None, filter_fn=None, **attrs: Any) -> Any:
        found = self._matching(clazz, **attrs)
        return found[0] if found else None

    def add_edge(self, from_node, edge_type=None, reverse=False, filter_fn=None, **to_node: Any) -> None:
        other = self.node(**to_node)
        if other is not None:
            self.edges.append([getattr(edge_type, "value", "default"), "in" if reverse else "out", other.kind,
                               other.id])


# ---- the mappings' facts ----------------------------------------------------------------------------


def loose(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def path_text(path: List[str], rest: List[Any]) -> Optional[str]:
    """The path as ``collectors.common.model.at`` reads it, None when the mapping does more than walk."""
    text = ".".join(path)
    for step in rest:
        if isinstance(step, jb.ForallBend) and not isinstance(step._mapping, dict):
            inner, more = chain(step._mapping)
            if more:
                return None
            text += "[]." + ".".join(inner)
        elif not isinstance(step, (jb.Bend, jb.ForallBend, jb.AsInt)):
            return None
    return text


def found_by_name(kind: str, prop: str, bender: Any) -> bool:
    """Whether shaping finds the field by the property's name: the field (or, in an object's ``properties``,
    its field) is the property in camel case, as a value, a nested kind, a list of them, or a reference (an
    object's ``id``, a list of objects' ``id``s)."""
    path, rest = chain(bender)
    if path[:1] == ["properties"] and len(path) > 1:
        path = path[1:]
    type_name = type_of(kind, prop)
    if len(path) == 2 and path[1] == "id" and not rest and type_name == "string":
        path = path[:1]
    elif (len(path) == 1 and type_name == "string[]" and len(rest) == 1 and isinstance(rest[0], jb.ForallBend)
          and not isinstance(rest[0]._mapping, dict) and chain(rest[0]._mapping) == (["id"], [])):
        rest = []
    if len(path) != 1 or loose(path[0]) != loose(prop):
        return False
    return all(isinstance(step, (jb.Bend, jb.ForallBend)) and isinstance(getattr(step, "_mapping", None) or
                                                                         getattr(step, "_mappings", None), dict)
               for step in rest)


def empty_by_default(bender: Any) -> bool:
    return any(isinstance(step, jb.S) and step._default == [] for step in flat(bender))


def mapping_facts() -> dict:
    fields: Dict[str, Dict[str, str]] = {}
    empty: Dict[str, List[str]] = {}
    for kind, cls in sorted(CLASSES.items()):
        if kind not in MODEL:
            continue
        nested = not MODEL[kind].get("aggregate_root")
        for prop, bender in cls.mapping.items():
            if prop.startswith("_"):
                continue  # the reference's own bookkeeping, not a property
            if empty_by_default(bender) and type_of(kind, prop).endswith("[]"):
                empty.setdefault(kind, []).append(prop)
            if nested and not found_by_name(kind, prop, bender):
                text = path_text(*chain(bender))
                if text is None:
                    raise SystemExit(f"{kind}.{prop}: the reference's mapping is more than a path")
                fields.setdefault(kind, {})[prop] = text
    return {"fields": fields, "empty_lists": {k: sorted(v) for k, v in empty.items()}}


def reported_of(node: Any) -> dict:
    out = node.to_json()
    out["kind"] = node.kind
    return json.loads(json.dumps(out, default=str))


def without_lists(value: Any) -> Any:
    """The document with every list left out, as ARM sends a resource that has none of them."""
    if isinstance(value, dict):
        return {k: without_lists(v) for k, v in value.items() if not isinstance(v, list)}
    return value


def sparse(kind: str, doc: dict) -> Optional[dict]:
    """The document without lists, and what the reference makes of it (None where the reference fails on it)."""
    item = without_lists(doc)
    try:
        node = CLASSES[kind].from_api(item)
    except Exception:  # e.g. a load balancer without lists: its backends are not optional in the reference
        return None
    if kind == "azure_virtual_machine_size":
        node.location = LOCATION
    return {"item": item, "reported": reported_of(node)}


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    docs = {kind: document(kind) for kind in COLLECTED}
    nodes = {}
    for kind, doc in docs.items():
        node = CLASSES[kind].from_api(doc)
        if kind == "azure_virtual_machine_size":
            node.location = LOCATION  # the reference sets it from the location it lists them in
        nodes[kind] = node
    for kind in COLLECTED:
        recorder = Recorder(nodes)
        nodes[kind].connect_in_graph(recorder, docs[kind])
        node = nodes[kind]
        expect = {"id": node.id, "name": node.name,
                  "provider_link": f"https://portal.azure.com/#@/resource/subscriptions{node.id}/overview",
                  "reported": reported_of(node), "links": sorted(recorder.edges)}
        scope = {"location": LOCATION} if kind in ("azure_usage", "azure_virtual_machine_size",
                                                   "azure_available_service_alias") else {}
        fixture = {"item": docs[kind], "scope": scope, "expect": expect, "sparse": sparse(kind, docs[kind])}
        text = json.dumps(fixture, indent=1, sort_keys=True)
        (FIXTURES / f"{kind}.json").write_text(text + "\n")
    print(f"wrote {len(COLLECTED)} fixtures to {FIXTURES}")
    FIELDS_FILE.write_text(json.dumps(mapping_facts(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIELDS_FILE}")


if __name__ == "__main__":
    main()
