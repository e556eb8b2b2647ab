"""CloudFormation stacks (each linked to the resources it made), stack sets and their stack instances."""
from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional, Tuple

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, Tagging, call, points_at, seen_by
from collectors.aws.resources.base import for_each, optional, paginate

STACK = "aws_cloudformation_stack"
STACK_SET = "aws_cloudformation_stack_set"
INSTANCE = "aws_cloud_formation_stack_instance_summary"
STACK_SET_GONE = {"StackSetNotFoundException"}  # deleted since it was listed
UPDATE_WAIT_SECONDS, UPDATE_POLL_SECONDS = 300, 5  # a stack being changed takes no update: wait, as the reference

# ---- the resources of a stack ---------------------------------------------------------------------------
# CloudFormation names a resource by its type and physical id (what ``Ref`` gives). The reference makes the
# kind from the type (AWS::EC2::Instance → aws_ec2_instance), which gives our kind for the types below written
# as themselves; the others are named here. The physical id is our id or ARN for most types; for these it is
# the resource's name (our id being another field)
BY_NAME = {"AWS::EC2::KeyPair", "AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ElasticBeanstalk::Environment",
           "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::InstanceProfile",
           "AWS::IAM::ServerCertificate", "AWS::DynamoDB::Table", "AWS::OpenSearchService::Domain",
           "AWS::Elasticsearch::Domain"}
KIND_OF_TYPE = {
    **{f"AWS::EC2::{t}": f"aws_ec2_{k}" for t, k in (
        ("Instance", "instance"), ("Volume", "volume"), ("KeyPair", "keypair"), ("Subnet", "subnet"),
        ("SecurityGroup", "security_group"), ("InternetGateway", "internet_gateway"), ("NatGateway", "nat_gateway"),
        ("NetworkInterface", "network_interface"), ("EIP", "elastic_ip"), ("RouteTable", "route_table"),
        ("NetworkAcl", "network_acl"), ("FlowLog", "flow_log"), ("LaunchTemplate", "launch_template"),
        ("Host", "host"))},
    "AWS::EC2::VPC": "aws_vpc", "AWS::EC2::VPCEndpoint": "aws_vpc_endpoint",
    "AWS::EC2::VPCPeeringConnection": "aws_vpc_peering_connection",
    "AWS::AutoScaling::AutoScalingGroup": "aws_autoscaling_group",
    "AWS::ElasticLoadBalancing::LoadBalancer": "aws_elb", "AWS::ElasticLoadBalancingV2::LoadBalancer": "aws_alb",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "aws_alb_target_group",
    "AWS::ECS::Cluster": "aws_ecs_cluster", "AWS::ECS::Service": "aws_ecs_service",
    "AWS::ECS::TaskDefinition": "aws_ecs_task_definition", "AWS::ECS::CapacityProvider": "aws_ecs_capacity_provider",
    "AWS::ECR::Repository": "aws_ecr_repository", "AWS::EKS::Cluster": "aws_eks_cluster",
    "AWS::EKS::Nodegroup": "aws_eks_nodegroup",
    "AWS::ElasticBeanstalk::Application": "aws_beanstalk_application",
    "AWS::ElasticBeanstalk::Environment": "aws_beanstalk_environment",
    "AWS::EFS::FileSystem": "aws_efs_file_system", "AWS::EFS::MountTarget": "aws_efs_mount_target",
    "AWS::EFS::AccessPoint": "aws_efs_access_point", "AWS::S3::Bucket": "aws_s3_bucket",
    "AWS::IAM::User": "aws_iam_user", "AWS::IAM::Group": "aws_iam_group", "AWS::IAM::Role": "aws_iam_role",
    "AWS::IAM::ManagedPolicy": "aws_iam_policy", "AWS::IAM::InstanceProfile": "aws_iam_instance_profile",
    "AWS::IAM::AccessKey": "aws_iam_access_key", "AWS::IAM::ServerCertificate": "aws_iam_server_certificate",
    "AWS::Cognito::UserPool": "aws_cognito_user_pool", "AWS::SecretsManager::Secret": "aws_secretsmanager_secret",
    "AWS::Route53::HostedZone": "aws_route53_zone",
    **{f"AWS::CloudFront::{t}": f"aws_cloudfront_{k}" for t, k in (
        ("Distribution", "distribution"), ("Function", "function"), ("PublicKey", "public_key"),
        ("OriginAccessControl", "origin_access_control"), ("CachePolicy", "cache_policy"),
        ("ResponseHeadersPolicy", "response_headers_policy"), ("RealtimeLogConfig", "realtime_log_config"),
        ("StreamingDistribution", "streaming_distribution"))},
    "AWS::CertificateManager::Certificate": "aws_acm_certificate", "AWS::WAFv2::WebACL": "aws_waf_web_acl",
    **{f"AWS::ApiGateway::{t}": f"aws_apigateway_{k}" for t, k in (
        ("RestApi", "rest_api"), ("Deployment", "deployment"), ("Authorizer", "authorizer"), ("Resource", "resource"),
        ("DomainName", "domain_name"))},
    "AWS::RDS::DBInstance": "aws_rds_instance", "AWS::RDS::DBCluster": "aws_rds_cluster",
    "AWS::DynamoDB::Table": "aws_dynamodb_table", "AWS::Redshift::Cluster": "aws_redshift_cluster",
    "AWS::ElastiCache::CacheCluster": "aws_elasticache_cache_cluster",
    "AWS::ElastiCache::ReplicationGroup": "aws_elasticache_replication_group",
    "AWS::Kinesis::Stream": "aws_kinesis_stream", "AWS::OpenSearchService::Domain": "aws_opensearch_domain",
    "AWS::Elasticsearch::Domain": "aws_opensearch_domain", "AWS::Lambda::Function": "aws_lambda_function",
    "AWS::CloudWatch::Alarm": "aws_cloudwatch_alarm", "AWS::SQS::Queue": "aws_sqs_queue",
    "AWS::SNS::Topic": "aws_sns_topic", "AWS::SNS::Subscription": "aws_sns_subscription",
    "AWS::KMS::Key": "aws_kms_key",
    "AWS::Athena::WorkGroup": "aws_athena_work_group", "AWS::Athena::DataCatalog": "aws_athena_data_catalog",
    "AWS::Logs::LogGroup": "aws_cloudwatch_log_group", "AWS::Logs::MetricFilter": "aws_cloudwatch_metric_filter",
    "AWS::CloudFormation::Stack": STACK, "AWS::CloudFormation::StackSet": STACK_SET,
    "AWS::CloudTrail::Trail": "aws_cloud_trail", "AWS::Config::ConfigurationRecorder": "aws_config_recorder",
    "AWS::SSM::Document": "aws_ssm_document",
    **{f"AWS::SageMaker::{t}": f"aws_sagemaker_{k}" for t, k in (
        ("NotebookInstance", "notebook"), ("Model", "model"), ("Endpoint", "endpoint"), ("Domain", "domain"),
        ("Image", "image"), ("Pipeline", "pipeline"), ("Project", "project"), ("CodeRepository", "code_repository"))},
}
# physical ids that hold our id inside: a queue's URL ends with its name, a node group's is <cluster>/<group>,
# a web ACL's <name>|<id>|<scope>
PHYSICAL_TO_ID: Dict[str, Callable[[str], str]] = {
    "AWS::SQS::Queue": lambda physical: physical.rstrip("/").rsplit("/", 1)[-1],
    "AWS::EKS::Nodegroup": lambda physical: physical.rsplit("/", 1)[-1],
    "AWS::WAFv2::WebACL": lambda physical: physical.split("|")[1] if physical.count("|") >= 2 else physical,
}


