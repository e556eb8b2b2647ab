"""Elastic Beanstalk applications and environments, each with its tags; environments with the resources
they run on (Auto Scaling groups, instances, load balancers, queues)."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

APPLICATION = "aws_beanstalk_application"
ENVIRONMENT = "aws_beanstalk_environment"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed
# what DescribeEnvironmentResources answers for an environment that has none (terminated), as the
# reference expects it
NO_RESOURCES = {"InvalidParameterValue"}


def _tags(eb: Client, arn: Optional[str]) -> List[Json]:
    if not arn:
        return []
    return (optional(eb.list_tags_for_resource, GONE, ResourceArn=arn) or {}).get("ResourceTags") or []


def get_applications(eb: Client) -> List[Json]:
    """Applications with their tags (one detail call each)."""
    applications = eb.describe_applications().get("Applications") or []
    for application, tags in zip(applications, for_each(applications, lambda a: _tags(eb, a.get("ApplicationArn")))):
        application["Tags"] = tags
    return applications


def get_environments(eb: Client) -> List[Json]:
    """Environments (terminated ones too, for the hour AWS keeps them) with their tags and resources: two
    detail calls each."""
    environments = paginate(eb, "describe_environments", "Environments")

    def details(environment: Json) -> Json:
        found = optional(eb.describe_environment_resources, NO_RESOURCES,
                         EnvironmentId=environment["EnvironmentId"]) if environment.get("EnvironmentId") else None
        return {"Tags": _tags(eb, environment.get("EnvironmentArn")),
                "Resources": (found or {}).get("EnvironmentResources")}
    for environment, found in zip(environments, for_each(environments, details)):
        environment.update(found)
    return environments


BEANSTALK_TAGS = tagging("Tags", "update_tags_for_resource", "update_tags_for_resource", by_arn("ResourceArn"),
                         tags_param="TagsToAdd", keys_param="TagsToRemove")


def terminate_environment(eb: Client, reported: Json) -> None:
    if reported.get("beanstalk_status") != "Terminated":  # AWS keeps listing terminated ones for an hour
        eb.terminate_environment(EnvironmentId=reported["id"])


KINDS = [
    Kind(APPLICATION, "elasticbeanstalk", get_applications, id="ApplicationName", arn="ApplicationArn",
         prefix="beanstalk_", props={"ctime": "DateCreated", "mtime": "DateUpdated"},
         tags=BEANSTALK_TAGS, delete=call("delete_application", ApplicationName="name")),
    # moto serves neither DescribeEnvironmentResources nor TerminateEnvironment, and its environments have
    # an empty id: the tests use recorded answers
    Kind(ENVIRONMENT, "elasticbeanstalk", get_environments, id="EnvironmentId", name_of="EnvironmentName",
         arn="EnvironmentArn", prefix="beanstalk_",
         props={"ctime": "DateCreated", "mtime": "DateUpdated", "beanstalk_resources": "Resources"},
         edges=(inside(APPLICATION, "ApplicationName"),
                uses("aws_autoscaling_group", "Resources.AutoScalingGroups[].Name"),
                uses("aws_ec2_instance", "Resources.Instances[].Id"),
                # by id: that is the name of an ALB, and the reference's look-up by name misses ARNs
                uses("aws_alb", "Resources.LoadBalancers[].Name"),
                uses("aws_sqs_queue", "Resources.Queues[].Name")),
         tags=BEANSTALK_TAGS, delete=terminate_environment, moto=False),
]
