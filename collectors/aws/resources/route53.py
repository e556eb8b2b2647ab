"""Route 53 hosted zones, their record sets and each set's records (one node per value), as the reference
draws them: zone → record set → record."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from collectors.aws.kind import GLOBAL, UNTAGGED, Client, Json, Kind, Tagging, inside, last_segment, seen_by
from collectors.aws.resources.base import for_each, optional, paginate

ZONE = "aws_route53_zone"
RECORD_SET = "aws_route53_resource_record_set"
RECORD = "aws_route53_resource_record"


def get_zones(route53: Client) -> Json:
    """Every zone with its tags, first query logging configuration and record sets (three detail calls
    per zone); each record set knows its zone (``HostedZoneId``, without the ``/hostedzone/`` prefix)."""
    zones = paginate(route53, "list_hosted_zones", "HostedZones")

    def details(zone: Json) -> Tuple[Json, List[Json]]:
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
        # moto answers NoSuchHostedZone for a zone it has; the reference ignores any failure here
        logging = optional(paginate, {"NoSuchHostedZone", "AccessDenied"}, client=route53,
                           operation="list_query_logging_configs", result_key="QueryLoggingConfigs",
                           HostedZoneId=zone_id)
        sets = paginate(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id)
        return ({**zone, "Tags": (tags.get("ResourceTagSet") or {}).get("Tags") or [],
                 "LoggingConfig": (logging or [None])[0]},
                [{**record_set, "HostedZoneId": zone_id} for record_set in sets])
    found = for_each(zones, details)
    return {"Zones": [zone for zone, _ in found], "RecordSets": [s for _, sets in found for s in sets]}


# ---- node keys: the reference's, after (kind, cloud, account, region, zone) -----------------------------

def record_set_key(record_set: Json) -> tuple:
    """(zone, id, name, type, set identifier), from the API's record set."""
    return (record_set["HostedZoneId"], record_set["Name"], record_set["Name"], record_set.get("Type", "").upper(),
            record_set.get("SetIdentifier"))


def record_key(item: Json, reported: Json) -> tuple:
    return (item["HostedZoneId"], reported["id"], reported.get("name"), reported.get("record_type", ""),
            reported.get("record_data", ""), reported.get("arn"))


# ---- records: one per value of a record set --------------------------------------------------------------

RDATA_FIELDS = {  # the values of these types, in order, after normalising whitespace
    "SOA": ("record_mname", "record_rname", "record_serial", "record_refresh", "record_retry", "record_expire",
            "record_minimum"),
    "MX": ("record_priority", "record_value"),
    "SRV": ("record_priority", "record_weight", "record_port", "record_value"),
    "CAA": ("record_flags", "record_tag", "record_value"),
}
TEXT_FIELDS = {"record_mname", "record_rname", "record_tag", "record_value"}
QUOTED_SPACE = re.compile(r'(?<!\\)" "')  # the boundary of two character strings of a TXT value


def rdata(record_type: str, data: str) -> Dict[str, Any]:
    """``record_value`` and the fields of a record's data (SOA, MX, SRV and CAA parts), as the reference
    reads them. Data of an unexpected shape keeps just its value."""
    if record_type == "TXT":
        text = data[1:-1] if len(data) >= 2 and data[0] == data[-1] == '"' else data
        return {"record_value": QUOTED_SPACE.sub("", text)}
    # zone file syntax: comments after ';', parentheses around multi-line values
    text = " ".join("".join(line.split(";", 1)[0] for line in data.splitlines()).replace("(", "")
                    .replace(")", "").split())
    fields: Dict[str, Any] = {"record_value": text}
    names = RDATA_FIELDS.get(record_type)
    if names:
        parts = text.split(" ")
        if len(parts) == len(names):
            try:
                fields.update({name: part if name in TEXT_FIELDS else int(part) for name, part in zip(names, parts)})
            except ValueError:
                pass
    return fields


def records(result: Json) -> List[Json]:
    found = []
    for record_set in result["RecordSets"]:
        record_type = record_set.get("Type", "").upper()
        for value in record_set.get("ResourceRecords") or []:
            if value.get("Value") is not None:
                found.append({"Name": record_set["Name"], "Type": record_type, "TTL": record_set.get("TTL") or 0,
                              "Data": value["Value"], "Fields": rdata(record_type, value["Value"]),
                              "HostedZoneId": record_set["HostedZoneId"], "RecordSet": record_set_key(record_set)})
    return found


RECORD_PROPS = {"record_ttl": "TTL", "record_type": "Type", "record_data": "Data",
                **{name: f"Fields.{name}" for name in sorted({"record_value"}.union(*RDATA_FIELDS.values()))}}


# ---- tags and delete -------------------------------------------------------------------------------------

def update_zone_tag(route53: Client, reported: Json, key: str, value: str) -> None:
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=reported["id"],
                                     AddTags=[{"Key": key, "Value": value}])


def delete_zone_tag(route53: Client, reported: Json, key: str) -> None:
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=reported["id"], RemoveTagKeys=[key])


def delete_zone(route53: Client, reported: Json) -> None:
    route53.delete_hosted_zone(Id=reported["id"])


KINDS = [
    Kind(ZONE, "route53", get_zones, items="Zones", id=last_segment("Id"), name_of="Name", scope=GLOBAL,
         prefix="zone_", props={"zone_logging_config": "LoggingConfig"},
         tags=Tagging(path="Tags", update=update_zone_tag, delete=delete_zone_tag), delete=delete_zone),
    # not unique on their own: a zone's apex has an NS and an SOA set of the same name
    Kind(RECORD_SET, "route53", get_zones, items="RecordSets", id="Name", name_of="Name", scope=GLOBAL,
         prefix="record_", key=lambda item, _: record_set_key(item),
         props={"record_name": lambda _: None,  # the reference leaves it out
                "record_values": "ResourceRecords[].Value"},
         edges=(seen_by(ZONE, "HostedZoneId"),), tags=UNTAGGED),
    Kind(RECORD, "route53", get_zones, items=records, id="Name", name_of="Name", scope=GLOBAL, derive=False,
         key=record_key, props=RECORD_PROPS,
         edges=(inside(RECORD_SET, lambda item: [item.get("RecordSet")], by="key"),), tags=UNTAGGED),
]
