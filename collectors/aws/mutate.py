"""Tag and delete tasks: find the node's account (assuming the configured role), region and kind
handler, and call it.

Nodes come from the core: ``reported`` (kind, id, arn, name, …) and ``ancestors.account`` /
``ancestors.region`` with their ``reported.id``. Account-wide kinds (IAM, S3) sit under the ``global``
region, whose id is the partition's main region: their client goes there.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from collectors.aws.accounts import session_for_account_id
from collectors.aws.clients import clients_for
from collectors.aws.config import AwsConfig
from collectors.aws.kind import Kind
from collectors.aws.regions import global_region_id
from collectors.aws.table import BY_NAME

Json = Dict[str, Any]


class UnsupportedAction(Exception):
    """The kind cannot be changed that way (e.g. IAM groups carry no tags)."""


def _ancestor_id(node: Json, which: str) -> Optional[str]:
    value = (((node.get("ancestors") or {}).get(which) or {}).get("reported") or {}).get("id")
    return str(value) if value is not None else None


def _target(config: AwsConfig, node: Json) -> Tuple[Kind, Json, Any]:
    reported = node.get("reported") or {}
    kind = reported.get("kind")
    found: Optional[Kind] = BY_NAME.get(str(kind))
    if found is None:
        raise UnsupportedAction(f"aws: kind {kind} is not handled by this collector")
    account_id = _ancestor_id(node, "account")
    if not account_id:
        raise ValueError(f"aws: node {node.get('id')} ({kind} {reported.get('id')}) has no account ancestor")
    region = _ancestor_id(node, "region")
    if found.is_global or not region:
        partition = str(reported.get("arn") or "arn:aws").split(":")[1] or "aws"
        region = region if found.is_global and region else global_region_id(partition)
    session = session_for_account_id(config, account_id)
    client = clients_for(session, config).get(found.client_service, region)
    return found, reported, client


def _describe(node: Json) -> str:
    reported = node.get("reported") or {}
    return f"{reported.get('kind')} {reported.get('id')} in account {_ancestor_id(node, 'account')} " \
           f"region {_ancestor_id(node, 'region')}"


def update_tag(config: AwsConfig, node: Json, key: str, value: Optional[str]) -> bool:
    kind, reported, client = _target(config, node)
    if kind.tags.update is None:
        raise UnsupportedAction(f"aws: {_describe(node)} cannot carry tags")
    kind.tags.update(client, reported, key, "" if value is None else str(value))
    return True


def delete_tag(config: AwsConfig, node: Json, key: str) -> bool:
    kind, reported, client = _target(config, node)
    if kind.tags.delete is None:
        raise UnsupportedAction(f"aws: {_describe(node)} cannot carry tags")
    kind.tags.delete(client, reported, key)
    return True


def delete_resource(config: AwsConfig, node: Json) -> bool:
    kind, reported, client = _target(config, node)
    if kind.delete is None:
        raise UnsupportedAction(f"aws: {_describe(node)} cannot be deleted by this collector")
    kind.delete(client, reported)
    return True