def resource_kind(resource_type: str) -> Optional[Tuple[str, str]]:
    """(our kind, ``id`` or ``name``: what the physical id names) of a CloudFormation resource type."""
    kind = KIND_OF_TYPE.get(resource_type)
    return None if kind is None else (kind, "name" if resource_type in BY_NAME else "id")


def stack_resources(kind: str, by: str) -> Callable[[Json], List[str]]:
    """The physical ids of the stack's resources that are of ``kind``, named by ``by``."""
    def get(item: Json) -> List[str]:
        found = []
        for resource in item.get("StackResources") or []:
            physical, resource_type = resource.get("PhysicalResourceId"), resource.get("ResourceType")
            if physical and resource_type and resource_kind(resource_type) == (kind, by):
                found.append(PHYSICAL_TO_ID.get(resource_type, str)(physical))
        return found
    return get


RESOURCE_EDGES = tuple(points_at(kind, stack_resources(kind, by), by=by)
                       for kind, by in sorted({k for k in map(resource_kind, KIND_OF_TYPE) if k is not None}))


def get_stacks(cf: Client) -> List[Json]:
    """Every stack with its resources (one paginated detail call per stack; asked by the stack's id, which
    answers for a stack deleted since the list too)."""
    stacks = paginate(cf, "describe_stacks", "Stacks")

    def resources(stack: Json) -> None:
        stack["StackResources"] = paginate(cf, "list_stack_resources", "StackResourceSummaries",
                                           StackName=stack["StackId"])
    for_each(stacks, resources)
    return stacks


def get_stack_sets(cf: Client) -> Json:
    """The active stack sets with their tags and parameters (DescribeStackSet) and stack instances (two detail
    calls per set); each instance knows its set (``StackSetId``)."""
    # moto lists deleted sets too, whatever the filter says
    summaries = [s for s in paginate(cf, "list_stack_sets", "Summaries", Status="ACTIVE")
                 if s.get("Status") == "ACTIVE"]

    def details(summary: Json) -> Optional[Json]:
        name = summary["StackSetName"]
        described = (optional(cf.describe_stack_set, STACK_SET_GONE, StackSetName=name) or {}).get("StackSet")
        if described is None:
            return None
        instances = optional(paginate, STACK_SET_GONE, client=cf, operation="list_stack_instances",
                             result_key="Summaries", StackSetName=name) or []
        return {**summary, "Tags": described.get("Tags") or [], "Parameters": described.get("Parameters") or [],
                "Instances": instances}
    sets = [s for s in for_each(summaries, details) if s is not None]
    return {"StackSets": sets, "Instances": [i for s in sets for i in s["Instances"]]}


