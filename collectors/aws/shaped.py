"""What a ``transform_*`` returns: nodes (``reported`` dicts, already shaped to the model) and links
between them, named by kind and id/ARN rather than by graph node id, so transforms stay pure and one
service's transform can point at another service's resources. ``collect`` resolves links once every
node of the account is in, and drops the ones whose other end was not collected.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from collectors.aws.model import shape_reported


@dataclass(frozen=True)
class Scope:
    """Where a transform's resources live: needed to build ARNs the API does not return."""

    account_id: str
    region: str
    partition: str = "aws"

    def arn(self, service: str, resource: str, region: Optional[str] = None, account: Optional[str] = None) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
                f"{self.account_id if account is None else account}:{resource}")


@dataclass(frozen=True)
class Ref:
    """A resource by kind and one of its keys (its id or its ARN)."""

    kind: str
    key: str


@dataclass(frozen=True)
class Link:
    """``default``: ``source`` contains/uses ``target``. ``delete``: ``target`` must go before ``source``."""

    source: Ref
    target: Ref
    edge_type: str = "default"


@dataclass
class Shaped:
    nodes: List[Dict[str, Any]] = field(default_factory=list)
    links: List[Link] = field(default_factory=list)

    def node(self, reported: Dict[str, Any]) -> Dict[str, Any]:
        shaped = shape_reported(reported)
        self.nodes.append(shaped)
        return shaped

    def link(self, source: Ref, target: Ref, edge_type: str = "default") -> None:
        self.links.append(Link(source, target, edge_type))

    def link_both(self, source: Ref, target: Ref) -> None:
        """``source`` holds ``target`` and can only be deleted once ``target`` is gone."""
        self.link(source, target, "default")
        self.link(source, target, "delete")


def tag_dict(tags: Optional[Iterable[Any]], key: str = "Key", value: str = "Value") -> Dict[str, str]:
    """AWS tag lists (``[{"Key": k, "Value": v}]``) or maps as a plain dict."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    return {str(t[key]): "" if t.get(value) is None else str(t.get(value)) for t in tags if key in t}


def pick(item: Dict[str, Any], path: str) -> Any:
    """``item["A"]["B"]`` for path ``"A.B"``; None when any step is missing."""
    value: Any = item
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def mapped(item: Dict[str, Any], fields: Dict[str, str]) -> Dict[str, Any]:
    """Model property → value at the API path given in ``fields``."""
    return {prop: pick(item, path) for prop, path in fields.items()}


def non_empty(value: Any) -> Any:
    """``None`` for empty strings: moto and some APIs send ``""`` where AWS sends nothing."""
    return None if value in ("", "None") else value


KMS_KEY = "aws_kms_key"


def encrypted_with(out: Shaped, user: Ref, key_id: str) -> None:
    """``user`` is encrypted with KMS key ``key_id`` (an ARN or a key id; aliases stay unresolved):
    it points at the key, and the key may only be deleted once ``user`` is gone."""
    key = Ref(KMS_KEY, key_id)
    out.link(user, key)
    out.link(key, user, "delete")
