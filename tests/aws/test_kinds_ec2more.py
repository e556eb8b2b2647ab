"""Images, launch templates, dedicated hosts, reserved instances, flow logs, VPC endpoints, peering connections,
Auto Scaling groups and classic load balancers, collected from the moto world (``world_ec2more.py``) through
the fault proxy, which answers for moto what it does not serve (reserved instances) as EC2 sends it
(``recorded/ec2/DescribeReservedInstances.json``).

A region outside the world's holds what the world cannot have without changing the other tests' counts:
instances launched from an image and a launch template of the account, a group that launched one, an
interface endpoint with its network interface."""
from __future__ import annotations

from typing import Dict

import pytest

from collectors.aws import plugin
from collectors.aws.clients import forget_clients
from collectors.aws.credentials import forget_cached_credentials
from collectors.aws.resources import ec2_compute, elb
from collectors.aws.shape import Scope, node

from .conftest import Collected, collect_into_file, org_config
from .faults import FaultProxy
from .recorded import Recorded
from .world import REGIONS, World
from .world_ec2more import ELB_NAME, GROUP_NAME

pytestmark = pytest.mark.e2e

RESERVED_ID = "af9f760e-6f91-4559-85f7-4980eexample"  # the recorded answer's
SPARE_REGION = "sa-east-1"  # collected by no other test
SERVICES = ["ec2", "autoscaling", "elb", "s3"]  # the kinds here and those they link to


def collect_member(world: World, account_id: str, path, regions) -> Collected:
    """One member account, through the proxy that answers what moto does not serve."""
    forget_cached_credentials()
    forget_clients()
    patch = pytest.MonkeyPatch()
    try:
        with FaultProxy(world.endpoint, recorded=Recorded()) as proxy:
            patch.setenv("AWS_ENDPOINT_URL", proxy.start())
            section = org_config(region=list(regions), collect=SERVICES)
            accounts = {a.id: a for a in plugin.resotoworker_list_accounts(cloud="aws", config=section)}
            graph = collect_into_file(section, accounts[account_id], path)
    finally:
        patch.undo()
        forget_cached_credentials()
        forget_clients()
    assert proxy.recorded.served == {("ec2", "DescribeReservedInstances"): len(regions)}
    return graph


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[0]


@pytest.fixture(scope="module")
def collected(world, member, tmp_path_factory) -> Collected:
    return collect_member(world, member.account_id, tmp_path_factory.mktemp("ec2more") / "world.ndjson", REGIONS)


def by_region(graph: Collected, kind: str) -> Dict[str, dict]:
    regions = {n["id"]: n["reported"]["id"] for n in graph.of_kind("aws_region")}
    located = {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}
    return {located[n["id"]]: n for n in graph.of_kind(kind)}


