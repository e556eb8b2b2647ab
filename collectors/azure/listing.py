"""``get_*``: the Resource Manager calls of a collect. Each returns plain dicts in the REST shape
(camelCase, as the service sends them), whatever model classes the installed SDK uses, so that shaping
(``shape``) works on plain JSON."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Set
from urllib.parse import quote, urlencode

from collectors.azure.clients import send

Json = Dict[str, Any]
# what resources.list leaves out unless asked for
RESOURCE_EXPAND = "createdTime,changedTime,provisioningState"
METRICS_API_VERSION = "2021-05-01"  # the reference's
RESOURCES_API_VERSION = "2021-04-01"  # the reference's for a group's resources
GROUPS_API_VERSION = "2022-09-01"  # the reference's
MAX_PAGES = 10_000  # of one list: ten million items at ARM's page sizes


def rest_json(item: Any) -> Any:
    """An SDK model (or plain value) as the REST JSON it came from."""
    if hasattr(item, "serialize") and not hasattr(item, "keys"):  # msrest models (azure-mgmt-resource < 24)
        return item.serialize(keep_readonly=True)
    if hasattr(item, "keys"):
        return {k: rest_json(v) for k, v in item.items()}
    if isinstance(item, list):
        return [rest_json(v) for v in item]
    return item


def get_subscriptions(subscription_client: Any) -> List[Json]:
    return [rest_json(s) for s in subscription_client.subscriptions.list()]


def get_locations(subscription_client: Any, subscription_id: str) -> List[Json]:
    return [rest_json(loc) for loc in subscription_client.subscriptions.list_locations(subscription_id)]


# The two lists below are read raw, as the provider collections: the SDK's models would cost a conversion each way
# per resource (seconds for a large subscription) and add nothing.


def get_resource_groups(resource_client: Any, base_url: str, subscription_id: str) -> List[Json]:
    return get_items(resource_client, base_url, f"/subscriptions/{subscription_id}/resourcegroups",
                     GROUPS_API_VERSION)


def get_resources(resource_client: Any, base_url: str, subscription_id: str,
                  odata_filter: Optional[str] = None) -> List[Json]:
    """Every resource of the subscription, with the times and state the listing leaves out unless asked."""
    query = {"$expand": RESOURCE_EXPAND, **({"$filter": odata_filter} if odata_filter else {})}
    return get_items(resource_client, base_url, f"/subscriptions/{subscription_id}/resources", RESOURCES_API_VERSION,
                     query)


def iter_pages(resource_client: Any, url: str) -> Iterator[Json]:
    """The items of a list answer (``{"value": [...], "nextLink": ...}``), following ``nextLink`` to the last page.
    A server repeating a next link, or sending more than ``MAX_PAGES``, must not keep the collect going."""
    seen: Set[str] = set()
    while url and url not in seen:
        if len(seen) >= MAX_PAGES:
            raise RuntimeError(f"more than {MAX_PAGES} pages at {url.split('?')[0]}")
        seen.add(url)
        page = send(resource_client, "GET", url).json()
        yield from page.get("value") or []
        url = page.get("nextLink")


def list_url(base_url: str, path: str, api_version: str, query: Optional[Dict[str, str]] = None) -> str:
    params = {"api-version": api_version, **(query or {})}
    return f"{base_url.rstrip('/')}{quote(path)}?{urlencode(params, quote_via=quote)}"


def get_items(resource_client: Any, base_url: str, path: str, api_version: str,
              query: Optional[Dict[str, str]] = None) -> List[Json]:
    """Every item of a list at ``path`` (a provider collection, a catalog), all pages."""
    return list(iter_pages(resource_client, list_url(base_url, path, api_version, query)))


def get_metrics(resource_client: Any, base_url: str, resource_id: str, query: Dict[str, str]) -> Json:
    """Azure Monitor's metrics of one resource (``query``: metricnames, aggregation, timespan, …)."""
    url = list_url(base_url, f"{resource_id}/providers/Microsoft.Insights/metrics", METRICS_API_VERSION, query)
    return send(resource_client, "GET", url).json()


def get_provider(resource_client: Any, namespace: str) -> Json:
    return rest_json(resource_client.providers.get(namespace))
