"""Auto Scaling groups."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, Tagging, points_at, uses
from collectors.aws.resources.base import paginate

GROUP_TYPE = "auto-scaling-group"


def get_auto_scaling_groups(autoscaling: Client) -> List[Json]:
    return paginate(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups")


# groups are tagged by name; a tag is not handed on to the instances the group launches later
def update_group_tag(autoscaling: Client, reported: Json, key: str, value: str) -> None:
    autoscaling.create_or_update_tags(Tags=[{"ResourceId": reported["name"], "ResourceType": GROUP_TYPE, "Key": key,
                                             "Value": value, "PropagateAtLaunch": False}])


def delete_group_tag(autoscaling: Client, reported: Json, key: str) -> None:
    autoscaling.delete_tags(Tags=[{"ResourceId": reported["name"], "ResourceType": GROUP_TYPE, "Key": key}])


def delete_group(autoscaling: Client, reported: Json) -> None:
    # with its instances: a group that still has some cannot be deleted otherwise
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=reported["name"], ForceDelete=True)


KINDS = [
    Kind("aws_autoscaling_group", "autoscaling", get_auto_scaling_groups, id="AutoScalingGroupName",
         name_of="AutoScalingGroupName", arn="AutoScalingGroupARN", prefix="autoscaling_",
         props={"ctime": "CreatedTime"},
         edges=(uses("aws_ec2_instance", "Instances[].InstanceId"),
                points_at("aws_ec2_launch_template", "LaunchTemplate.LaunchTemplateId")),
         tags=Tagging("Tags", update=update_group_tag, delete=delete_group_tag), delete=delete_group),
]
