"""CloudWatch metric alarms."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, tag_dict

ALARM = "aws_cloudwatch_alarm"
INSTANCE = "aws_ec2_instance"


def get_alarms(cw: Client) -> List[Json]:
    alarms = paginate(cw, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    for item in alarms:
        item["Tags"] = cw.list_tags_for_resource(ResourceARN=item["AlarmArn"]).get("Tags") or []
    return alarms


def transform_alarms(alarms: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in alarms:
        arn = item["AlarmArn"]
        out.node({**prefixed(item, ALARM, "cloudwatch_"),
                  "kind": ALARM, "id": item["AlarmName"], "name": item["AlarmName"],
                  "tags": tag_dict(item.get("Tags")), "mtime": item.get("AlarmConfigurationUpdatedTimestamp"),
                  "arn": arn})
        for dimension in item.get("Dimensions") or []:
            if dimension.get("Name") == "InstanceId" and dimension.get("Value"):
                # the alarm watches the instance and goes with it
                out.link_both(Ref(INSTANCE, dimension["Value"]), Ref(ALARM, arn))
    return out


def update_tag(cw: Client, reported: Json, key: str, value: str) -> None:
    cw.tag_resource(ResourceARN=reported["arn"], Tags=[{"Key": key, "Value": value}])


def delete_tag(cw: Client, reported: Json, key: str) -> None:
    cw.untag_resource(ResourceARN=reported["arn"], TagKeys=[key])


def delete_alarm(cw: Client, reported: Json) -> None:
    cw.delete_alarms(AlarmNames=[reported["name"]])


RESOURCE_TYPES = [ResourceType("cloudwatch_alarms", "cloudwatch", get_alarms, transform_alarms)]

ACTIONS = {ALARM: KindActions("cloudwatch", update_tag, delete_tag, delete_alarm)}
