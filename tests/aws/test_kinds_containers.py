"""ECS, ECR, EKS node groups and Elastic Beanstalk against moto in server mode: what the world made lands with
its ids, properties and edges; Beanstalk environments, which moto cannot serve, come from recorded answers
over a real socket; the ``get`` functions batch their describe calls as the APIs allow; the tag and delete
calls of the kinds moto cannot round-trip work where moto can do them.

Changes happen in an account of this module alone (moto lets any account be assumed into), so the world
stays as built for the other tests."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from typing import Dict, List, Optional

import boto3
import pytest

from collectors.aws import plugin
from collectors.aws.clients import forget_clients
from collectors.aws.credentials import forget_cached_credentials
from collectors.aws.resources import beanstalk, ecr, ecs, eks

from .conftest import Collected, accounts_of, collect_account, collect_into_file, org_config
from .faults import FaultProxy
from .recorded import RECORDED, Recorded
from .world import ORG_ROLE, World, member_session
from .world_containers import APPLICATION, CLUSTER, FAMILY, NODEGROUP, NODEGROUP_CLUSTER, PROVIDER, REPOSITORY, SERVICE

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
OWN = "424242424242"  # this module's account
OWN_SECTION = {"account": [OWN], "role": ORG_ROLE, "region": [REGION], "resource_pool_size": 8}
ENVIRONMENT_ID = "e-abcd1234ef"  # the recorded environment
SERVICES = ("ecs", "ecr", "eks", "elasticbeanstalk")
KIND_PREFIXES = ("aws_ecs_", "aws_ecr_", "aws_eks_", "aws_beanstalk_")


def errors_here(graph: Collected) -> List[str]:
    """The collect's errors about these services and kinds (other kinds are other tests' business)."""
    return [e for e in graph.progress.errors
            if any(f" service {s} " in e for s in SERVICES) or any(p in e for p in KIND_PREFIXES)]


def edge(graph: Collected, source: dict, target: dict, edge_type: str = "default") -> bool:
    return graph.has_edge(source, target, edge_type)


def own_client(endpoint: str, service: str, calls: Optional[Counter] = None):
    """A client of this module's account; with ``calls``, every operation it makes is counted there."""
    client = member_session(endpoint, OWN).client(service, region_name=REGION, endpoint_url=endpoint)
    if calls is not None:
        client.meta.events.register("before-call.*.*", lambda model, **_: calls.update([model.name]))
    return client


def core_node(reported: dict, region: str = REGION, account: str = OWN) -> dict:
    """A node as the core hands it to a tag or delete task."""
    return {"id": "n", "reported": reported, "ancestors": {"account": {"reported": {"id": account}},
                                                          "region": {"reported": {"id": region, "name": region}}}}


# ---- the world, collected --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def member_graph(world: World, tmp_path_factory) -> Collected:
    path = tmp_path_factory.mktemp("containers") / "member.ndjson"
    return collect_account(world.members[1].account_id, path, region=[REGION])


def test_ecs_clusters_land_with_what_they_hold(world, member_graph):
    graph, here = member_graph, world.members[1].regions[REGION]
    assert errors_here(graph) == []
    cluster = graph.by_id("aws_ecs_cluster", CLUSTER)
    assert cluster["reported"]["tags"] == {"owner": "ops"} and cluster["reported"]["cluster_status"] == "ACTIVE"
    assert cluster["reported"]["cluster_capacity_providers"] == [PROVIDER]
    assert cluster["metadata"]["provider_link"] == \
        f"https://{REGION}.console.aws.amazon.com/ecs/v2/clusters/{CLUSTER}/services?region={REGION}"
    provider = graph.by_id("aws_ecs_capacity_provider", PROVIDER)
    instance = graph.by_id("aws_ecs_container_instance", here.more["aws_ecs_container_instance"][0])
    service = graph.by_id("aws_ecs_service", SERVICE)
    task = graph.by_id("aws_ecs_task", here.more["aws_ecs_task"][0])
    definition = graph.by_id("aws_ecs_task_definition", f"{FAMILY}:1")
    for child in (provider, instance, service, task):
        assert edge(graph, cluster, child), child["reported"]["kind"]
    assert edge(graph, cluster, graph.by_id("aws_kms_key", here.key_id))
    assert edge(graph, cluster, graph.by_id("aws_s3_bucket", world.members[1].buckets[0]))

    ec2_instance = graph.by_id("aws_ec2_instance", here.instances[0])
    assert instance["reported"]["name"] == instance["reported"]["arn"]
    assert instance["reported"]["cluster_link"] == cluster["reported"]["arn"]
    assert edge(graph, instance, ec2_instance) and edge(graph, instance, ec2_instance, "delete")

    target_group = [n for n in graph.of_kind("aws_alb_target_group") if n["reported"]["arn"] == here.target_group_arn]
    assert edge(graph, service, target_group[0]) and edge(graph, target_group[0], service, "delete")
    assert edge(graph, service, definition)
    assert service["reported"]["tags"] == {"owner": "ops"} and service["reported"]["service_desired_count"] == 1
    assert service["reported"]["service_deployment_controller"] == "ECS"

    role = graph.by_name("aws_iam_role", "fn-role")
    assert edge(graph, definition, task) and edge(graph, instance, task) and edge(graph, instance, task, "delete")
    assert edge(graph, role, task) and edge(graph, role, definition) and edge(graph, role, definition, "delete")
    assert task["reported"]["task_desired_status"] == "RUNNING" and task["reported"]["tags"] == {"owner": "ops"}
    assert definition["reported"]["name"] == f"{FAMILY}:1" and definition["reported"]["revision"] == 1
    assert definition["reported"]["container_definitions"][0]["image"] == "nginx"