def instance_id(item: Json) -> str:
    """<stack set id>/<the stack's uuid>/<account>/<region>, as the reference makes it."""
    stack_uuid = str(item.get("StackId") or "").rsplit("/", 1)[-1]
    return f"{item.get('StackSetId', '')}/{stack_uuid}/{item.get('Account', '')}/{item.get('Region', '')}"


def parameters(item: Json) -> Optional[Dict[str, Optional[str]]]:
    found = item.get("Parameters")
    return None if found is None else {p["ParameterKey"]: p.get("ParameterValue") for p in found
                                       if isinstance(p, dict) and "ParameterKey" in p}


# ---- tags: both are changed by an update that keeps the template and every parameter ---------------------

def _tag_list(tags: Dict[str, str]) -> List[Json]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _kept_parameters(described: Json) -> List[Json]:
    return [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True} for p in described.get("Parameters") or []]


def _settled_stack(cf: Client, stack_id: str) -> Json:
    stack = cf.describe_stacks(StackName=stack_id)["Stacks"][0]
    deadline = time.monotonic() + UPDATE_WAIT_SECONDS
    while str(stack.get("StackStatus", "")).endswith("_IN_PROGRESS"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {stack_id} is still {stack['StackStatus']} after {UPDATE_WAIT_SECONDS} s")
        time.sleep(UPDATE_POLL_SECONDS)
        stack = cf.describe_stacks(StackName=stack_id)["Stacks"][0]
    return stack


# what it returns is dropped: dict.pop's value, dict.update's None
TagChange = Callable[[Dict[str, str]], object]


def _change_stack_tags(cf: Client, reported: Json, change: TagChange) -> None:
    """The stack's tags as they are now (not as collected), changed, in an update that changes nothing else."""
    stack = _settled_stack(cf, reported["id"])
    tags = {t["Key"]: t.get("Value", "") for t in stack.get("Tags") or []}
    change(tags)
    capabilities = sorted(set(stack.get("Capabilities") or []) | {"CAPABILITY_NAMED_IAM"})
    cf.update_stack(StackName=reported["id"], UsePreviousTemplate=True, Capabilities=capabilities,
                    Tags=_tag_list(tags), Parameters=_kept_parameters(stack))


def _change_stack_set_tags(cf: Client, reported: Json, change: TagChange) -> None:
    described = cf.describe_stack_set(StackSetName=reported["name"])["StackSet"]
    tags = {t["Key"]: t.get("Value", "") for t in described.get("Tags") or []}
    change(tags)
    capabilities = sorted(set(described.get("Capabilities") or []) | {"CAPABILITY_NAMED_IAM"})
    cf.update_stack_set(StackSetName=reported["name"], UsePreviousTemplate=True, Capabilities=capabilities,
                        Tags=_tag_list(tags), Parameters=_kept_parameters(described))


def update_tagging(change_tags: Callable[[Client, Json, TagChange], None]) -> Tagging:
    return Tagging(path="Tags",
                   update=lambda cf, reported, key, value: change_tags(cf, reported, lambda t: t.update({key: value})),
                   delete=lambda cf, reported, key: change_tags(cf, reported, lambda t: t.pop(key, None)))


def _stack_set_stacks(item: Json) -> List[str]:
    return [i["StackId"] for i in item.get("Instances") or [] if i.get("StackId")]


KINDS = [
    # the ARN is the reference's template around the stack id (itself an ARN): node ids hash it
    Kind(STACK, "cloudformation", get_stacks, id="StackId", name_of="StackName", prefix="stack_",
         props={"ctime": "CreationTime", "mtime": "LastUpdatedTime",
                "stack_status": lambda item: item.get("StackStatus") or "",
                "stack_status_reason": lambda item: item.get("StackStatusReason") or "",
                "stack_parameters": lambda item: parameters(item) or {}},
         edges=RESOURCE_EDGES, tags=update_tagging(_change_stack_tags),
         delete=call("delete_stack", StackName="id")),
    # stacks of instances in other regions or accounts are out of this account's reach
    Kind(STACK_SET, "cloudformation", get_stack_sets, items="StackSets", id="StackSetId", name_of="StackSetName",
         prefix="stack_set_",
         props={"stack_set_managed_execution": "ManagedExecution.Active", "stack_set_parameters": parameters},
         edges=(points_at(STACK, _stack_set_stacks),), tags=update_tagging(_change_stack_set_tags),
         delete=call("delete_stack_set", StackSetName="name")),
    # moto makes up a new stack id for an instance on every ListStackInstances, and so a new node id
    Kind(INSTANCE, "cloudformation", get_stack_sets, items="Instances", id=instance_id, prefix="stack_instance_",
         props={"stack_instance_stack_instance_status": "StackInstanceStatus.DetailedStatus"},
         edges=(seen_by(STACK_SET, "StackSetId"),), tags=UNTAGGED, moto=False),
]

