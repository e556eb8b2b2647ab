"""The fake AWS estate the tests collect: an organization with member accounts reached by assume role,
and a few resources of every collected type in each member account and region.

Everything is created through boto3 against the moto server, with the member account's assumed
credentials, so resources land in that account. ``World`` remembers what was created, so tests can
compare the collected graph with it.
"""
from __future__ import annotations

import importlib
import io
import json
import zipfile
from pathlib import Path
from dataclasses import dataclass, field
from typing import Dict, List

import boto3

MANAGEMENT_ACCOUNT = "123456789012"  # moto's default account: the caller of the test credentials
ORG_ROLE = "OrganizationAccountAccessRole"
REGIONS = ["us-east-1", "eu-central-1"]
MEMBER_NAMES = ["alpha", "beta", "gamma"]

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@dataclass
class RegionEstate:
    """Ids of what was created in one account and region."""
    vpc: str = ""
    subnets: List[str] = field(default_factory=list)
    security_group: str = ""
    instances: List[str] = field(default_factory=list)
    volume: str = ""
    snapshot: str = ""
    key_pair: str = ""
    internet_gateway: str = ""
    nat_gateway: str = ""
    network_interface: str = ""
    elastic_ip: str = ""
    allocation_id: str = ""
    load_balancer_arn: str = ""
    target_group_arn: str = ""
    db_instance: str = ""
    table: str = ""
    function: str = ""
    alarm: str = ""
    cluster: str = ""
    queue_url: str = ""
    topic_arn: str = ""
    key_id: str = ""
    route_table: str = ""
    network_acl: str = ""
    work_group: str = ""
    db_snapshot: str = ""
    more: Dict[str, List[str]] = field(default_factory=dict)  # kind → ids made by a world_<area> module


@dataclass
class AccountEstate:
    account_id: str
    name: str
    buckets: List[str] = field(default_factory=list)
    users: List[str] = field(default_factory=list)
    group: str = ""
    roles: List[str] = field(default_factory=list)
    policy_arn: str = ""
    instance_profile: str = ""
    access_key: str = ""
    zone_id: str = ""
    more: Dict[str, List[str]] = field(default_factory=dict)  # kind → ids of global kinds made by world_<area>
    regions: Dict[str, RegionEstate] = field(default_factory=dict)


@dataclass
class World:
    endpoint: str
    management: str = MANAGEMENT_ACCOUNT
    members: List[AccountEstate] = field(default_factory=list)

    def member(self, account_id: str) -> AccountEstate:
        return next(m for m in self.members if m.account_id == account_id)

    def session(self, account_id: str) -> boto3.Session:
        return member_session(self.endpoint, account_id)


