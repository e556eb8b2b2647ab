"""Reading Azure Resource Manager ids (pure). ARM ids are case-insensitive; these helpers keep the
case they were given and compare lower-cased."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ArmId:
    subscription: Optional[str]
    resource_group: Optional[str]
    namespace: Optional[str]  # e.g. Microsoft.Compute
    resource_type: Optional[str]  # e.g. virtualMachines, or servers/databases for a child resource

    @property
    def is_resource_group(self) -> bool:
        return self.resource_group is not None and self.namespace is None

    @property
    def full_type(self) -> Optional[str]:
        return f"{self.namespace}/{self.resource_type}" if self.namespace and self.resource_type else None


def parse_arm_id(resource_id: str) -> ArmId:
    """``/subscriptions/S/resourceGroups/G/providers/NS/t1/n1[/t2/n2…]`` → its parts (the last
    ``providers`` segment wins for extension resources)."""
    parts = [p for p in resource_id.split("/") if p]
    lower = [p.lower() for p in parts]
    subscription = group = namespace = rtype = None
    if len(parts) >= 2 and lower[0] == "subscriptions":
        subscription = parts[1]
    if len(parts) >= 4 and lower[2] == "resourcegroups":
        group = parts[3]
    if "providers" in lower:
        at = len(lower) - 1 - lower[::-1].index("providers")
        if at + 1 < len(parts):
            namespace = parts[at + 1]
            rest = parts[at + 2:]
            types = rest[0::2]
            rtype = "/".join(types) if types else None
    return ArmId(subscription, group, namespace, rtype)
