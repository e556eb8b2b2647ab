"""``get_*``: the Resource Manager calls of a collect. Each returns plain dicts in the REST shape
(camelCase, as the service sends them), whatever model classes the installed SDK uses, so that the
``transform_*`` functions work on plain JSON."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import quote

from collectors.azure.clients import send

Json = Dict[str, Any]
# what resources.list leaves out unless asked for
RESOURCE_EXPAND = "createdTime,changedTime,provisioningState"


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


def get_resource_groups(resource_client: Any) -> List[Json]:
    return [rest_json(g) for g in resource_client.resource_groups.list()]


def get_resources(resource_client: Any, odata_filter: Optional[str] = None) -> List[Json]:
    """Every resource of the subscription (the SDK follows ``nextLink``)."""
    return [rest_json(r) for r in resource_client.resources.list(filter=odata_filter, expand=RESOURCE_EXPAND)]


def iter_collection(resource_client: Any, url: str) -> Iterator[Json]:
    """A provider collection (``{"value": [...], "nextLink": ...}``), following ``nextLink``."""
    while url:
        page = send(resource_client, "GET", url).json()
        yield from page.get("value") or []
        url = page.get("nextLink")


def get_provider_collection(resource_client: Any, base_url: str, subscription_id: str, full_type: str,
                            api_version: str) -> List[Json]:
    """All resources of one type with their full ``properties`` (which resources.list does not return),
    e.g. ``Microsoft.Compute/virtualMachines``."""
    url = (f"{base_url.rstrip('/')}/subscriptions/{quote(subscription_id)}/providers/{full_type}"
           f"?api-version={quote(api_version)}")
    return list(iter_collection(resource_client, url))


def get_provider(resource_client: Any, namespace: str) -> Json:
    return rest_json(resource_client.providers.get(namespace))