def test_each_kind_is_collected_with_its_ids_names_and_properties(member, collected):
    graph = collected
    assert graph.progress.errors == [] and graph.result.warning_count == 0
    account = member.account_id
    for region, here in member.regions.items():
        more = here.more
        image = graph.by_id("aws_ec2_image", more["aws_ec2_image"][0])["reported"]
        assert image["name"] == "golden-web" and image["tags"] == {"owner": "ops"} and image["owner_id"] == account
        assert image["arn"] == f"arn:aws:ec2:{region}:{account}:image/{image['id']}"
        template = graph.by_id("aws_ec2_launch_template", more["aws_ec2_launch_template"][0])
        # the default version stands for the template, which moto lists twice (latest and default)
        assert template["reported"]["version_number"] == 1 and template["reported"]["is_default_version"] is True
        assert template["reported"]["tags"] == {"owner": "ops"} and template["reported"]["name"] == "web-lt"
        assert template["reported"]["launch_template_data"]["instance_type"] == "t3.micro"
        assert template["metadata"]["provider_link"].endswith(f"#LaunchTemplateDetails:launchTemplateId="
                                                              f"{template['reported']['id']}")
        host = graph.by_id("aws_ec2_host", more["aws_ec2_host"][0])["reported"]
        assert host["name"] == "host-a" and host["host_state"] == "available"
        assert host["host_properties"]["instance_type"] == "m5.large"
        flow_log = graph.by_id("aws_ec2_flow_log", more["aws_ec2_flow_log"][0])["reported"]
        assert flow_log["name"] == "main-flows" and flow_log["resource_id"] == here.vpc
        assert flow_log["log_destination_type"] == "s3"
        endpoint = graph.by_id("aws_vpc_endpoint", more["aws_vpc_endpoint"][0])["reported"]
        assert endpoint["name"] == "s3" and endpoint["endpoint_service_name"] == f"com.amazonaws.{region}.s3"
        peering = graph.by_id("aws_vpc_peering_connection", more["aws_vpc_peering_connection"][0])["reported"]
        assert peering["name"] == "to-default" and peering["connection_requester_vpc_info"]["vpc_id"] == here.vpc
        group = by_region(graph, "aws_autoscaling_group")[region]
        assert group["reported"]["name"] == GROUP_NAME
        assert group["reported"]["arn"].startswith(f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:")
        assert group["reported"]["tags"] == {"owner": "ops"} and group["reported"]["max_size"] == 2
        balancer = by_region(graph, "aws_elb")[region]["reported"]
        assert balancer["name"] == ELB_NAME and balancer["lb_type"] == "elb" and balancer["tags"] == {"owner": "ops"}
        # the DNS name (moto names us-east-1 in it whatever the region)
        assert balancer["id"].startswith(f"{ELB_NAME}.") and balancer["id"].endswith(".elb.amazonaws.com")
        assert balancer["arn"] == f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{balancer['id']}"
        assert balancer["backends"] == [here.instances[0]]
        assert balancer["elb_attributes"]["connection_settings"] == 60
        assert balancer["elb_listener_descriptions"][0]["listener"]["instance_port"] == 8080
        reserved = by_region(graph, "aws_ec2_reserved_instances")[region]["reported"]
        assert reserved["id"] == reserved["name"] == RESERVED_ID and reserved["tags"] == {"team": "ops"}
        assert reserved["arn"] == f"arn:aws:ec2:{region}:{account}:reserved-instances/{RESERVED_ID}"
        assert reserved["reservation_instance_count"] == 2 and reserved["reservation_instance_type"] == "m5.large"
        assert reserved["reservation_start"] == "2026-01-01T00:00:00Z"
        assert reserved["reservation_recurring_charges"] == [{"frequency": "Hourly", "amount": 0.062}]


def test_edges_to_the_world_resources(member, collected):
    graph = collected
    regions = {n["reported"]["name"]: n for n in graph.of_kind("aws_region")}
    bucket = graph.by_id("aws_s3_bucket", member.buckets[0])
    for region, here in member.regions.items():
        more = here.more
        vpc = graph.by_id("aws_vpc", here.vpc)
        flow_log = graph.by_id("aws_ec2_flow_log", more["aws_ec2_flow_log"][0])
        endpoint = graph.by_id("aws_vpc_endpoint", more["aws_vpc_endpoint"][0])
        peering = graph.by_id("aws_vpc_peering_connection", more["aws_vpc_peering_connection"][0])
        default_vpc = graph.by_id("aws_vpc", graph.nodes[peering["id"]]["reported"]["connection_accepter_vpc_info"]
                                  ["vpc_id"])
        group = by_region(graph, "aws_autoscaling_group")[region]
        template = graph.by_id("aws_ec2_launch_template", more["aws_ec2_launch_template"][0])
        balancer = by_region(graph, "aws_elb")[region]
        instance = graph.by_id("aws_ec2_instance", here.instances[0])
        expected = [
            (regions[region], flow_log, "default"), (vpc, flow_log, "default"), (vpc, flow_log, "delete"),
            (flow_log, bucket, "default"),
            (vpc, endpoint, "default"), (vpc, endpoint, "delete"),
            (graph.by_id("aws_ec2_route_table", here.route_table), endpoint, "default"),
            (vpc, peering, "default"), (vpc, peering, "delete"), (default_vpc, peering, "default"),
            (group, template, "default"),
            (vpc, balancer, "default"), (vpc, balancer, "delete"),
            (graph.by_id("aws_ec2_subnet", here.subnets[0]), balancer, "default"),
            (graph.by_id("aws_ec2_security_group", here.security_group), balancer, "delete"),
            (balancer, instance, "default"), (instance, balancer, "delete"),
        ]
        missing = [(a["reported"]["kind"], b["reported"]["kind"], t) for a, b, t in expected
                   if not graph.has_edge(a, b, t)]
        assert missing == [], (region, missing)


def test_classic_load_balancer_usage_comes_from_cloudwatch(member, collected):
    for region in member.regions:
        balancer = by_region(collected, "aws_elb")[region]
        assert balancer["usage"]["request_count"] == {"sum": 42.0}


def test_instances_find_their_image_and_launch_template_and_groups_their_instances(world, tmp_path):
    member = world.members[2]
    ec2 = world.session(member.account_id).client("ec2", region_name=SPARE_REGION, endpoint_url=world.endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24", AvailabilityZone=f"{SPARE_REGION}a")["Subnet"]
    group_id = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
    image = ec2.register_image(Name="api-image")["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName="api-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "m5.large"})["LaunchTemplate"]["LaunchTemplateId"]
    instance = ec2.run_instances(MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"],
                                 LaunchTemplate={"LaunchTemplateId": template})["Instances"][0]["InstanceId"]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                                       ServiceName=f"com.amazonaws.{SPARE_REGION}.sqs", SubnetIds=[subnet["SubnetId"]],
                                       SecurityGroupIds=[group_id])["VpcEndpoint"]
    autoscaling = world.session(member.account_id).client("autoscaling", region_name=SPARE_REGION,
                                                          endpoint_url=world.endpoint)
    autoscaling.create_auto_scaling_group(AutoScalingGroupName="api-asg", MinSize=1, MaxSize=1, DesiredCapacity=1,
                                          LaunchTemplate={"LaunchTemplateId": template},
                                          VPCZoneIdentifier=subnet["SubnetId"])

    graph = collect_member(world, member.account_id, tmp_path / "spare.ndjson", [SPARE_REGION])
    assert graph.progress.errors == []
    launched = graph.by_id("aws_ec2_instance", instance)
    image_node = graph.by_id("aws_ec2_image", image)
    template_node = graph.by_id("aws_ec2_launch_template", template)
    assert graph.has_edge(image_node, launched) and graph.has_edge(template_node, launched)
    group = graph.by_id("aws_autoscaling_group", "api-asg")
    (in_group,) = [i["instance_id"] for i in group["reported"]["autoscaling_instances"]]
    group_instance = graph.by_id("aws_ec2_instance", in_group)
    assert graph.has_edge(group, group_instance) and graph.has_edge(group_instance, group, "delete")
    assert graph.has_edge(group, template_node)
    # the reservation is of the type the instances use, so the type's node is there to link to
    reserved = graph.by_id("aws_ec2_reserved_instances", RESERVED_ID)
    assert graph.has_edge(graph.by_id("aws_ec2_instance_type", "m5.large"), reserved)
    endpoint_node = graph.by_id("aws_vpc_endpoint", endpoint["VpcEndpointId"])
    (nic,) = endpoint["NetworkInterfaceIds"]
    nic_node = graph.by_id("aws_ec2_network_interface", nic)
    assert graph.has_edge(endpoint_node, nic_node) and graph.has_edge(nic_node, endpoint_node, "delete")
    assert graph.has_edge(graph.by_id("aws_ec2_subnet", subnet["SubnetId"]), endpoint_node, "delete")
    assert graph.has_edge(graph.by_id("aws_ec2_security_group", group_id), endpoint_node, "delete")