def test_ecr_repositories_eks_node_groups_and_beanstalk_applications_land(world, member_graph):
    graph = member_graph
    repository = graph.by_id("aws_ecr_repository", REPOSITORY)["reported"]
    assert repository["repository_visibility"] == "private" and repository["image_scan_on_push"] is True
    assert repository["lifecycle_policy"]["rules"][0]["selection"]["countNumber"] == 14
    assert repository["arn"] == f"arn:aws:ecr:{REGION}:{world.members[1].account_id}:repository/{REPOSITORY}"

    group = graph.by_id("aws_eks_nodegroup", NODEGROUP)
    cluster = graph.by_id("aws_eks_cluster", NODEGROUP_CLUSTER)
    assert edge(graph, cluster, group) and edge(graph, cluster, group, "delete")
    assert group["reported"]["tags"] == {"owner": "ops"} and group["reported"]["group_labels"] == {"team": "batch"}
    assert group["reported"]["group_scaling_config"]["desired_size"] == 2
    assert len(group["reported"]["group_resources"]["auto_scaling_groups"]) == 1

    application = graph.by_id("aws_beanstalk_application", APPLICATION)
    assert application["reported"]["tags"] == {}  # moto cannot tag applications
    assert application["metadata"]["provider_link"].endswith(f"#/application/overview?applicationName={APPLICATION}")


# ---- what moto cannot serve: recorded answers ----------------------------------------------------------


def test_beanstalk_environments_come_from_recorded_answers_with_their_resources(world, aws_env, monkeypatch,
                                                                                tmp_path):
    member = world.members[0]
    section = org_config(region=[REGION])
    with FaultProxy(aws_env, recorded=Recorded()) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        graph = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "recorded.ndjson")
    assert errors_here(graph) == []
    for operation in ("DescribeEnvironments", "DescribeEnvironmentResources", "ListTagsForResource"):
        assert proxy.recorded.served[("elasticbeanstalk", operation)] >= 1, operation
    environment = graph.by_id("aws_beanstalk_environment", ENVIRONMENT_ID)
    reported = environment["reported"]
    assert reported["name"] == "storefront-prod" and reported["tags"] == {"owner": "ops"}
    assert reported["beanstalk_status"] == "Ready" and reported["ctime"] == "2026-11-02T08:15:30Z"
    assert reported["beanstalk_resources"]["queues"][0]["queue_name"] == "jobs"
    assert environment["metadata"]["provider_link"].endswith(f"#/environment/dashboard?environmentId={ENVIRONMENT_ID}")
    application = graph.by_id("aws_beanstalk_application", APPLICATION)
    assert application["reported"]["tags"] == {"owner": "ops"}
    assert edge(graph, application, environment) and edge(graph, application, environment, "delete")
    load_balancer, queue = graph.by_id("aws_alb", "web-lb"), graph.by_id("aws_sqs_queue", "jobs")
    for used in (load_balancer, queue):
        assert edge(graph, environment, used) and edge(graph, used, environment, "delete")
    # the other kinds moto cannot round-trip are moto's, with the ids the world made
    here = member.regions[REGION]
    graph.by_id("aws_ecs_container_instance", here.more["aws_ecs_container_instance"][0])
    graph.by_id("aws_eks_nodegroup", NODEGROUP)


