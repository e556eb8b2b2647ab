"""The moto world's images, launch templates, dedicated hosts, flow logs, VPC endpoints, peering connections,
Auto Scaling groups and classic load balancers: one of each in every account and region, beside what
``world.py`` makes there. Nothing here launches an instance (the group wants none), so the other tests'
instance counts hold."""
from __future__ import annotations

import boto3

from .world import AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
ELB_NAME = "web-classic"
GROUP_NAME = "web-asg"


def _named(resource_type: str, name: str) -> list:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    ec2 = client("ec2")
    image = ec2.register_image(Name="golden-web", Description="web server image")["ImageId"]
    ec2.create_tags(Resources=[image], Tags=OWNER)
    template = ec2.create_launch_template(
        LaunchTemplateName="web-lt", VersionDescription="first",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro", "SecurityGroupIds": [here.security_group]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": OWNER}])["LaunchTemplate"]["LaunchTemplateId"]
    # a second version that is not the default: still one node, the default version
    ec2.create_launch_template_version(LaunchTemplateId=template, SourceVersion="1", VersionDescription="bigger",
                                       LaunchTemplateData={"InstanceType": "t3.small"})
    host = ec2.allocate_hosts(AvailabilityZone=f"{region}a", InstanceType="m5.large", Quantity=1,
                              TagSpecifications=_named("dedicated-host", "host-a"))["HostIds"][0]
    flow_log = ec2.create_flow_logs(ResourceIds=[here.vpc], ResourceType="VPC", TrafficType="ALL",
                                    LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{estate.buckets[0]}",
                                    TagSpecifications=_named("vpc-flow-log", "main-flows"))["FlowLogIds"][0]
    # moto cannot delete an endpoint whose type was left to its default
    vpc_endpoint = ec2.create_vpc_endpoint(
        VpcId=here.vpc, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{region}.s3",
        RouteTableIds=[here.route_table], TagSpecifications=_named("vpc-endpoint", "s3"))["VpcEndpoint"]
    vpc_endpoint = vpc_endpoint["VpcEndpointId"]
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    peering = ec2.create_vpc_peering_connection(
        VpcId=here.vpc, PeerVpcId=default_vpc, TagSpecifications=_named("vpc-peering-connection", "to-default")
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]

    client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=GROUP_NAME, LaunchTemplate={"LaunchTemplateId": template, "Version": "$Default"},
        MinSize=0, MaxSize=2, DesiredCapacity=0, VPCZoneIdentifier=here.subnets[0],
        Tags=[{**OWNER[0], "PropagateAtLaunch": False}])

    elb = client("elb")
    elb.create_load_balancer(LoadBalancerName=ELB_NAME, Subnets=[here.subnets[0]], SecurityGroups=[here.security_group],
                             Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP",
                                         "InstancePort": 8080}], Tags=OWNER)
    elb.register_instances_with_load_balancer(LoadBalancerName=ELB_NAME,
                                              Instances=[{"InstanceId": here.instances[0]}])
    client("cloudwatch").put_metric_data(Namespace="AWS/ELB", MetricData=[
        {"MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancerName", "Value": ELB_NAME}], "Value": 42.0,
         "Unit": "Count"}])

    here.more.update({"aws_ec2_image": [image], "aws_ec2_launch_template": [template], "aws_ec2_host": [host],
                      "aws_ec2_flow_log": [flow_log], "aws_vpc_endpoint": [vpc_endpoint],
                      "aws_vpc_peering_connection": [peering], "aws_autoscaling_group": [GROUP_NAME],
                      "aws_elb": [ELB_NAME]})