class TwoPages:
    """An EC2 client double for the launch template get: versions as EC2 lists them for every template
    (latest and default) and the templates' tags, each on two pages."""

    VERSIONS = [{"LaunchTemplateId": "lt-1", "LaunchTemplateName": "a", "VersionNumber": 2, "DefaultVersion": False},
                {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "a", "VersionNumber": 1, "DefaultVersion": True},
                {"LaunchTemplateId": "lt-2", "LaunchTemplateName": "b", "VersionNumber": 1, "DefaultVersion": True}]

    def get_paginator(self, operation):
        pages = {"describe_launch_template_versions": [{"LaunchTemplateVersions": self.VERSIONS[:2]},
                                                       {"LaunchTemplateVersions": self.VERSIONS[2:]}],
                 "describe_tags": [{"Tags": [{"ResourceId": "lt-1", "ResourceType": "launch-template", "Key": "owner",
                                              "Value": "ops"}]},
                                   {"Tags": [{"ResourceId": "lt-1", "ResourceType": "launch-template", "Key": "team",
                                              "Value": "web"}]}]}
        wanted = {"describe_launch_template_versions": {"Versions": ["$Default", "$Latest"]},
                  "describe_tags": {"Filters": [{"Name": "resource-type", "Values": ["launch-template"]}]}}

        class Paginator:
            def paginate(self, **params):
                assert params == wanted[operation]
                return pages[operation]
        return Paginator()