def test_an_environment_without_resources_keeps_its_node(aws_env, tmp_path):
    """DescribeEnvironmentResources answers InvalidParameterValue for an environment that has none."""
    for name in ("DescribeEnvironments.json", "ListTagsForResource.json"):
        (tmp_path / "elasticbeanstalk").mkdir(exist_ok=True)
        shutil.copy(RECORDED / "elasticbeanstalk" / name, tmp_path / "elasticbeanstalk" / name)
    error = ('<ErrorResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><Error><Type>Sender</Type>'
             '<Code>InvalidParameterValue</Code><Message>No Environment found for EnvironmentId = e-abcd1234ef.'
             '</Message></Error><RequestId>5f3c1a2e-0000-4c6e-9a1f-000000000009</RequestId></ErrorResponse>')
    (tmp_path / "elasticbeanstalk" / "DescribeEnvironmentResources.json").write_text(
        json.dumps({"status": 400, "body": error}))
    with FaultProxy(aws_env, recorded=Recorded(tmp_path)) as proxy:
        client = boto3.client("elasticbeanstalk", region_name=REGION, endpoint_url=proxy.start())
        (environment,) = beanstalk.get_environments(client)
    assert environment["EnvironmentId"] == ENVIRONMENT_ID and environment["Resources"] is None
    assert proxy.recorded.served[("elasticbeanstalk", "DescribeEnvironmentResources")] == 1


# ---- the gets: batched describes, what they leave out -----------------------------------------------


