"""The moto world's identity and messaging resources, beside what ``world.py`` makes: in every account a server
certificate; in every account and region a secret (encrypted with the region's KMS key), a subscription of the
region's topic (through a role), a platform application (its events go to that topic) with one endpoint, and an
Athena data catalog. Each member account moves into an organizational unit of its own, below a ``workloads``
unit that the organization's root holds, so the management account has a tree of units to collect.

Not here: Cognito user pools (moto has no tag calls for them: ``test_kinds_identity.py`` makes its own pools
where the recorded tag answers serve them) and the root user (moto's credential report has no root row)."""
from __future__ import annotations

import json

import boto3

from .world import MANAGEMENT_ACCOUNT, AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
CERTIFICATE = "shop-tls"
SECRET = "db-password"
APPLICATION = "shop-push"
CATALOG = "sales_glue"
WORKLOADS = "workloads"  # the unit below the root that holds each member's own unit
SUBSCRIPTION_ROLE = "fn-role"  # a role world.py makes in every account

# not a real certificate: moto keeps what it is given
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW29ybGQ=\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgE=\n-----END PRIVATE KEY-----"


def unit_name(estate: AccountEstate) -> str:
    return f"team-{estate.name}"


def populate_account(session: boto3.Session, endpoint: str, estate: AccountEstate) -> None:
    iam = session.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    iam.upload_server_certificate(ServerCertificateName=CERTIFICATE, CertificateBody=PEM, PrivateKey=KEY,
                                  Path="/cloudfront/")
    estate.more["aws_iam_server_certificate"] = [CERTIFICATE]
    if estate.account_id != MANAGEMENT_ACCOUNT:
        _move_into_own_unit(endpoint, estate)


def _move_into_own_unit(endpoint: str, estate: AccountEstate) -> None:
    """With the management account's credentials (the environment's): root → workloads → team-<name> ∋ account."""
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
    root = org.list_roots()["Roots"][0]["Id"]
    units = {u["Name"]: u["Id"] for u in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]}
    workloads = units.get(WORKLOADS) or org.create_organizational_unit(
        ParentId=root, Name=WORKLOADS)["OrganizationalUnit"]["Id"]
    own = org.create_organizational_unit(ParentId=workloads, Name=unit_name(estate))["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=estate.account_id, SourceParentId=root, DestinationParentId=own)


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    account = estate.account_id
    client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps({"password": "not-a-secret"}),
                                           Description="orders database", KmsKeyId=here.key_id, Tags=OWNER)

    sns = client("sns")
    subscription = sns.subscribe(
        TopicArn=here.topic_arn, Protocol="firehose",
        Endpoint=f"arn:aws:firehose:{region}:{account}:deliverystream/alerts-archive",
        Attributes={"SubscriptionRoleArn": f"arn:aws:iam::{account}:role/{SUBSCRIPTION_ROLE}"},
        ReturnSubscriptionArn=True)["SubscriptionArn"]
    application = sns.create_platform_application(Name=APPLICATION, Platform="GCM", Attributes={
        "PlatformCredential": "not-a-key", "EventEndpointCreated": here.topic_arn})["PlatformApplicationArn"]
    endpoint_arn = sns.create_platform_endpoint(PlatformApplicationArn=application, Token=f"device-{region}",
                                                CustomUserData="user-42")["EndpointArn"]

    client("athena").create_data_catalog(Name=CATALOG, Type="GLUE", Description="Glue catalog of the sales account",
                                         Parameters={"catalog-id": account}, Tags=OWNER)

    here.more.update({"aws_secretsmanager_secret": [SECRET], "aws_sns_subscription": [subscription],
                      "aws_sns_platform_application": [application], "aws_sns_endpoint": [endpoint_arn],
                      "aws_athena_data_catalog": [CATALOG]})
