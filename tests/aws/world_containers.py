"""Containers in the moto world: per account and region an ECS cluster with a capacity provider, a container
instance (on the world's first EC2 instance), a service behind the world's target group, a running task and
its task definition; an ECR repository with a lifecycle policy; an EKS node group; a Beanstalk application.

Beanstalk environments are not made here: moto gives them an empty id and does not serve
DescribeEnvironmentResources, so they come from recorded answers (``test_kinds_containers.py``)."""
from __future__ import annotations

import json

import boto3

CLUSTER = "shop"
SERVICE = "shop-api"
FAMILY = "shop-api"
PROVIDER = "shop-capacity"
REPOSITORY = "shop/api"
# the node group gets a cluster of its own: moto cannot delete a node group's tags, so the mutate tests
# leave node groups alone, and a node group keeps its cluster from being deleted
NODEGROUP_CLUSTER = "batch"
NODEGROUP = "batch-workers"
APPLICATION = "storefront"
OWNER = [{"key": "owner", "value": "ops"}]
LIFECYCLE = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                                         "countUnit": "days", "countNumber": 14},
                        "action": {"type": "expire"}}]}


def populate_region(session: boto3.Session, endpoint: str, region: str, estate, here) -> None:
    account = estate.account_id

    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    ecs = client("ecs")
    ecs.create_capacity_provider(name=PROVIDER, tags=OWNER, autoScalingGroupProvider={
        "autoScalingGroupArn": f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:0:autoScalingGroupName/shop",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 80}, "managedTerminationProtection": "DISABLED"})
    ecs.create_cluster(clusterName=CLUSTER, tags=OWNER, capacityProviders=[PROVIDER],
                       defaultCapacityProviderStrategy=[{"capacityProvider": PROVIDER, "weight": 1}],
                       configuration={"executeCommandConfiguration": {
                           "kmsKeyId": here.key_id, "logging": "OVERRIDE",
                           "logConfiguration": {"s3BucketName": estate.buckets[0]}}})
    instance = ecs.register_container_instance(cluster=CLUSTER, instanceIdentityDocument=json.dumps(
        {"instanceId": here.instances[0], "region": region}))["containerInstance"]
    ecs.register_task_definition(family=FAMILY, taskRoleArn=f"arn:aws:iam::{account}:role/fn-role", tags=OWNER,
                                 containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 64, "memory": 128,
                                                        "portMappings": [{"containerPort": 80}]}])
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=f"{FAMILY}:1", desiredCount=1, tags=OWNER,
                       loadBalancers=[{"targetGroupArn": here.target_group_arn, "containerName": "api",
                                       "containerPort": 80}])
    (task,) = ecs.run_task(cluster=CLUSTER, taskDefinition=FAMILY, launchType="EC2", tags=OWNER,
                           overrides={"taskRoleArn": f"arn:aws:iam::{account}:role/fn-role"})["tasks"]
    here.more.update({
        "aws_ecs_cluster": [CLUSTER], "aws_ecs_capacity_provider": [PROVIDER], "aws_ecs_service": [SERVICE],
        "aws_ecs_task_definition": [f"{FAMILY}:1"], "aws_ecs_task": [task["taskArn"].rsplit("/", 1)[-1]],
        "aws_ecs_container_instance": [instance["containerInstanceArn"].rsplit("/", 1)[-1]]})

    ecr = client("ecr")
    ecr.create_repository(repositoryName=REPOSITORY, imageScanningConfiguration={"scanOnPush": True})
    ecr.put_lifecycle_policy(repositoryName=REPOSITORY, lifecyclePolicyText=json.dumps(LIFECYCLE))
    here.more["aws_ecr_repository"] = [REPOSITORY]

    eks = client("eks")
    eks.create_cluster(name=NODEGROUP_CLUSTER, roleArn=f"arn:aws:iam::{account}:role/node-role",
                       resourcesVpcConfig={"subnetIds": here.subnets})
    eks.create_nodegroup(clusterName=NODEGROUP_CLUSTER, nodegroupName=NODEGROUP, subnets=here.subnets,
                         nodeRole=f"arn:aws:iam::{account}:role/node-role", tags={"owner": "ops"},
                         scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2}, labels={"team": "batch"})
    here.more["aws_eks_nodegroup"] = [NODEGROUP]

    client("elasticbeanstalk").create_application(ApplicationName=APPLICATION)
    here.more["aws_beanstalk_application"] = [APPLICATION]