def member_session(endpoint: str, account_id: str) -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ORG_ROLE}",
                            RoleSessionName="world-setup")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def build_world(endpoint: str) -> World:
    world = World(endpoint=endpoint)
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    for name in MEMBER_NAMES:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        account_id = status.get("AccountId") or org.describe_create_account_status(
            CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
        world.members.append(populate_account(endpoint, account_id, name))
    return world


def area_modules() -> list:
    """``world_<area>.py`` beside this file: each adds the resources of its kinds with ``populate_account``
    (global kinds, once per account) and ``populate_region`` (a region), recording their ids in ``more``."""
    here = Path(__file__).parent
    return [importlib.import_module(f"{__package__}.{p.stem}") for p in sorted(here.glob("world_*.py"))]


def populate_areas(session: boto3.Session, endpoint: str, estate: AccountEstate, regions: List[str]) -> None:
    for module in area_modules():
        if hasattr(module, "populate_account"):
            module.populate_account(session, endpoint, estate)
        if hasattr(module, "populate_region"):
            for region in regions:
                module.populate_region(session, endpoint, region, estate, estate.regions[region])


def populate_account(endpoint: str, account_id: str, name: str) -> AccountEstate:
    session = member_session(endpoint, account_id)
    estate = AccountEstate(account_id=account_id, name=name)
    populate_iam(session, endpoint, estate)
    for region in REGIONS:
        estate.regions[region] = populate_region(session, endpoint, region, estate)
    populate_areas(session, endpoint, estate, REGIONS)
    return estate


def populate_iam(session: boto3.Session, endpoint: str, estate: AccountEstate) -> None:
    iam = session.client("iam", endpoint_url=endpoint)
    for i in range(2):
        user = f"user-{i}"
        iam.create_user(UserName=user, Tags=[{"Key": "team", "Value": "data"}])
        estate.users.append(user)
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="user-0")
    estate.group = "readers"
    policy = iam.create_policy(PolicyName="read-objects", PolicyDocument=json.dumps(READ_POLICY),
                               Tags=[{"Key": "owner", "Value": "ops"}])["Policy"]
    estate.policy_arn = policy["Arn"]
    iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
                    Tags=[{"Key": "owner", "Value": "ops"}])
    iam.create_role(RoleName="node-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    estate.roles += ["fn-role", "node-role"]
    iam.attach_role_policy(RoleName="node-role", PolicyArn=policy["Arn"])
    iam.attach_group_policy(GroupName="readers", PolicyArn=policy["Arn"])
    iam.create_instance_profile(InstanceProfileName="node-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="node-profile", RoleName="node-role")
    estate.instance_profile = "node-profile"
    estate.access_key = iam.create_access_key(UserName="user-0")["AccessKey"]["AccessKeyId"]
    route53 = session.client("route53", endpoint_url=endpoint, region_name="us-east-1")
    zone = route53.create_hosted_zone(Name=f"{estate.name}.example.com.", CallerReference=estate.account_id)
    estate.zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=estate.zone_id,
                                     AddTags=[{"Key": "owner", "Value": "ops"}])
    s3control = session.client("s3control", endpoint_url=endpoint, region_name="us-east-1")
    s3control.meta.events.register("before-send.s3-control.*", lambda request, **_: _without_account_host(
        request, endpoint))
    s3control.put_public_access_block(AccountId=estate.account_id, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s3 = session.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    for i in range(2):
        bucket = f"bucket-{estate.account_id}-{i}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "ops"}]})
        s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")
        estate.buckets.append(bucket)


def _without_account_host(request, endpoint: str) -> None:
    """botocore names the account in the s3control host, which moto does not answer."""
    request.url = f"{endpoint}/{request.url.split('://', 1)[1].split('/', 1)[1]}"


def lambda_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate) -> RegionEstate:
    out = RegionEstate()
    account = estate.account_id

    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    ec2 = client("ec2")
    out.vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16",
                             TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}]
                             )["Vpc"]["VpcId"]
    for i, az in enumerate(("a", "b")):
        out.subnets.append(ec2.create_subnet(VpcId=out.vpc, CidrBlock=f"10.10.{i}.0/24",
                                             AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"])
    out.security_group = ec2.create_security_group(GroupName="web", Description="web servers",
                                                   VpcId=out.vpc)["GroupId"]
    out.key_pair = ec2.create_key_pair(KeyName="deploy")["KeyPairId"]
    out.internet_gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=out.internet_gateway, VpcId=out.vpc)
    reservation = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=2, MaxCount=2, InstanceType="t3.micro", KeyName="deploy",
        SubnetId=out.subnets[0], SecurityGroupIds=[out.security_group],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"},
                                                                 {"Key": "owner", "Value": "ops"}]}])
    out.instances = [i["InstanceId"] for i in reservation["Instances"]]
    out.volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8,
                                   TagSpecifications=[{"ResourceType": "volume",
                                                       "Tags": [{"Key": "Name", "Value": "data"}]}])["VolumeId"]
    ec2.attach_volume(VolumeId=out.volume, InstanceId=out.instances[0], Device="/dev/sdf")
    out.snapshot = ec2.create_snapshot(VolumeId=out.volume, Description="nightly")["SnapshotId"]
    out.network_interface = ec2.create_network_interface(SubnetId=out.subnets[1], Groups=[out.security_group],
                                                         Description="spare")["NetworkInterface"]["NetworkInterfaceId"]
    address = ec2.allocate_address(Domain="vpc")
    out.elastic_ip, out.allocation_id = address["PublicIp"], address["AllocationId"]
    ec2.associate_address(AllocationId=out.allocation_id, InstanceId=out.instances[1])
    nat_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    out.nat_gateway = ec2.create_nat_gateway(SubnetId=out.subnets[1], AllocationId=nat_eip)["NatGateway"]["NatGatewayId"]
    out.route_table = ec2.create_route_table(VpcId=out.vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "private"}]}])["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=out.route_table, SubnetId=out.subnets[1])
    out.network_acl = ec2.create_network_acl(VpcId=out.vpc)["NetworkAcl"]["NetworkAclId"]

    elb = client("elbv2")
    lb = elb.create_load_balancer(Name="web-lb", Subnets=out.subnets, SecurityGroups=[out.security_group],
                                  Tags=[{"Key": "owner", "Value": "ops"}])["LoadBalancers"][0]
    out.load_balancer_arn = lb["LoadBalancerArn"]
    tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=out.vpc,
                                 TargetType="instance")["TargetGroups"][0]
    out.target_group_arn = tg["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=out.target_group_arn, Targets=[{"Id": i, "Port": 80} for i in out.instances])
    elb.create_listener(LoadBalancerArn=out.load_balancer_arn, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": out.target_group_arn}])

    rds = client("rds")
    out.db_instance = "orders-db"
    rds.create_db_instance(DBInstanceIdentifier=out.db_instance, DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin", MasterUserPassword="secret-password", AllocatedStorage=20,
                           VpcSecurityGroupIds=[out.security_group], Tags=[{"Key": "owner", "Value": "ops"}])
    out.db_snapshot = "orders-db-manual"
    rds.create_db_snapshot(DBSnapshotIdentifier=out.db_snapshot, DBInstanceIdentifier=out.db_instance,
                           Tags=[{"Key": "owner", "Value": "ops"}])

    ddb = client("dynamodb")
    out.table = "orders"
    ddb.create_table(TableName=out.table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     Tags=[{"Key": "owner", "Value": "ops"}])

    fn = client("lambda")
    out.function = "resize"
    fn.create_function(FunctionName=out.function, Runtime="python3.11", Handler="handler.handler",
                       Role=f"arn:aws:iam::{account}:role/fn-role", Code={"ZipFile": lambda_zip()},
                       Tags={"owner": "ops"},
                       VpcConfig={"SubnetIds": [out.subnets[0]], "SecurityGroupIds": [out.security_group]})

    cw = client("cloudwatch")
    out.alarm = "web-cpu"
    cw.put_metric_alarm(AlarmName=out.alarm, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
                        Period=300, EvaluationPeriods=1, Threshold=90.0, ComparisonOperator="GreaterThanThreshold",
                        Dimensions=[{"Name": "InstanceId", "Value": out.instances[0]}],
                        Tags=[{"Key": "owner", "Value": "ops"}])
    # figures of the last minutes, for the usage of the first instance
    cw.put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": out.instances[0]}],
         "Value": value, "Unit": "Percent"} for value in (12.5, 40.0)])

    athena = client("athena")
    out.work_group = "analytics"
    athena.create_work_group(Name=out.work_group, Tags=[{"Key": "owner", "Value": "ops"}], Configuration={
        "ResultConfiguration": {"OutputLocation": f"s3://{estate.buckets[0]}/athena/"}})

    eks = client("eks")
    out.cluster = "apps"
    eks.create_cluster(name=out.cluster, roleArn=f"arn:aws:iam::{account}:role/node-role",
                       resourcesVpcConfig={"subnetIds": out.subnets, "securityGroupIds": [out.security_group]},
                       tags={"owner": "ops"})

    sqs = client("sqs")
    out.queue_url = sqs.create_queue(QueueName="jobs", tags={"owner": "ops"})["QueueUrl"]

    sns = client("sns")
    out.topic_arn = sns.create_topic(Name="alerts", Tags=[{"Key": "owner", "Value": "ops"}])["TopicArn"]

    kms = client("kms")
    out.key_id = kms.create_key(Description="data key", Tags=[{"TagKey": "owner", "TagValue": "ops"}]
                                )["KeyMetadata"]["KeyId"]
    return out


def populate_management(endpoint: str, region: str = "us-east-1") -> AccountEstate:
    """Resources in the organization's management account (the caller's own, reached without a role), for
    tests that change or delete things without disturbing the member accounts."""
    session = boto3.Session(region_name=region)
    estate = AccountEstate(account_id=MANAGEMENT_ACCOUNT, name="master")
    populate_iam(session, endpoint, estate)
    estate.regions[region] = populate_region(session, endpoint, region, estate)
    populate_areas(session, endpoint, estate, [region])
    return estate