@pytest.fixture(scope="module")
def own_estate(aws_env) -> Dict[str, List[str]]:
    """In this module's account: a cluster with 12 services (one deleted) and 101 running tasks (and one
    stopped), a deleted cluster, a deregistered task definition; two EKS node groups; a repository without a
    lifecycle policy."""
    client = own_client(aws_env, "ecs")
    client.create_cluster(clusterName="busy")
    client.create_cluster(clusterName="gone")
    client.delete_cluster(cluster="gone")
    client.register_task_definition(family="job", containerDefinitions=[{"name": "job", "image": "busybox",
                                                                         "memory": 16}])
    client.register_task_definition(family="old", containerDefinitions=[{"name": "old", "image": "busybox",
                                                                         "memory": 16}])
    client.deregister_task_definition(taskDefinition="old:1")
    services = [f"svc-{n:02}" for n in range(12)]
    for name in services:
        client.create_service(cluster="busy", serviceName=name, taskDefinition="job:1", desiredCount=0)
    client.delete_service(cluster="busy", service="svc-11")
    tasks = [t["taskArn"] for count in [10] * 10 + [2] for t in
             client.run_task(cluster="busy", taskDefinition="job", launchType="FARGATE", count=count)["tasks"]]
    client.stop_task(cluster="busy", task=tasks.pop())
    eks_client = own_client(aws_env, "eks")
    eks_client.create_cluster(name="pool", roleArn=f"arn:aws:iam::{OWN}:role/node-role",
                              resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    for name in ("pool-a", "pool-b"):
        eks_client.create_nodegroup(clusterName="pool", nodegroupName=name, subnets=["subnet-1"],
                                    nodeRole=f"arn:aws:iam::{OWN}:role/node-role")
    own_client(aws_env, "ecr").create_repository(repositoryName="plain")
    return {"services": services[:11], "tasks": tasks}


def test_ecs_describes_take_as_many_arns_as_the_api_allows(aws_env, own_estate):
    calls: Counter = Counter()
    result = ecs.get_clusters(own_client(aws_env, "ecs", calls))
    assert [c["clusterName"] for c in result["Clusters"]] == ["busy"]  # the deleted one is left out
    assert sorted(s["serviceName"] for s in result["Services"]) == own_estate["services"]  # not the deleted one
    assert sorted(t["taskArn"] for t in result["Tasks"]) == sorted(own_estate["tasks"])  # the running 101
    assert calls["DescribeClusters"] == 1 and calls["DescribeServices"] == 2 and calls["DescribeTasks"] == 2
    assert calls["ListServices"] == calls["ListTasks"] == calls["ListContainerInstances"] == 1
    assert calls["DescribeContainerInstances"] == 0 and calls["DescribeCapacityProviders"] == 0  # none to ask for


def test_task_definitions_are_the_active_ones_with_their_tags(aws_env, own_estate):
    calls: Counter = Counter()
    (definition,) = ecs.get_task_definitions(own_client(aws_env, "ecs", calls))
    assert definition["family"] == "job" and definition["tags"] == []
    assert calls["DescribeTaskDefinition"] == 1


def test_capacity_providers_are_asked_for_by_name_through_every_page():
    class PagedEcs:
        """Answers DescribeCapacityProviders a page of one provider at a time."""

        def __init__(self):
            self.asked = []

        def describe_capacity_providers(self, capacityProviders, include, nextToken=None):
            self.asked.append((tuple(capacityProviders), nextToken))
            position = int(nextToken or 0)
            page = {"capacityProviders": [{"name": capacityProviders[position]}]}
            return {**page, "nextToken": str(position + 1)} if position + 1 < len(capacityProviders) else page
    client = PagedEcs()
    names = [f"p{n:03}" for n in range(102)]
    assert [p["name"] for p in ecs._capacity_providers(client, names)] == names
    assert {batch for batch, _ in client.asked} == {tuple(names[:100]), tuple(names[100:])}
    assert len(client.asked) == 102


def test_node_groups_are_described_one_by_one_for_the_clusters_found(aws_env, own_estate):
    calls: Counter = Counter()
    result = eks.get_clusters(own_client(aws_env, "eks", calls))
    assert [c["name"] for c in result["Clusters"]] == ["pool"]
    assert sorted((g["clusterName"], g["nodegroupName"]) for g in result["Nodegroups"]) == [("pool", "pool-a"),
                                                                                              ("pool", "pool-b")]
    assert calls["ListNodegroups"] == 1 and calls["DescribeNodegroup"] == 2


def test_a_repository_without_a_lifecycle_policy_has_none(aws_env, own_estate):
    (repository,) = ecr.get_repositories(own_client(aws_env, "ecr"))
    assert repository["repositoryName"] == "plain" and repository["LifecyclePolicy"] is None
    assert repository["Visibility"] == "private"


# ---- tag and delete calls of the kinds moto cannot round-trip ----------------------------------------


def test_deletes_moto_can_do_of_kinds_it_cannot_tag(aws_env, tmp_path):
    """Container instances are deregistered, node groups and applications deleted, through the plugin."""
    ecs_client, ec2 = own_client(aws_env, "ecs"), own_client(aws_env, "ec2")
    instance_id = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ecs_client.create_cluster(clusterName="doomed")
    ecs_client.register_container_instance(cluster="doomed", instanceIdentityDocument=json.dumps(
        {"instanceId": instance_id, "region": REGION}))
    eks_client = own_client(aws_env, "eks")
    eks_client.create_cluster(name="doomed", roleArn=f"arn:aws:iam::{OWN}:role/node-role",
                              resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    eks_client.create_nodegroup(clusterName="doomed", nodegroupName="doomed-workers", subnets=["subnet-1"],
                                nodeRole=f"arn:aws:iam::{OWN}:role/node-role")
    eb = own_client(aws_env, "elasticbeanstalk")
    eb.create_application(ApplicationName="doomed-app")

    graph = collect_into_file(OWN_SECTION, accounts_of(OWN_SECTION)[OWN], tmp_path / "own.ndjson")
    victims = [n for n in graph.of_kind("aws_ecs_container_instance")
               if n["reported"]["cluster_link"].endswith("/doomed")]
    victims += [graph.by_id("aws_eks_nodegroup", "doomed-workers"), graph.by_id("aws_beanstalk_application",
                                                                                  "doomed-app")]
    for node in victims:
        assert plugin.resotoworker_delete_resource(cloud="aws", config=OWN_SECTION,
                                                   node=core_node(node["reported"])) is True
    assert ecs_client.list_container_instances(cluster="doomed")["containerInstanceArns"] == []
    assert eks_client.list_nodegroups(clusterName="doomed")["nodegroups"] == []
    assert "doomed-app" not in [a["ApplicationName"] for a in eb.describe_applications()["Applications"]]


def test_environment_tags_change_in_moto_and_terminating_goes_out_as_aws_takes_it(aws_env):
    eb = own_client(aws_env, "elasticbeanstalk")
    eb.create_application(ApplicationName="tagged-app")
    arn = eb.create_environment(ApplicationName="tagged-app", EnvironmentName="tagged-env",
                                SolutionStackName="64bit Amazon Linux 2023 v4.0.9 running Python 3.11",
                                Tags=[{"Key": "owner", "Value": "ops"}])["EnvironmentArn"]
    node = core_node({"kind": "aws_beanstalk_environment", "id": ENVIRONMENT_ID, "name": "tagged-env", "arn": arn,
                      "beanstalk_status": "Ready"})
    assert plugin.resotoworker_update_tag(cloud="aws", config=OWN_SECTION, node=node, key="team", value="web")
    assert plugin.resotoworker_delete_tag(cloud="aws", config=OWN_SECTION, node=node, key="owner")
    assert eb.list_tags_for_resource(ResourceArn=arn)["ResourceTags"] == [{"Key": "team", "Value": "web"}]

    with FaultProxy(aws_env, recorded=Recorded()) as proxy:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", proxy.start())
            forget_cached_credentials()
            forget_clients()
            assert plugin.resotoworker_delete_resource(cloud="aws", config=OWN_SECTION, node=node) is True
            gone = core_node({**node["reported"], "beanstalk_status": "Terminated"})
            assert plugin.resotoworker_delete_resource(cloud="aws", config=OWN_SECTION, node=gone) is True
    assert proxy.recorded.served[("elasticbeanstalk", "TerminateEnvironment")] == 1  # not again once terminated


def test_a_capacity_provider_is_taken_out_of_its_clusters_first(aws_env):
    ecs_client = own_client(aws_env, "ecs")
    asg = f"arn:aws:autoscaling:{REGION}:{OWN}:autoScalingGroup:0:autoScalingGroupName/spare"
    for name in ("spare", "kept"):
        ecs_client.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": asg})
    ecs_client.create_cluster(clusterName="pooled", capacityProviders=["spare", "kept"],
                              defaultCapacityProviderStrategy=[{"capacityProvider": "spare", "weight": 1},
                                                               {"capacityProvider": "kept", "weight": 1}])
    node = core_node({"kind": "aws_ecs_capacity_provider", "id": "spare", "name": "spare",
                      "arn": f"arn:aws:ecs:{REGION}:{OWN}:capacity-provider/spare"})
    assert plugin.resotoworker_delete_resource(cloud="aws", config=OWN_SECTION, node=node) is True
    (cluster,) = ecs_client.describe_clusters(clusters=["pooled"])["clusters"]
    assert cluster["capacityProviders"] == ["kept"]
    assert [s["capacityProvider"] for s in cluster["defaultCapacityProviderStrategy"]] == ["kept"]
    found = ecs_client.describe_capacity_providers(capacityProviders=["spare", "kept"])["capacityProviders"]
    assert [p["name"] for p in found] == ["kept"]


def test_a_capacity_provider_leaves_the_strategies_of_services_first():
    """moto keeps no capacity provider strategy for services: a stand-in answers the calls, in order."""
    strategy = [{"capacityProvider": "spare", "weight": 1}, {"capacityProvider": "kept", "weight": 2}]

    class Ecs:
        def __init__(self):
            self.calls = []

        def get_paginator(self, operation):
            answers = {"list_clusters": {"clusterArns": ["arn:c/pooled", "arn:c/other"]},
                       "list_services": {"serviceArns": ["arn:s/a", "arn:s/b"]}}

            class Pages:
                def paginate(self, **_):
                    return [answers[operation]]
            return Pages()

        def describe_clusters(self, clusters):
            return {"clusters": [{"clusterArn": "arn:c/pooled", "status": "ACTIVE",
                                  "capacityProviders": ["spare", "kept"], "defaultCapacityProviderStrategy": strategy},
                                 {"clusterArn": "arn:c/other", "status": "ACTIVE", "capacityProviders": ["kept"]}]}

        def describe_services(self, cluster, services):
            return {"services": [{"serviceName": "a", "capacityProviderStrategy": strategy}, {"serviceName": "b"}]}

        def __getattr__(self, operation):
            return lambda **params: self.calls.append((operation, params))
    client = Ecs()
    ecs.delete_capacity_provider(client, {"name": "spare"})
    assert client.calls == [
        ("update_service", {"cluster": "arn:c/pooled", "service": "a", "forceNewDeployment": True,
                            "capacityProviderStrategy": [{"capacityProvider": "kept", "weight": 2}]}),
        ("put_cluster_capacity_providers", {"cluster": "arn:c/pooled", "capacityProviders": ["kept"],
                                            "defaultCapacityProviderStrategy": [{"capacityProvider": "kept",
                                                                                 "weight": 2}]}),
        ("delete_capacity_provider", {"capacityProvider": "spare"})]
