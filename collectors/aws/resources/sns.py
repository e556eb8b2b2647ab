"""SNS topics, subscriptions, and platform applications with their endpoints."""
from __future__ import annotations

from typing import List, Optional, Tuple

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, by_arn, call, inside, points_at, seen_by, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate
from collectors.common.model import sorted_json

TOPIC = "aws_sns_topic"
SUBSCRIPTION = "aws_sns_subscription"
APPLICATION = "aws_sns_platform_application"
ENDPOINT = "aws_sns_endpoint"
# a subscription that went between the list and its detail call (or one that is not confirmed yet)
SUBSCRIPTION_GONE = {"NotFound", "InvalidParameter"}
# regions without mobile push answer ListPlatformApplications with this
NO_MOBILE_PUSH = {"InvalidAction"}


def get_topics(sns: Client) -> List[Json]:
    """Every topic's attributes and tags (two detail calls per topic)."""
    def details(topic: Json) -> Json:
        arn = topic["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
        tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags") or []
        return {**attributes, "TopicArn": arn, "Tags": tags}
    return for_each(paginate(sns, "list_topics", "Topics"), details)


def get_subscriptions(sns: Client) -> List[Json]:
    """Every subscription's attributes (one detail call each); those not confirmed yet have no ARN to ask
    with (``PendingConfirmation``) and are left out, as the reference does."""
    def details(arn: str) -> Optional[Json]:
        found = optional(sns.get_subscription_attributes, SUBSCRIPTION_GONE, SubscriptionArn=arn)
        return None if found is None else {**(found.get("Attributes") or {}), "SubscriptionArn": arn}
    arns = [s["SubscriptionArn"] for s in paginate(sns, "list_subscriptions", "Subscriptions")
            if str(s.get("SubscriptionArn", "")).startswith("arn:")]
    return [found for found in for_each(arns, details) if found is not None]


def get_platform_applications(sns: Client) -> Json:
    """Every platform application's attributes and endpoints (two detail calls each); each endpoint knows its
    application (``PlatformApplicationArn``)."""
    listed = optional(paginate, NO_MOBILE_PUSH, client=sns, operation="list_platform_applications",
                      result_key="PlatformApplications") or []

    def details(arn: str) -> Tuple[Json, List[Json]]:
        attributes = sns.get_platform_application_attributes(PlatformApplicationArn=arn).get("Attributes") or {}
        endpoints = paginate(sns, "list_endpoints_by_platform_application", "Endpoints", PlatformApplicationArn=arn)
        return ({**attributes, "Arn": arn},
                [{**(e.get("Attributes") or {}), "Arn": e["EndpointArn"], "PlatformApplicationArn": arn}
                 for e in endpoints])
    found = for_each([app["PlatformApplicationArn"] for app in listed], details)
    return {"Applications": [app for app, _ in found], "Endpoints": [e for _, endpoints in found for e in endpoints]}


EVENT_TOPICS = ("EventEndpointCreated", "EventEndpointDeleted", "EventEndpointUpdated", "EventDeliveryFailure")

KINDS = [
    # the name is the display name (often empty), as in the reference; the topic's own name ends the ARN
    Kind(TOPIC, "sns", get_topics, id="TopicArn", name_of="DisplayName", arn="TopicArn", prefix="topic_",
         props={"topic_policy": lambda item: sorted_json(item["Policy"]) if item.get("Policy") else None},
         edges=(uses("aws_kms_key", "KmsMasterKeyId"),),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn")),
         delete=call("delete_topic", TopicArn="arn")),
    Kind(SUBSCRIPTION, "sns", get_subscriptions, id="SubscriptionArn", name_of="SubscriptionArn",
         arn="SubscriptionArn", prefix="subscription_",
         edges=(seen_by(TOPIC, "TopicArn"), inside("aws_iam_role", "SubscriptionRoleArn")), tags=UNTAGGED,
         delete=call("unsubscribe", SubscriptionArn="arn")),
    Kind(APPLICATION, "sns", get_platform_applications, items="Applications", id="Arn", arn="Arn",
         prefix="application_", props={"application_event_endpoint_failure": "EventDeliveryFailure"},
         edges=(points_at(TOPIC, lambda item: [item.get(event) for event in EVENT_TOPICS]),), tags=UNTAGGED,
         delete=call("delete_platform_application", PlatformApplicationArn="arn")),
    Kind(ENDPOINT, "sns", get_platform_applications, items="Endpoints", id="Arn", arn="Arn", prefix="endpoint_",
         edges=(seen_by(APPLICATION, "PlatformApplicationArn"),), tags=UNTAGGED,
         delete=call("delete_endpoint", EndpointArn="arn")),
]
