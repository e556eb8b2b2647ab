"""The moto world's file systems (with a mount target, an access point and a policy), Aurora clusters (with a
member instance and a manual snapshot), Redshift clusters, ElastiCache clusters and replication groups, Kinesis
streams and OpenSearch domains: one of each in every account and region, beside what ``world.py`` makes there.
Glacier vaults and DynamoDB global tables are not here: moto serves neither fully (``test_kinds_data.py``
collects them from recorded answers).

What this adds to the other kinds' counts: an RDS instance (the cluster's member) and its automated snapshot, and
the mount target's network interface, in every region."""
from __future__ import annotations

import json

import boto3

from .world import AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
FILE_SYSTEM_NAME = "shared"
ACCESS_POINT_NAME = "uploads"
DB_CLUSTER = "orders-cluster"
DB_CLUSTER_MEMBER = "orders-cluster-1"
DB_CLUSTER_SNAPSHOT = "orders-cluster-manual"
WAREHOUSE = "warehouse"
CACHE_CLUSTER = "sessions"
REPLICATION_GROUP = "cache-rg"
STREAM = "events"
DOMAIN = "search"


def _mount_policy(file_system_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "mount", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["elasticfilesystem:ClientWrite", "elasticfilesystem:ClientMount"], "Resource": file_system_arn}]})


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    efs = client("efs")
    fs = efs.create_file_system(CreationToken=f"shared-{region}", Encrypted=True, KmsKeyId=here.key_id,
                                Tags=[{"Key": "Name", "Value": FILE_SYSTEM_NAME}, *OWNER])
    efs.put_file_system_policy(FileSystemId=fs["FileSystemId"], Policy=_mount_policy(fs["FileSystemArn"]))
    mount_target = efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=here.subnets[0],
                                           SecurityGroups=[here.security_group])
    access_point = efs.create_access_point(
        FileSystemId=fs["FileSystemId"], Tags=[{"Key": "Name", "Value": ACCESS_POINT_NAME}, *OWNER],
        PosixUser={"Uid": 1001, "Gid": 1001},
        RootDirectory={"Path": "/uploads", "CreationInfo": {"OwnerUid": 1001, "OwnerGid": 1001, "Permissions": "750"}})

    rds = client("rds")
    rds.create_db_cluster(DBClusterIdentifier=DB_CLUSTER, Engine="aurora-postgresql", MasterUsername="admin",
                          MasterUserPassword="secret-password", VpcSecurityGroupIds=[here.security_group],
                          StorageEncrypted=True, KmsKeyId=here.key_id, Tags=OWNER)
    rds.create_db_instance(DBInstanceIdentifier=DB_CLUSTER_MEMBER, DBInstanceClass="db.r5.large",
                           Engine="aurora-postgresql", DBClusterIdentifier=DB_CLUSTER)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=DB_CLUSTER_SNAPSHOT, DBClusterIdentifier=DB_CLUSTER,
                                   Tags=[{"Key": "Name", "Value": "nightly"}])

    client("redshift").create_cluster(
        ClusterIdentifier=WAREHOUSE, NodeType="dc2.large", MasterUsername="admin", MasterUserPassword="Secret-pass1",
        VpcSecurityGroupIds=[here.security_group], IamRoles=[f"arn:aws:iam::{estate.account_id}:role/fn-role"],
        Encrypted=True, KmsKeyId=here.key_id, Tags=OWNER)

    elasticache = client("elasticache")
    elasticache.create_cache_cluster(CacheClusterId=CACHE_CLUSTER, Engine="redis", CacheNodeType="cache.t3.micro",
                                     NumCacheNodes=1, Tags=OWNER)
    elasticache.create_replication_group(ReplicationGroupId=REPLICATION_GROUP, ReplicationGroupDescription="cache",
                                         Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=1,
                                         AtRestEncryptionEnabled=True, KmsKeyId=here.key_id, Tags=OWNER)

    kinesis = client("kinesis")
    kinesis.create_stream(StreamName=STREAM, ShardCount=2)
    kinesis.add_tags_to_stream(StreamName=STREAM, Tags={"owner": "ops"})
    kinesis.start_stream_encryption(StreamName=STREAM, EncryptionType="KMS", KeyId=here.key_id)

    domain = client("opensearch").create_domain(
        DomainName=DOMAIN, EngineVersion="OpenSearch_2.5",
        ClusterConfig={"InstanceType": "m5.large.search", "InstanceCount": 1},
        VPCOptions={"SubnetIds": [here.subnets[0]], "SecurityGroupIds": [here.security_group]},
        AccessPolicies=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}]}))["DomainStatus"]

    here.more.update({
        "aws_efs_file_system": [fs["FileSystemId"]], "aws_efs_mount_target": [mount_target["MountTargetId"]],
        "aws_efs_access_point": [access_point["AccessPointId"]], "aws_rds_cluster": [DB_CLUSTER],
        "aws_rds_instance": [DB_CLUSTER_MEMBER],  # the cluster can go only once its member is gone
        "aws_rds_cluster_snapshot": [DB_CLUSTER_SNAPSHOT], "aws_redshift_cluster": [WAREHOUSE],
        "aws_elasticache_cache_cluster": [CACHE_CLUSTER], "aws_elasticache_replication_group": [REPLICATION_GROUP],
        "aws_kinesis_stream": [STREAM], "aws_opensearch_domain": [domain["DomainId"]],
    })
