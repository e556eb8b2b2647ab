"""transform_* on plain dicts shaped like the API's answers: node properties, types and links."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from collectors.aws.model import model_kinds
from collectors.aws.resources import (awslambda, cloudwatch, dynamodb, ec2_compute, ec2_network, eks, elbv2, iam, kms,
                                      rds, s3, sns, sqs)
from collectors.aws.shaped import Link, Ref, Scope

from .model_check import load_kinds, reported_problems

SCOPE = Scope(account_id="111122223333", region="eu-west-1")
WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
WHEN_TEXT = "2024-05-06T07:08:09Z"
KINDS = load_kinds(model_kinds())


def only(shaped, kind):
    """The one node of ``kind``; every node of ``shaped`` must be valid for the model."""
    for reported in shaped.nodes:
        assert reported_problems(KINDS, reported) == []
    nodes = [n for n in shaped.nodes if n["kind"] == kind]
    assert len(nodes) == 1, nodes
    return nodes[0]


def links(shaped):
    return set(shaped.links)


def test_instances_with_type_sizes_and_links():
    raw = {"instances": [{
        "InstanceId": "i-1", "InstanceType": "m5.large", "KeyName": "deploy", "SubnetId": "subnet-1", "VpcId": "vpc-1",
        "LaunchTime": WHEN, "State": {"Code": 16, "Name": "running"}, "KernelId": "",
        "Placement": {"AvailabilityZone": "eu-west-1a", "Tenancy": "default", "Unknown": 1},
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeId": "vol-1", "AttachTime": WHEN}}],
        "HibernationOptions": {"Configured": False}, "Monitoring": {"State": "disabled"},
        "Licenses": [{"LicenseConfigurationArn": "arn:lic"}],
        "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "owner", "Value": "ops"}],
    }], "instance_types": [{"InstanceType": "m5.large", "VCpuInfo": {"DefaultVCpus": 2},
                            "MemoryInfo": {"SizeInMiB": 8192}}]}
    out = ec2_compute.transform_instances(raw, SCOPE)
    node = only(out, "aws_ec2_instance")
    assert node["id"] == "i-1" and node["name"] == "web" and node["tags"] == {"Name": "web", "owner": "ops"}
    assert node["arn"] == "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"
    assert node["instance_cores"] == 2.0 and node["instance_memory"] == 8.0
    assert node["instance_status"] == "running" and node["ctime"] == WHEN_TEXT
    assert node["instance_placement"] == {"availability_zone": "eu-west-1a", "tenancy": "default"}
    assert node["instance_block_device_mappings"][0]["ebs"] == {"volume_id": "vol-1", "attach_time": WHEN_TEXT}
    assert node["instance_hibernation_options"] is False and node["instance_licenses"] == ["arn:lic"]
    assert "instance_kernel_id" not in node  # "" means none
    me, key = Ref("aws_ec2_instance", "i-1"), Ref("aws_ec2_keypair", "arn:aws:ec2:eu-west-1:111122223333:keypair/deploy")
    assert links(out) == {
        Link(Ref("aws_ec2_subnet", "subnet-1"), me), Link(Ref("aws_ec2_subnet", "subnet-1"), me, "delete"),
        Link(me, key), Link(key, me, "delete"),
        Link(me, Ref("aws_ec2_volume", "vol-1")), Link(Ref("aws_ec2_volume", "vol-1"), me, "delete"),
    }


@pytest.mark.parametrize("state,status", [("pending", "busy"), ("stopped", "stopped"), ("terminated", "terminated"),
                                          ("weird", "unknown")])
def test_instance_status_mapping(state, status):
    out = ec2_compute.transform_instances({"instances": [{"InstanceId": "i-2", "State": {"Name": state}}]}, SCOPE)
    assert only(out, "aws_ec2_instance")["instance_status"] == status


def test_volumes_and_snapshots_link_to_each_other_and_to_their_key():
    volumes = ec2_compute.transform_volumes([{
        "VolumeId": "vol-1", "Size": 8, "VolumeType": "gp3", "State": "in-use", "CreateTime": WHEN, "Encrypted": True,
        "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k1", "Iops": 3000,
        "Attachments": [{"InstanceId": "i-1", "State": "attached", "AttachTime": WHEN}],
    }], SCOPE)
    volume = only(volumes, "aws_ec2_volume")
    assert volume["volume_size"] == 8 and volume["volume_status"] == "in-use" and volume["volume_encrypted"] is True
    assert volume["volume_attachments"] == [{"instance_id": "i-1", "state": "attached", "attach_time": WHEN_TEXT}]
    key = Ref("aws_kms_key", "arn:aws:kms:eu-west-1:111122223333:key/k1")
    assert links(volumes) == {Link(Ref("aws_ec2_volume", "vol-1"), key),
                              Link(key, Ref("aws_ec2_volume", "vol-1"), "delete")}
    snapshots = ec2_compute.transform_snapshots([{
        "SnapshotId": "snap-1", "VolumeId": "vol-1", "State": "completed", "StartTime": WHEN, "VolumeSize": 8,
        "OwnerId": "111122223333", "Progress": "100%", "Tags": [{"Key": "Name", "Value": "nightly"}]}], SCOPE)
    snapshot = only(snapshots, "aws_ec2_snapshot")
    assert snapshot["name"] == "nightly" and snapshot["snapshot_status"] == "completed"
    assert links(snapshots) == {Link(Ref("aws_ec2_volume", "vol-1"), Ref("aws_ec2_snapshot", "snap-1"))}


def test_key_pairs_are_named_and_addressed_by_key_name():
    out = ec2_compute.transform_key_pairs([{"KeyPairId": "key-1", "KeyName": "deploy", "KeyType": "rsa",
                                            "KeyFingerprint": "ab:cd", "CreateTime": WHEN}], SCOPE)
    node = only(out, "aws_ec2_keypair")
    assert (node["id"], node["name"], node["arn"]) == ("key-1", "deploy",
                                                        "arn:aws:ec2:eu-west-1:111122223333:keypair/deploy")


def test_network_resources_hang_under_their_vpc():
    vpc, subnet, group = Ref("aws_vpc", "vpc-1"), Ref("aws_ec2_subnet", "subnet-1"), Ref("aws_ec2_security_group", "sg-1")
    vpcs = ec2_network.transform_vpcs([{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": False,
                                       "CidrBlockAssociationSet": [{"AssociationId": "a", "CidrBlock": "10.0.0.0/16",
                                                                    "CidrBlockState": {"State": "associated"}}]}], SCOPE)
    assert only(vpcs, "aws_vpc")["vpc_cidr_block_association_set"][0]["cidr_block_state"] == {"state": "associated"}
    subnets = ec2_network.transform_subnets([{"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailableIpAddressCount": 250,
                                              "SubnetArn": "arn:subnet-1"}], SCOPE)
    assert only(subnets, "aws_ec2_subnet")["arn"] == "arn:subnet-1"
    assert links(subnets) == {Link(vpc, subnet), Link(vpc, subnet, "delete")}
    groups = ec2_network.transform_security_groups([{
        "GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1", "Description": "d",
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                           "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}], SCOPE)
    node = only(groups, "aws_ec2_security_group")
    assert node["name"] == "web" and node["group_ip_permissions"][0]["ip_ranges"] == [{"cidr_ip": "0.0.0.0/0"}]
    assert links(groups) == {Link(vpc, group), Link(vpc, group, "delete")}
    gateways = ec2_network.transform_internet_gateways([{"InternetGatewayId": "igw-1",
                                                         "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}],
                                                       SCOPE)
    assert links(gateways) == {Link(vpc, Ref("aws_ec2_internet_gateway", "igw-1")),
                               Link(vpc, Ref("aws_ec2_internet_gateway", "igw-1"), "delete")}


def test_nat_gateways_skip_deleted_ones_and_link_like_the_reference():
    out = ec2_network.transform_nat_gateways([
        {"NatGatewayId": "nat-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "State": "available", "CreateTime": WHEN,
         "NatGatewayAddresses": [{"AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-1", "PublicIp": "1.2.3.4"}]},
        {"NatGatewayId": "nat-2", "State": "deleted"},
    ], SCOPE)
    node = only(out, "aws_ec2_nat_gateway")
    assert node["nat_gateway_addresses"] == [{"allocation_id": "eipalloc-1", "network_interface_id": "eni-1",
                                              "public_ip": "1.2.3.4"}]
    nat = Ref("aws_ec2_nat_gateway", "nat-1")
    others = [Ref("aws_vpc", "vpc-1"), Ref("aws_ec2_subnet", "subnet-1"), Ref("aws_ec2_network_interface", "eni-1")]
    assert links(out) == {Link(nat, o) for o in others} | {Link(o, nat, "delete") for o in others}


def test_network_interfaces_and_elastic_ips():
    nics = ec2_network.transform_network_interfaces([{
        "NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "Status": "in-use",
        "Groups": [{"GroupId": "sg-1", "GroupName": "web"}], "Attachment": {"InstanceId": "i-1", "DeviceIndex": 0},
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5", "Primary": True,
                                "Association": {"PublicIp": "1.2.3.4"}}],
        "Ipv6Addresses": [{"Ipv6Address": "::1"}], "TagSet": [{"Key": "Name", "Value": "primary"}]}], SCOPE)
    nic = only(nics, "aws_ec2_network_interface")
    assert (nic["name"], nic["private_ips"], nic["public_ips"], nic["v6_ips"]) == ("primary", ["10.0.0.5"],
                                                                                  ["1.2.3.4"], ["::1"])
    me, instance = Ref("aws_ec2_network_interface", "eni-1"), Ref("aws_ec2_instance", "i-1")
    assert Link(instance, me) in links(nics) and Link(me, instance, "delete") in links(nics)
    assert Link(Ref("aws_ec2_security_group", "sg-1"), me) in links(nics)
    eips = ec2_network.transform_addresses([{"PublicIp": "1.2.3.4", "AllocationId": "eipalloc-1", "InstanceId": "i-1",
                                             "NetworkInterfaceId": "eni-1", "AssociationId": "eipassoc-1",
                                             "Domain": "vpc"}], SCOPE)
    eip = only(eips, "aws_ec2_elastic_ip")
    assert (eip["id"], eip["ip_allocation_id"], eip["ip_address_family"]) == ("1.2.3.4", "eipalloc-1", "ipv4")
    assert eip["arn"] == "arn:aws:ec2:eu-west-1:111122223333:elastic-ip/eipalloc-1"
    mine = Ref("aws_ec2_elastic_ip", "1.2.3.4")
    assert links(eips) == {Link(instance, mine), Link(mine, instance, "delete"), Link(me, mine),
                           Link(mine, me, "delete")}


def test_load_balancers_target_groups_and_backends():
    lb_arn, tg_arn = "arn:lb/app/web/1", "arn:tg/web/1"
    raw = {"load_balancers": [{
        "LoadBalancerArn": lb_arn, "LoadBalancerName": "web", "Type": "application", "VpcId": "vpc-1",
        "CreatedTime": WHEN, "State": {"Code": "active"}, "SecurityGroups": ["sg-1"],
        "AvailabilityZones": [{"ZoneName": "eu-west-1a", "SubnetId": "subnet-1",
                               "LoadBalancerAddresses": [{"PrivateIPv4Address": "10.0.0.9"}]}],
        "Listeners": [{"ListenerArn": "arn:l", "Port": 443, "Protocol": "HTTPS",
                       "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}]}],
        "Tags": [{"Key": "owner", "Value": "ops"}]}],
        "target_groups": [{"TargetGroupArn": tg_arn, "TargetGroupName": "web", "TargetType": "instance", "Port": 80,
                           "VpcId": "vpc-1", "LoadBalancerArns": [lb_arn], "Matcher": {"HttpCode": "200"},
                           "TargetHealth": [{"Target": {"Id": "i-1", "Port": 80}, "TargetHealth": {"State": "healthy"}}],
                           "Tags": []}]}
    out = elbv2.transform_load_balancers(raw, SCOPE)
    lb, tg = only(out, "aws_alb"), only(out, "aws_alb_target_group")
    assert lb["backends"] == ["i-1"] and lb["tags"] == {"owner": "ops"} and lb["lb_type"] == "alb"
    assert lb["alb_availability_zones"][0]["load_balancer_addresses"] == [{"private_i_pv4_address": "10.0.0.9"}]
    assert lb["alb_listener"][0]["default_actions"] == [{"type": "forward", "target_group_arn": tg_arn}]
    assert tg["alb_matcher"] == {"http_code": "200"} and tg["port"] == 80
    lb_ref, tg_ref, instance = Ref("aws_alb", lb_arn), Ref("aws_alb_target_group", tg_arn), Ref("aws_ec2_instance", "i-1")
    assert {Link(lb_ref, tg_ref), Link(tg_ref, lb_ref, "delete"), Link(tg_ref, instance),
            Link(instance, tg_ref, "delete"), Link(Ref("aws_ec2_subnet", "subnet-1"), lb_ref, "delete"),
            Link(Ref("aws_ec2_security_group", "sg-1"), lb_ref)} <= links(out)


def test_buckets():
    out = s3.transform_buckets([{
        "Name": "b1", "CreationDate": WHEN, "Tagging": {"TagSet": [{"Key": "owner", "Value": "ops"}]},
        "Versioning": {"Status": "Enabled"},
        "Encryption": {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"},
             "BucketKeyEnabled": True}]}},
        "Policy": {"Policy": '{"Version": "2012-10-17", "Statement": []}'},
        "PublicAccessBlock": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        "Acl": {"Owner": {"ID": "o1"}, "Grants": [{"Grantee": {"ID": "o1", "Type": "CanonicalUser"},
                                                   "Permission": "FULL_CONTROL"}]},
        "Logging": None}], SCOPE)
    node = only(out, "aws_s3_bucket")
    assert node["arn"] == "arn:aws:s3:::b1" and node["tags"] == {"owner": "ops"} and node["bucket_versioning"] is True
    assert node["bucket_encryption_rules"] == [{"sse_algorithm": "aws:kms", "kms_master_key_id": "k1",
                                                "bucket_key_enabled": True}]
    assert node["bucket_policy"] == {"Version": "2012-10-17", "Statement": []}
    assert node["bucket_public_access_block_configuration"] == {"block_public_acls": True}
    assert node["bucket_acl"]["grants"][0]["grantee"] == {"id": "o1", "type": "CanonicalUser"}
    assert "bucket_logging" not in node


def test_iam_users_groups_roles_policies_profiles():
    policy_arn = "arn:aws:iam::111122223333:policy/read"
    role_arn = "arn:aws:iam::111122223333:role/app"
    profile_arn = "arn:aws:iam::111122223333:instance-profile/app"
    raw = {
        "UserDetailList": [{"UserName": "ann", "UserId": "AID1", "Arn": "arn:aws:iam::111122223333:user/ann",
                            "CreateDate": WHEN, "GroupList": ["readers"], "Tags": [{"Key": "team", "Value": "data"}],
                            "AttachedManagedPolicies": [{"PolicyName": "read", "PolicyArn": policy_arn}],
                            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17"}}]}],
        "GroupDetailList": [{"GroupName": "readers", "GroupId": "AGP1", "Arn": "arn:aws:iam::111122223333:group/readers",
                             "AttachedManagedPolicies": []}],
        "RoleDetailList": [{"RoleName": "app", "RoleId": "ARO1", "Arn": role_arn, "MaxSessionDuration": 3600,
                            "AssumeRolePolicyDocument": {"Statement": []}, "RoleLastUsed": {"LastUsedDate": WHEN},
                            "InstanceProfileList": [{"Arn": profile_arn}],
                            "AttachedManagedPolicies": [{"PolicyArn": policy_arn}]}],
        "Policies": [{"Arn": policy_arn, "DefaultVersionId": "v2", "AttachmentCount": 2, "Tags": [],
                      "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": False, "Document": {}},
                                            {"VersionId": "v2", "IsDefaultVersion": True, "CreateDate": WHEN,
                                             "Document": {"Statement": [{"Effect": "Allow"}]}}]}],
        "InstanceProfiles": [{"InstanceProfileName": "app", "InstanceProfileId": "AIP1", "Arn": profile_arn,
                              "Path": "/"}],
    }
    out = iam.transform_iam(raw, SCOPE)
    user, role, policy = only(out, "aws_iam_user"), only(out, "aws_iam_role"), only(out, "aws_iam_policy")
    assert user["user_policies"] == [{"policy_name": "inline", "policy_document": {"Version": "2012-10-17"}}]
    assert role["role_last_used"] == {"last_used": WHEN_TEXT} and role["role_max_session_duration"] == 3600
    # a policy without name or id (moto leaves them out) is named after its ARN
    assert (policy["id"], policy["name"]) == ("read", "read")
    assert policy["policy_document"] == {"version_id": "v2", "is_default_version": True, "create_date": WHEN_TEXT,
                                         "document": {"Statement": [{"Effect": "Allow"}]}}
    assert only(out, "aws_iam_instance_profile")["instance_profile_path"] == "/"
    user_ref, group_ref = Ref("aws_iam_user", user["arn"]), Ref("aws_iam_group", "arn:aws:iam::111122223333:group/readers")
    policy_ref, role_ref = Ref("aws_iam_policy", policy_arn), Ref("aws_iam_role", role_arn)
    assert links(out) == {Link(user_ref, policy_ref), Link(user_ref, policy_ref, "delete"), Link(group_ref, user_ref),
                          Link(role_ref, policy_ref), Link(role_ref, policy_ref, "delete"),
                          Link(role_ref, Ref("aws_iam_instance_profile", profile_arn)),
                          Link(role_ref, Ref("aws_iam_instance_profile", profile_arn), "delete")}


def test_db_instances():
    arn = "arn:aws:rds:eu-west-1:111122223333:db:orders"
    out = rds.transform_db_instances([{
        "DBInstanceIdentifier": "orders", "DBInstanceArn": arn, "Engine": "postgres", "EngineVersion": "15.2",
        "DBInstanceStatus": "available", "DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20, "MultiAZ": False,
        "Endpoint": {"Address": "orders.example", "Port": 5432}, "InstanceCreateTime": WHEN, "KmsKeyId": "k1",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
        "DBSubnetGroup": {"VpcId": "vpc-1", "Subnets": [{"SubnetIdentifier": "subnet-1"}]},
        "DBInstanceAutomatedBackupsReplications": [{"DBInstanceAutomatedBackupsArn": "arn:backup"}],
        "TagList": [{"Key": "owner", "Value": "ops"}]}], SCOPE)
    node = only(out, "aws_rds_instance")
    assert node["db_endpoint"] == "orders.example:5432" and node["db_type"] == "postgres"
    assert node["rds_multi_az"] is False and node["volume_size"] == 20 and node["instance_type"] == "db.t3.micro"
    assert node["rds_db_instance_automated_backups_replications"] == ["arn:backup"]
    assert node["rds_db_subnet_group"] == {"vpc_id": "vpc-1", "subnets": [{"subnet_identifier": "subnet-1"}]}
    me = Ref("aws_rds_instance", arn)
    assert {Link(Ref("aws_vpc", "vpc-1"), me), Link(Ref("aws_ec2_subnet", "subnet-1"), me, "delete"),
            Link(Ref("aws_ec2_security_group", "sg-1"), me), Link(me, Ref("aws_kms_key", "k1")),
            Link(Ref("aws_kms_key", "k1"), me, "delete")} <= links(out)


def test_tables():
    out = dynamodb.transform_tables([{
        "TableName": "orders", "TableArn": "arn:table/orders", "TableId": "t-1", "ItemCount": 3, "TableStatus": "ACTIVE",
        "CreationDateTime": WHEN, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "SSEDescription": {"Status": "ENABLED", "KMSMasterKeyArn": "arn:key"}, "Tags": []}], SCOPE)
    node = only(out, "aws_dynamodb_table")
    assert (node["id"], node["name"], node["dynamodb_item_count"]) == ("t-1", "orders", 3)
    assert node["dynamodb_sse_description"] == {"status": "ENABLED", "kms_master_key_arn": "arn:key"}
    assert Link(Ref("aws_dynamodb_table", "arn:table/orders"), Ref("aws_kms_key", "arn:key")) in links(out)


def test_functions():
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:resize"
    out = awslambda.transform_functions([{
        "FunctionName": "resize", "FunctionArn": arn, "Runtime": "python3.11", "MemorySize": 128,
        "LastModified": "2024-05-06T07:08:09.123+0000", "TracingConfig": {"Mode": "PassThrough"},
        "EphemeralStorage": {"Size": 512}, "Environment": {"Variables": {"A": "1"}},
        "VpcConfig": {"VpcId": "vpc-1", "SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        "Tags": {"owner": "ops"}}], SCOPE)
    node = only(out, "aws_lambda_function")
    assert node["mtime"] == WHEN_TEXT and node["function_tracing_config"] == "PassThrough"
    assert node["function_ephemeral_storage"] == 512 and node["function_environment"] == {"variables": {"A": "1"}}
    me = Ref("aws_lambda_function", arn)
    assert {Link(Ref("aws_vpc", "vpc-1"), me), Link(Ref("aws_ec2_subnet", "subnet-1"), me, "delete"),
            Link(Ref("aws_ec2_security_group", "sg-1"), me, "delete")} <= links(out)


def test_alarms_link_to_the_watched_instance():
    arn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cpu"
    out = cloudwatch.transform_alarms([{
        "AlarmName": "cpu", "AlarmArn": arn, "StateValue": "OK", "Threshold": 90, "Period": 300,
        "AlarmConfigurationUpdatedTimestamp": WHEN, "OKActions": [], "Dimensions": [{"Name": "InstanceId",
                                                                                    "Value": "i-1"}]}], SCOPE)
    node = only(out, "aws_cloudwatch_alarm")
    assert node["cloudwatch_threshold"] == 90.0 and isinstance(node["cloudwatch_threshold"], float)
    assert node["cloudwatch_dimensions"] == [{"name": "InstanceId", "value": "i-1"}]
    instance, alarm = Ref("aws_ec2_instance", "i-1"), Ref("aws_cloudwatch_alarm", arn)
    assert links(out) == {Link(instance, alarm), Link(instance, alarm, "delete")}


def test_clusters():
    out = eks.transform_clusters([{
        "name": "apps", "arn": "arn:cluster/apps", "createdAt": WHEN, "version": "1.29", "roleArn": "arn:role/eks",
        "status": "ACTIVE", "identity": {"oidc": {"issuer": "https://oidc"}}, "certificateAuthority": {"data": "pem"},
        "resourcesVpcConfig": {"subnetIds": ["subnet-1"], "vpcId": "vpc-1"},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": "arn:key"}}],
        "tags": {"owner": "ops"}}], SCOPE)
    node = only(out, "aws_eks_cluster")
    assert node["cluster_identity"] == {"oidc": "https://oidc"} and node["cluster_certificate_authority"] == "pem"
    assert node["cluster_resources_vpc_config"] == {"subnet_ids": ["subnet-1"], "vpc_id": "vpc-1"}
    assert node["cluster_encryption_config"] == [{"resources": ["secrets"], "provider": "arn:key"}]
    assert links(out) == {Link(Ref("aws_iam_role", "arn:role/eks"), Ref("aws_eks_cluster", "arn:cluster/apps")),
                          Link(Ref("aws_iam_role", "arn:role/eks"), Ref("aws_eks_cluster", "arn:cluster/apps"), "delete")}


def test_queues_parse_attribute_strings():
    out = sqs.transform_queues([{
        "QueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs",
        "Attributes": {"QueueArn": "arn:aws:sqs:eu-west-1:111122223333:jobs", "VisibilityTimeout": "30",
                       "CreatedTimestamp": "1714979289", "FifoQueue": "false", "SqsManagedSseEnabled": "true",
                       "RedrivePolicy": '{"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 5}'},
        "Tags": {"owner": "ops"}}], SCOPE)
    node = only(out, "aws_sqs_queue")
    assert (node["id"], node["sqs_visibility_timeout"], node["sqs_fifo_queue"]) == ("jobs", 30, False)
    assert node["sqs_managed_sse_enabled"] is True and node["ctime"] == WHEN_TEXT
    assert node["sqs_redrive_policy"] == {"dead_letter_target_arn": "arn:dlq", "max_receive_count": 5}


def test_topics():
    arn = "arn:aws:sns:eu-west-1:111122223333:alerts"
    out = sns.transform_topics([{"TopicArn": arn, "Attributes": {"SubscriptionsConfirmed": "2", "Owner": "1111",
                                                                  "Policy": '{"Statement": []}',
                                                                  "KmsMasterKeyId": "alias/aws/sns"},
                                 "Tags": [{"Key": "owner", "Value": "ops"}]}], SCOPE)
    node = only(out, "aws_sns_topic")
    assert (node["id"], node["name"], node["topic_subscriptions_confirmed"]) == (arn, "alerts", 2)
    assert node["topic_policy"] == {"Statement": []}


def test_keys():
    out = kms.transform_keys([{"KeyId": "k1", "Arn": "arn:key/k1", "KeyState": "Enabled", "Enabled": True,
                               "KeyManager": "CUSTOMER", "CreationDate": WHEN, "AWSAccountId": "111122223333",
                               "MultiRegionConfiguration": {"MultiRegionKeyType": "PRIMARY",
                                                            "PrimaryKey": {"Arn": "arn:key/k1", "Region": "eu-west-1"}},
                               "KeyRotationEnabled": True, "KeyPolicy": '{"Statement": []}',
                               "Tags": [{"TagKey": "owner", "TagValue": "ops"}]}], SCOPE)
    node = only(out, "aws_kms_key")
    assert node["tags"] == {"owner": "ops"} and node["access_key_status"] == "Enabled"
    assert node["kms_aws_account_id"] == "111122223333" and node["kms_key_rotation_enabled"] is True
    assert node["kms_multiregion_configuration"]["primary_key"] == {"arn": "arn:key/k1", "region": "eu-west-1"}
    assert node["kms_key_policy"] == {"Statement": []}


def test_empty_answers_make_no_nodes():
    for transform, empty in [(ec2_compute.transform_instances, {}), (ec2_network.transform_vpcs, []),
                             (elbv2.transform_load_balancers, {}), (iam.transform_iam, {}), (s3.transform_buckets, [])]:
        out = transform(empty, SCOPE)
        assert out.nodes == [] and out.links == []


def test_account_node_name_and_facts():
    from collectors.aws.account_info import transform_account
    from collectors.aws.config import AwsConfig
    from hookspecs import Account

    account = Account(id="111122223333", name="prod", extra={"profile": "ops", "partition": "aws",
                                                             "role_arn": "arn:aws:iam::111122223333:role/Collector"})
    info = {"aliases": ["prod-alias"], "summary": {"Users": 3, "MFADevices": 1},
            "password_policy": {"MinimumPasswordLength": 14},
            "organization": {"Id": "o-1", "Arn": "arn:org", "MasterAccountId": "999"}}
    node = transform_account(info, AwsConfig.from_section({}), account)
    assert reported_problems(KINDS, node) == []
    assert (node["name"], node["account_alias"], node["role"], node["profile"]) == ("prod-alias", "prod-alias",
                                                                                     "Collector", "ops")
    assert (node["users"], node["mfa_devices"], node["minimum_password_length"]) == (3, 1, 14)
    assert node["is_organization_member"] is True and node["is_organization_master"] is False
    assert transform_account({}, AwsConfig.from_section({"prefer_account_alias_as_name": False}), account)["name"] \
        == "prod"
    assert transform_account(info, AwsConfig.from_section({"prefer_profile_as_account_name": True}),
                             account)["name"] == "ops"