def test_a_launch_template_is_one_node_of_its_default_version():
    found = ec2_compute.get_launch_templates(TwoPages())
    assert [(t["LaunchTemplateId"], t["VersionNumber"], t["Tags"]) for t in found] == [
        ("lt-1", 1, [{"Key": "owner", "Value": "ops"}, {"Key": "team", "Value": "web"}]), ("lt-2", 1, [])]


class ClassicElb:
    """An ELB client double: ``gone`` balancers vanished after the list (DescribeTags fails a batch naming
    one; their attributes are not found)."""

    def __init__(self, names, gone=()):
        self.names, self.gone = list(names), set(gone)
        self.tag_calls = []

    def get_paginator(self, operation):
        balancers = [{"LoadBalancerName": n, "DNSName": f"{n}.elb"} for n in self.names]

        class Paginator:
            def paginate(self, **_):
                return [{"LoadBalancerDescriptions": balancers}]
        return Paginator()

    def _not_found(self, operation):
        from botocore.exceptions import ClientError
        return ClientError({"Error": {"Code": "LoadBalancerNotFound", "Message": "gone"}}, operation)

    def describe_load_balancer_attributes(self, LoadBalancerName):
        if LoadBalancerName in self.gone:
            raise self._not_found("DescribeLoadBalancerAttributes")
        return {"LoadBalancerAttributes": {"ConnectionSettings": {"IdleTimeout": 60}}}

    def describe_tags(self, LoadBalancerNames):
        self.tag_calls.append(list(LoadBalancerNames))
        if self.gone & set(LoadBalancerNames):
            raise self._not_found("DescribeTags")
        return {"TagDescriptions": [{"LoadBalancerName": n, "Tags": [{"Key": "n", "Value": n}]}
                                    for n in LoadBalancerNames]}


def test_classic_load_balancer_tags_are_asked_20_names_at_a_time():
    client = ClassicElb([f"lb-{i}" for i in range(45)])
    found = elb.get_load_balancers(client)
    assert [len(c) for c in client.tag_calls] == [20, 20, 5]
    assert all(b["Tags"] == [{"Key": "n", "Value": b["LoadBalancerName"]}] for b in found)
    assert all(b["Attributes"] == {"ConnectionSettings": {"IdleTimeout": 60}} for b in found)


def test_a_classic_load_balancer_gone_since_the_list_costs_only_itself():
    client = ClassicElb(["a", "b", "c"], gone={"b"})
    found = {b["LoadBalancerName"]: b for b in elb.get_load_balancers(client)}
    assert client.tag_calls == [["a", "b", "c"], ["a"], ["b"], ["c"]]
    assert found["a"]["Tags"] == [{"Key": "n", "Value": "a"}] and found["b"]["Tags"] == []
    assert found["b"]["Attributes"] is None
    shaped = node(elb.KINDS[0], found["b"], Scope("111122223333", "eu-west-1"))
    assert shaped.reported["name"] == "b" and "elb_attributes" not in shaped.reported
