"""The resource kinds this collector emits (names as in the reference model, so saved searches keep working)."""

ACCOUNT_KIND = "aws_account"
REGION_KIND = "aws_region"

EMITTED_KINDS = [
    ACCOUNT_KIND,
    REGION_KIND,
    "aws_ec2_instance",
    "aws_ec2_volume",
    "aws_ec2_snapshot",
    "aws_ec2_keypair",
    "aws_vpc",
    "aws_ec2_subnet",
    "aws_ec2_security_group",
    "aws_ec2_internet_gateway",
    "aws_ec2_nat_gateway",
    "aws_ec2_network_interface",
    "aws_ec2_elastic_ip",
    "aws_alb",
    "aws_alb_target_group",
    "aws_s3_bucket",
    "aws_iam_user",
    "aws_iam_group",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_instance_profile",
    "aws_rds_instance",
    "aws_dynamodb_table",
    "aws_lambda_function",
    "aws_cloudwatch_alarm",
    "aws_eks_cluster",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_kms_key",
]
