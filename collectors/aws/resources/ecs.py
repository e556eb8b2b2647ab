"""ECS clusters with what lives in them (container instances, services, running tasks) and the capacity
providers they name, fetched together; task definitions on their own."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from collectors.aws.kind import (Client, Json, Kind, by_arn, call, holds, inside, last_segment, points_at, seen_by,
                                 tagging, uses)
from collectors.aws.resources.base import for_each, paginate

CLUSTER = "aws_ecs_cluster"
CONTAINER_INSTANCE = "aws_ecs_container_instance"
SERVICE = "aws_ecs_service"
TASK = "aws_ecs_task"
TASK_DEFINITION = "aws_ecs_task_definition"
CAPACITY_PROVIDER = "aws_ecs_capacity_provider"
ROLE = "aws_iam_role"

# how many names or ARNs each describe call takes, as the API documents it
CLUSTERS_PER_CALL = 100
SERVICES_PER_CALL = 10
TASKS_PER_CALL = 100
INSTANCES_PER_CALL = 100
PROVIDERS_PER_CALL = 100
# deleted: AWS still describes it for a while (moto lists it too), but there is nothing left to collect
INACTIVE = "INACTIVE"
CLUSTER_DETAILS = ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"]


def _chunks(items: Sequence[Any], size: int) -> List[List[Any]]:
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


def _describe(describe: Callable[..., Json], key: str, names: Sequence[str], per_call: int,
              **params: Any) -> List[Json]:
    """One describe call per ``per_call`` names; names gone since they were listed come back as ``failures``,
    which are left out."""
    return [item for batch in _chunks(names, per_call) for item in describe(**params, **{key: batch}).get(key) or []]


def _contents(ecs: Client, cluster: Json) -> Json:
    """A cluster's container instances, services and tasks: one list and the batched describes each. Tasks
    are the running ones (what ListTasks lists unless told otherwise, as the reference asks)."""
    arn = cluster["clusterArn"]
    instances = _describe(ecs.describe_container_instances, "containerInstances",
                          paginate(ecs, "list_container_instances", "containerInstanceArns", cluster=arn),
                          INSTANCES_PER_CALL, cluster=arn, include=["TAGS", "CONTAINER_INSTANCE_HEALTH"])
    for instance in instances:  # its cluster, which the API item does not name, is needed to deregister it
        instance["clusterArn"] = arn
    services = _describe(ecs.describe_services, "services", paginate(ecs, "list_services", "serviceArns", cluster=arn),
                         SERVICES_PER_CALL, cluster=arn, include=["TAGS"])
    tasks = _describe(ecs.describe_tasks, "tasks",
                      paginate(ecs, "list_tasks", "taskArns", cluster=arn, desiredStatus="RUNNING"),
                      TASKS_PER_CALL, cluster=arn, include=["TAGS"])
    return {"ContainerInstances": instances, "Services": [s for s in services if s.get("status") != INACTIVE],
            "Tasks": tasks}


def _capacity_providers(ecs: Client, names: List[str]) -> List[Json]:
    """The providers of these names, 100 names per call; the answer pages even when given names."""
    found: List[Json] = []
    for batch in _chunks(names, PROVIDERS_PER_CALL):
        token: Optional[str] = None
        while True:
            page = ecs.describe_capacity_providers(capacityProviders=batch, include=["TAGS"],
                                                   **({"nextToken": token} if token else {}))
            found.extend(page.get("capacityProviders") or [])
            token = page.get("nextToken")
            if not token:
                break
    return found


def get_clusters(ecs: Client) -> Json:
    """Clusters, what each of them holds (a few clusters at a time), and the capacity providers they name.
    Providers are asked for by name, as the reference does: FARGATE and FARGATE_SPOT are found that way."""
    clusters = _describe(ecs.describe_clusters, "clusters", paginate(ecs, "list_clusters", "clusterArns"),
                         CLUSTERS_PER_CALL, include=CLUSTER_DETAILS)
    clusters = [c for c in clusters if c.get("status") != INACTIVE]
    contents = for_each(clusters, lambda cluster: _contents(ecs, cluster))
    names = sorted({name for c in clusters for name in c.get("capacityProviders") or []})
    result: Dict[str, List[Json]] = {"Clusters": clusters, "CapacityProviders": _capacity_providers(ecs, names)}
    for key in ("ContainerInstances", "Services", "Tasks"):
        result[key] = [item for found in contents for item in found[key]]
    return result


def get_task_definitions(ecs: Client) -> List[Json]:
    """Active task definitions with their tags: DescribeTaskDefinition takes one at a time."""
    def describe(arn: str) -> Json:
        answer = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        return {**answer["taskDefinition"], "tags": answer.get("tags") or []}
    return for_each(paginate(ecs, "list_task_definitions", "taskDefinitionArns"), describe)


# ---- values ----------------------------------------------------------------------------------------

def _kms_key(item: Json) -> Optional[str]:
    """The key of ``ECS Exec`` sessions, by id (it may be given as an ARN)."""
    key = (((item.get("configuration") or {}).get("executeCommandConfiguration") or {}).get("kmsKeyId"))
    return key.rsplit("/", 1)[-1] if isinstance(key, str) and key.startswith("arn:") else key


def _deployments(item: Json) -> List[Json]:
    """The service and its task sets and deployments: each has its own network and capacity settings."""
    return [item, *(item.get("taskSets") or []), *(item.get("deployments") or [])]


def _network(field: str) -> Callable[[Json], List[str]]:
    def get(item: Json) -> List[str]:
        return sorted({value for part in _deployments(item)
                       for value in (((part.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {})
                                     .get(field) or [])})
    return get


def _strategy_providers(item: Json) -> List[str]:
    return sorted({entry["capacityProvider"] for part in _deployments(item)
                   for entry in part.get("capacityProviderStrategy") or [] if entry.get("capacityProvider")})


def _task_roles(item: Json) -> List[Optional[str]]:
    overrides = item.get("overrides") or {}
    return [overrides.get("executionRoleArn"), overrides.get("taskRoleArn")]


# ---- delete ------------------------------------------------------------------------------------------

def _without(items: List[Json], name: str) -> List[Json]:
    return [entry for entry in items if entry.get("capacityProvider") != name]


def delete_capacity_provider(ecs: Client, reported: Json) -> None:
    """AWS deletes a provider only once no cluster has it and no service's strategy names it: take it out
    of the services and the clusters that have it first (the services get a new deployment, so their tasks
    move to the other providers)."""
    name = reported["name"]
    arns = paginate(ecs, "list_clusters", "clusterArns")
    for cluster in _describe(ecs.describe_clusters, "clusters", arns, CLUSTERS_PER_CALL):
        if cluster.get("status") == INACTIVE or name not in (cluster.get("capacityProviders") or []):
            continue
        services = _describe(ecs.describe_services, "services",
                             paginate(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"]),
                             SERVICES_PER_CALL, cluster=cluster["clusterArn"])
        for service in services:
            strategy = service.get("capacityProviderStrategy") or []
            if len(_without(strategy, name)) < len(strategy):
                ecs.update_service(cluster=cluster["clusterArn"], service=service["serviceName"],
                                   capacityProviderStrategy=_without(strategy, name), forceNewDeployment=True)
        ecs.put_cluster_capacity_providers(
            cluster=cluster["clusterArn"], capacityProviders=[p for p in cluster["capacityProviders"] if p != name],
            defaultCapacityProviderStrategy=_without(cluster.get("defaultCapacityProviderStrategy") or [], name))
    ecs.delete_capacity_provider(capacityProvider=name)


# ECS tags are lower-case ``key``/``value`` pairs (the reference reads ``Key``/``Value`` for clusters,
# services and container instances, and gets no tags but ``{"Key": ""}``)
ECS_TAGS = tagging("tags", "tag_resource", "untag_resource", by_arn("resourceArn"), key="key", value_key="value",
                   keys_param="tagKeys", tags_param="tags")

KINDS = [
    Kind(CLUSTER, "ecs", get_clusters, items="Clusters", id="clusterName", arn="clusterArn", prefix="cluster_",
         edges=(uses("aws_kms_key", _kms_key),
                points_at("aws_s3_bucket", "configuration.executeCommandConfiguration.logConfiguration.s3BucketName"),
                points_at(CAPACITY_PROVIDER, "capacityProviders[]")),
         tags=ECS_TAGS, delete=call("delete_cluster", cluster="arn")),
    # named by its ARN, as the reference names it
    Kind(CONTAINER_INSTANCE, "ecs", get_clusters, items="ContainerInstances", id=last_segment("containerInstanceArn"),
         name_of="containerInstanceArn", arn="containerInstanceArn",
         props={"ctime": "registeredAt", "cluster_link": "clusterArn"},
         edges=(seen_by(CLUSTER, "clusterArn"), holds("aws_ec2_instance", "ec2InstanceId")),
         tags=ECS_TAGS, delete=call("deregister_container_instance", cluster="cluster_link", containerInstance="arn")),
    Kind(SERVICE, "ecs", get_clusters, items="Services", id="serviceName", arn="serviceArn", prefix="service_",
         props={"ctime": "createdAt", "service_deployment_controller": "deploymentController.type"},
         edges=(seen_by(CLUSTER, "clusterArn"), uses("aws_alb_target_group", "loadBalancers[].targetGroupArn"),
                uses("aws_elb", "loadBalancers[].loadBalancerName", by="name"),
                # an ARN or family:revision, which is the definition's id
                points_at(TASK_DEFINITION, "taskDefinition"), inside(ROLE, "roleArn"),
                inside("aws_ec2_security_group", _network("securityGroups")),
                inside("aws_ec2_subnet", _network("subnets")), points_at(CAPACITY_PROVIDER, _strategy_providers)),
         tags=ECS_TAGS,
         delete=call("delete_service", cluster="cluster_arn", service="name", force=lambda _: True)),
    Kind(TASK, "ecs", get_clusters, items="Tasks", id=last_segment("taskArn"), arn="taskArn", prefix="task_",
         props={"ctime": "createdAt", "task_ephemeral_storage": "ephemeralStorage.sizeInGiB"},
         edges=(seen_by(CLUSTER, "clusterArn"), inside(ROLE, _task_roles),
                seen_by(TASK_DEFINITION, "taskDefinitionArn"), inside(CONTAINER_INSTANCE, "containerInstanceArn"),
                points_at(CAPACITY_PROVIDER, "capacityProviderName")),
         tags=ECS_TAGS, delete=call("stop_task", cluster="task_cluster_arn", task="arn")),
    # name: the id (family:revision), as the reference's names come out (it looks for a ``Name`` tag as
    # ``Key``/``Value``, which ECS's ``key``/``value`` tags never have, then falls back to nothing)
    Kind(TASK_DEFINITION, "ecs", get_task_definitions, id=last_segment("taskDefinitionArn"), arn="taskDefinitionArn",
         props={"ctime": "registeredAt", "ephemeral_storage": "ephemeralStorage.sizeInGiB"},
         edges=(inside(ROLE, lambda item: [item.get("taskRoleArn"), item.get("executionRoleArn")]),),
         tags=ECS_TAGS, delete=call("deregister_task_definition", taskDefinition="arn")),
    Kind(CAPACITY_PROVIDER, "ecs", get_clusters, items="CapacityProviders", id="name", arn="capacityProviderArn",
         prefix="capacity_provider_",
         edges=(uses("aws_autoscaling_group", "autoScalingGroupProvider.autoScalingGroupArn"),),
         tags=ECS_TAGS, delete=delete_capacity_provider),
]
