"""What every subscription has: the subscription itself, its locations and resource groups, and the generic
kind of the resource types no declaration covers. The collect makes these nodes itself (``SPECIAL``)."""
from __future__ import annotations

from collectors.azure.kind import SPECIAL, Kind

SUBSCRIPTION = "azure_subscription"
LOCATION = "azure_location"
RESOURCE_GROUP = "azure_resource_group"
GENERIC = "azure_generic_resource"

KINDS = [
    # from the subscriptions listing; the reference names the subscription by its id
    Kind(SUBSCRIPTION, "2022-12-01", source=SPECIAL, name_of="id", taggable=False, deletable=False,
         props={"managed_by_tenants": "managedByTenants[].tenantId"}),
    Kind(LOCATION, "2022-12-01", source=SPECIAL, prefixes=("location_",), taggable=False, deletable=False),
    Kind(RESOURCE_GROUP, "2022-09-01", arm_type="Microsoft.Resources/resourceGroups", source=SPECIAL),
    # this collector's own kind for every listed resource whose type has no kind; from the listing's fields
    Kind(GENERIC, "", source=SPECIAL, prefixes=("azure_",)),
]
