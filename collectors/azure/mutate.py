"""Tag and delete tasks on one resource, by its ARM id (``reported.id``) in the subscription of its
account ancestor, dispatched by the node's kind through the registry.

Tags go through the Tags API at the resource's scope (``Merge`` to set one key, ``Delete`` to remove
one); deletes through ``resources.begin_delete_by_id`` with the kind's api-version (for a type no kind
covers, the type's newest from ``providers.get``, looked up once per namespace), or
``resource_groups.begin_delete`` for a resource group. Kinds the registry marks as not taggable or not
deletable (catalogs, quotas, locations, subnets' tags) are refused. All of them are long-running
operations: the call waits until the operation finishes (up to ``operation_timeout``) and raises
``AzureOperationError`` saying what failed.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from azure.core.exceptions import AzureError

from collectors.azure.api_versions import api_version_for
from collectors.azure.arm_ids import parse_arm_id
from collectors.azure.clients import resource_client
from collectors.azure.config import AzureConfig
from collectors.azure.registry import BY_NAME

Json = Dict[str, Any]


class AzureOperationError(Exception):
    """A tag or delete operation failed or did not finish in time."""


def _target(node: Json, action: str) -> tuple:
    """The resource id, subscription id and ``reported`` of the node; refuses what its kind cannot do."""
    reported = node.get("reported") or {}
    resource_id = reported.get("id")
    kind = BY_NAME.get(str(reported.get("kind")))
    allowed = kind is None or (kind.taggable if action == "tag" else kind.deletable)
    if not allowed:
        raise AzureOperationError(f"azure: {reported.get('kind')} {resource_id} cannot be "
                                  f"{'tagged' if action == 'tag' else 'deleted'}")
    account = (((node.get("ancestors") or {}).get("account") or {}).get("reported") or {}).get("id")
    # the account node's id is the subscription's ARM id (/subscriptions/<id>)
    subscription = parse_arm_id(str(account)).subscription or account if account else None
    subscription = subscription or parse_arm_id(str(resource_id or "")).subscription
    if not resource_id or not str(resource_id).startswith("/"):
        raise AzureOperationError(f"azure: node {node.get('id')} has no Resource Manager id in reported.id")
    if not subscription:
        raise AzureOperationError(f"azure: node {node.get('id')} ({resource_id}) has no account ancestor")
    return str(resource_id), str(subscription), reported


def _wait(config: AzureConfig, what: str, start) -> Any:
    try:
        poller = start()
        result = poller.result(timeout=config.operation_timeout)
    except AzureError as ex:
        raise AzureOperationError(f"azure: {what} failed: {getattr(ex, 'message', None) or ex}") from ex
    if not poller.done():
        raise AzureOperationError(f"azure: {what} did not finish within {config.operation_timeout}s "
                                  f"(status {poller.status()})")
    return result


def update_tag(config: AzureConfig, node: Json, key: str, value: Optional[str]) -> bool:
    resource_id, subscription, _ = _target(node, "tag")
    client = resource_client(config, subscription)
    body = {"operation": "Merge", "properties": {"tags": {key: "" if value is None else str(value)}}}
    _wait(config, f"setting tag {key} on {resource_id}",
          lambda: client.tags.begin_update_at_scope(resource_id, body))
    return True


def delete_tag(config: AzureConfig, node: Json, key: str) -> bool:
    """Removes ``key`` (the Delete operation names the tag with its value as the node last saw it)."""
    resource_id, subscription, reported = _target(node, "tag")
    client = resource_client(config, subscription)
    known = (reported.get("tags") or {}).get(key)
    body = {"operation": "Delete", "properties": {"tags": {key: "" if known is None else str(known)}}}
    _wait(config, f"deleting tag {key} from {resource_id}",
          lambda: client.tags.begin_update_at_scope(resource_id, body))
    return True


def delete_resource(config: AzureConfig, node: Json) -> bool:
    resource_id, subscription, reported = _target(node, "delete")
    client = resource_client(config, subscription)
    arm = parse_arm_id(resource_id)
    group = arm.resource_group if arm.is_resource_group else None
    if group is not None:
        _wait(config, f"deleting resource group {resource_id}", lambda: client.resource_groups.begin_delete(group))
        return True
    if not arm.namespace or not arm.resource_type:
        raise AzureOperationError(f"azure: cannot delete {resource_id}: not a resource id")
    kind = BY_NAME.get(str(reported.get("kind")))
    try:
        version = kind.api_version if kind is not None and kind.arm_type and kind.api_version else \
            api_version_for(client, subscription, arm.namespace, arm.resource_type)
    except (AzureError, LookupError) as ex:
        raise AzureOperationError(f"azure: cannot delete {resource_id}: no API version for {arm.full_type}: "
                                  f"{getattr(ex, 'message', None) or ex}") from ex
    _wait(config, f"deleting {resource_id}", lambda: client.resources.begin_delete_by_id(resource_id,
                                                                                        api_version=version))
    return True
