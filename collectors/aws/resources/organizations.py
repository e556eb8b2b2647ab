"""The organization's root and its organizational units, collected with the management account only (as the
reference: member accounts may not list the organization). Global kinds under the account's ``global`` region;
each unit hangs under its parent (the root or another unit)."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import GLOBAL, UNTAGGED, Client, Json, Kind, seen_by
from collectors.aws.resources.base import for_each, paginate

ROOT = "aws_organizational_root"
UNIT = "aws_organizational_unit"


def get_organization(org: Client, account: Json) -> Json:
    """The roots and every unit below them, level by level (one paginated call per parent; the units'
    listing holds what DescribeOrganizationalUnit would add: id, ARN and name). Each unit knows its parent
    (``ParentId``). Nothing for an account that is not the organization's management account."""
    if not account.get("is_organization_master"):
        return {"Roots": [], "Units": []}
    roots = paginate(org, "list_roots", "Roots")
    units: List[Json] = []
    seen = {root["Id"] for root in roots}
    parents = list(seen)
    while parents:
        children = for_each(parents, lambda parent: [
            {**unit, "ParentId": parent}
            for unit in paginate(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent)])
        level = []
        for unit in (unit for found in children for unit in found):
            # a tree has no unit twice; an answer that says otherwise must not make the walk endless
            if unit["Id"] not in seen:
                seen.add(unit["Id"])
                level.append(unit)
        units += level
        parents = [unit["Id"] for unit in level]
    return {"Roots": roots, "Units": units}


KINDS = [
    # only a management account has them
    Kind(ROOT, "organizations", get_organization, scope=GLOBAL, items="Roots", id="Id", name_of="Name", arn="Arn",
         derive=False, tags=UNTAGGED),
    Kind(UNIT, "organizations", get_organization, scope=GLOBAL, items="Units", id="Id", name_of="Name", arn="Arn",
         derive=False, edges=(seen_by(ROOT, "ParentId"), seen_by(UNIT, "ParentId")), tags=UNTAGGED),
]
