"""Every kind the Azure collector knows, in one list, found by name or by Resource Manager type.

The model the collector registers (``gen_model``), the collect plan, tag and delete dispatch, the README's kinds
table and the per-kind tests all come from this list.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from collectors.azure.kind import Kind
from collectors.azure.resources import base, compute, network

KINDS: List[Kind] = [*base.KINDS, *compute.KINDS, *network.KINDS]

BY_NAME: Dict[str, Kind] = {k.name: k for k in KINDS}
# ARM types compare without case ("Microsoft.Network/ExpressRoutePorts" is listed as expressRoutePorts)
BY_TYPE: Dict[str, Kind] = {k.arm_type.lower(): k for k in KINDS if k.arm_type}


def kind_of_type(arm_type: Optional[str]) -> Optional[Kind]:
    return BY_TYPE.get(str(arm_type or "").lower())


def children_of(kind_name: str) -> List[Kind]:
    """The kinds whose items sit inside the items of ``kind_name``."""
    return [k for k in KINDS if k.parent == kind_name]
