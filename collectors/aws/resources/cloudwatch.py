"""CloudWatch metric alarms."""
from __future__ import annotations

from typing import Callable, Dict, List, Tuple

from collectors.aws.kind import IN, Client, Edge, Json, Kind, by_arn, call, tagging
from collectors.aws.resources.base import for_each, optional, paginate

ALARM = "aws_cloudwatch_alarm"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed

# what an alarm watches: the kind, whether the dimension's value is that resource's id or its name, and the
# (namespace, dimension) pairs that name it. The reference's AWS/EBS and AWS/ELB entries name kinds that do
# not exist (aws_ebs_volume, aws_elb_load_balancer): here they are the volume and the classic load balancer.
WATCHED: Dict[str, Tuple[str, Tuple[Tuple[str, str], ...]]] = {
    "aws_ec2_instance": ("id", (("AWS/EC2", "InstanceId"),)),
    "aws_autoscaling_group": ("name", (("AWS/EC2", "AutoScalingGroupName"),
                                       ("AWS/AutoScaling", "AutoScalingGroupName"))),
    "aws_s3_bucket": ("name", (("AWS/S3", "BucketName"),)),
    "aws_dynamodb_table": ("name", (("AWS/DynamoDB", "TableName"),)),
    "aws_ec2_volume": ("id", (("AWS/EBS", "VolumeId"),)),
    "aws_ecs_cluster": ("name", (("AWS/ECS", "ClusterName"),)),
    "aws_efs_file_system": ("id", (("AWS/EFS", "FileSystemId"),)),
    "aws_elb": ("name", (("AWS/ELB", "LoadBalancerName"),)),
    "aws_sqs_queue": ("name", (("AWS/SQS", "QueueName"),)),
    "aws_sns_topic": ("name", (("AWS/SNS", "TopicName"),)),
    "aws_redshift_cluster": ("id", (("AWS/Redshift", "ClusterIdentifier"),)),
    "aws_kinesis_stream": ("name", (("AWS/Kinesis", "StreamName"),)),
}


def _tags(cw: Client, alarm: Json) -> None:
    alarm["Tags"] = (optional(cw.list_tags_for_resource, GONE, ResourceARN=alarm["AlarmArn"]) or {}).get("Tags") or []


def get_alarms(cw: Client) -> List[Json]:
    alarms = paginate(cw, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    for_each(alarms, lambda alarm: _tags(cw, alarm))
    return alarms


def dimensions(pairs: Tuple[Tuple[str, str], ...]) -> Callable[[Json], List[str]]:
    """The values of the alarm's dimensions that one of ``pairs`` (namespace, dimension name) names."""
    def get(item: Json) -> List[str]:
        return [d["Value"] for d in item.get("Dimensions") or []
                if (item.get("Namespace"), d.get("Name")) in pairs and d.get("Value")]
    return get


KINDS = [
    # the watched resource holds the alarm, which goes with it
    Kind(ALARM, "cloudwatch", get_alarms, id="AlarmName", arn="AlarmArn", prefix="cloudwatch_",
         props={"mtime": "AlarmConfigurationUpdatedTimestamp"},
         edges=tuple(Edge(kind, dimensions(pairs), default=IN, delete=IN, by=by)
                     for kind, (by, pairs) in WATCHED.items()),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceARN")),
         delete=call("delete_alarms", AlarmNames=lambda reported: [reported["name"]])),
]
