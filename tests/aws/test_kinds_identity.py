"""Identity, organization, secrets, SNS and Athena catalog kinds against moto in server mode, and through the fault
proxy where moto cannot serve them, with the answers AWS sends (``recorded/``):

* the moto world (``world_identity.py``): server certificates, secrets, SNS subscriptions, platform applications
  and their endpoints, Athena data catalogs in each member account; the organization's root and units in the
  management account only, in an upload resotocore's own code accepts;
* recorded: the root user and its keys (a credential report with a ``<root_account>`` row, which moto's never
  has), Cognito pool tags (moto has no tag calls for Cognito), the organization tree as Organizations sends it,
  and the mutating calls moto lacks (server certificate tags, data catalog deletion).

Changes happen in an account of this module alone (moto lets any account be assumed into) and in a region no
other test collects, so the world stays as built for the other tests."""
from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Dict, List, Optional

import boto3
import pytest

from collectors.aws import plugin
from collectors.aws.model import model_kinds
from collectors.aws.resources import athena, cognito, iam
from collectors.aws.shape import Scope, node
from collectors.aws.table import BY_NAME
from hookspecs import Account
from worker.graph.ids import node_id
from worker.graph.merge import AccountSpool, MergeStream

from .conftest import Collected, accounts_of, collect_account, collect_into_file, org_config, route_to
from .faults import FaultProxy
from .model_check import BASE_KINDS
from .recorded import Recorded
from .world import MANAGEMENT_ACCOUNT, ORG_ROLE, REGIONS, World, lambda_zip, member_session
from .world_identity import APPLICATION, CATALOG, CERTIFICATE, SECRET, SUBSCRIPTION_ROLE, WORKLOADS, unit_name

pytestmark = pytest.mark.e2e

OWN = "515151515151"  # this module's account
OWN_REGION = "ca-central-1"  # collected by no other test
SERVICES = ["iam", "organizations", "secretsmanager", "sns", "athena", "kms", "sqs"]
GLOBAL = "us-east-1"  # the global region's id
MANAGEMENT = Account(id=MANAGEMENT_ACCOUNT, name="master",
                     extra={"profile": None, "partition": "aws", "role_arn": None})
REPORT_HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
                 "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
                 "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
                 "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
                 "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
                 "cert_2_active,cert_2_last_rotated")


def by_region(graph: Collected, kind: str) -> Dict[str, dict]:
    regions = {n["id"]: n["reported"]["id"] for n in graph.of_kind("aws_region")
               if n["reported"]["name"] != "global"}
    located = {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}
    found: Dict[str, dict] = {}
    for item in graph.of_kind(kind):
        assert located[item["id"]] not in found, (kind, located[item["id"]])
        found[located[item["id"]]] = item
    return found


def in_global_region(graph: Collected, item: dict) -> bool:
    (region,) = [n for n in graph.of_kind("aws_region") if n["reported"]["name"] == "global"]
    return graph.has_edge(region, item)


def core_node(reported: dict, region: str, account: str = OWN) -> dict:
    """A node as the core hands it to a tag or delete task."""
    return {"id": "n", "reported": reported, "ancestors": {"account": {"reported": {"id": account}},
                                                          "region": {"reported": {"id": region, "name": region}}}}


def own_client(endpoint: str, service: str, region: str = OWN_REGION, calls: Optional[Counter] = None):
    client = member_session(endpoint, OWN).client(service, region_name=region, endpoint_url=endpoint)
    if calls is not None:
        client.meta.events.register("before-call.*.*", lambda model, **_: calls.update([model.name]))
    return client


def own_section(**more) -> dict:
    return {"account": [OWN], "role": ORG_ROLE, "region": [OWN_REGION], "resource_pool_size": 8,
            "retry_max_attempts": 2, **more}


# ---- the moto world: member accounts ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[0]


@pytest.fixture(scope="module")
def member_graph(world, member, tmp_path_factory) -> Collected:
    return collect_account(member.account_id, tmp_path_factory.mktemp("identity") / "member.ndjson", collect=SERVICES)


def test_member_accounts_have_certificates_secrets_subscriptions_applications_and_catalogs(member, member_graph):
    graph, account = member_graph, member.account_id
    assert graph.progress.errors == [] and graph.result.warning_count == 0

    certificate = graph.by_name("aws_iam_server_certificate", CERTIFICATE)
    reported = certificate["reported"]
    assert reported["arn"] == f"arn:aws:iam::{account}:server-certificate/cloudfront/{CERTIFICATE}"
    assert reported["id"] == "ASCACKCEVSQ6C2EXAMPLE"  # moto's one id for every certificate
    assert reported["path"] == "/cloudfront/" and reported["expires"] == "2012-05-08T01:02:03Z"
    assert reported["ctime"] == "2010-05-08T01:02:03Z" and reported["tags"] == {}
    assert "dns_names" not in reported  # the reference leaves the base kind's list out
    assert in_global_region(graph, certificate) and "provider_link" not in certificate["metadata"]
    assert certificate["id"] == node_id("aws_iam_server_certificate", "aws", account, GLOBAL, None, reported["id"],
                                        reported["arn"])
    # only a management account lists the organization; moto's credential report has no root row
    for kind in ("aws_organizational_root", "aws_organizational_unit", "aws_root_user"):
        assert graph.of_kind(kind) == [], kind

    secrets, catalogs = by_region(graph, "aws_secretsmanager_secret"), by_region(graph, "aws_athena_data_catalog")
    assert set(secrets) == set(catalogs) == set(REGIONS)
    for region, here in member.regions.items():
        secret = secrets[region]["reported"]
        assert secret["id"] == secret["name"] == SECRET and secret["tags"] == {"owner": "ops"}
        assert secret["arn"].startswith(f"arn:aws:secretsmanager:{region}:{account}:secret:{SECRET}-")
        assert secret["description"] == "orders database" and secret["created_date"] == secret["ctime"]
        assert list(secret["secret_versions_to_stages"].values()) == [["AWSCURRENT"]]
        assert secrets[region]["metadata"]["provider_link"] == \
            f"https://{region}.console.aws.amazon.com/secretsmanager/home?region={region}#/secret?name={SECRET}"
        key = graph.by_id("aws_kms_key", here.key_id)
        assert graph.has_edge(secrets[region], key) and graph.has_edge(key, secrets[region], "delete")

        topic = graph.by_id("aws_sns_topic", here.topic_arn)
        subscription = graph.by_id("aws_sns_subscription", here.more["aws_sns_subscription"][0])
        reported = subscription["reported"]
        assert reported["subscription_topic_arn"] == here.topic_arn and reported["subscription_owner"] == account
        assert reported["subscription_confirmation_was_authenticated"] is True
        assert reported["subscription_pending_confirmation"] is False
        assert reported["subscription_raw_message_delivery"] is False
        role = graph.by_name("aws_iam_role", SUBSCRIPTION_ROLE)
        assert reported["subscription_role_arn"] == role["reported"]["arn"]
        assert graph.has_edge(topic, subscription)
        assert graph.has_edge(role, subscription) and graph.has_edge(role, subscription, "delete")
        assert subscription["metadata"]["provider_link"].endswith("#/topic/" + reported["arn"].replace(":", "%3A"))

        application = graph.by_id("aws_sns_platform_application", here.more["aws_sns_platform_application"][0])
        assert application["reported"]["arn"].endswith(f":app/GCM/{APPLICATION}")
        assert application["reported"]["application_event_endpoint_created"] == here.topic_arn
        assert graph.has_edge(application, topic)
        endpoint = graph.by_id("aws_sns_endpoint", here.more["aws_sns_endpoint"][0])
        assert endpoint["reported"]["endpoint_enabled"] is True
        assert endpoint["reported"]["endpoint_token"] == f"device-{region}"
        assert graph.has_edge(application, endpoint)

        catalog = catalogs[region]
        assert catalog["reported"]["name"] == CATALOG and catalog["reported"]["tags"] == {"owner": "ops"}
        assert catalog["reported"]["arn"] == f"arn:aws:athena:{region}:{account}:datacatalog/{CATALOG}"
        assert catalog["reported"]["datacatalog_type"] == "GLUE"
        assert catalog["reported"]["datacatalog_parameters"] == {"catalog-id": account}
        assert catalog["metadata"]["provider_link"] == \
            f"https://{region}.console.aws.amazon.com/athena/home?region={region}#datacatalog/detail/{CATALOG}"
    # the account's default Glue catalog is left out, as the reference does
    assert all(n["reported"]["name"] != "AwsDataCatalog" for n in graph.of_kind("aws_athena_data_catalog"))


# ---- the organization: management account only -------------------------------------------------------------


def upload_lines(graph: Collected) -> List[str]:
    """The account's upload as the worker's merger sends it: graph root and cloud above the account."""
    spool = AccountSpool("aws", graph.result.account_id, str(graph.path), graph.result.nodes, graph.result.edges)
    return b"".join(MergeStream().add(spool)).decode().splitlines()


def test_the_management_account_has_the_organization_tree_in_an_upload_the_core_accepts(world, real_core,
                                                                                         tmp_path):
    graph = collect_into_file({"region": [GLOBAL], "collect": ["organizations"]}, MANAGEMENT,
                              tmp_path / "management.ndjson")
    assert graph.progress.errors == [] and graph.result.warning_count == 0
    assert graph.of_kind("aws_account")[0]["reported"]["is_organization_master"] is True
    (root,) = graph.of_kind("aws_organizational_root")
    org = boto3.client("organizations", region_name=GLOBAL)
    listed = org.list_roots()["Roots"][0]
    assert (root["reported"]["id"], root["reported"]["name"], root["reported"]["arn"]) == \
        (listed["Id"], "Root", listed["Arn"])
    assert in_global_region(graph, root)
    assert root["id"] == node_id("aws_organizational_root", "aws", MANAGEMENT_ACCOUNT, GLOBAL, None, listed["Id"],
                                 listed["Arn"])
    workloads = graph.by_name("aws_organizational_unit", WORKLOADS)
    assert workloads["reported"]["arn"].startswith("arn:aws:organizations::") and graph.has_edge(root, workloads)
    for member in world.members:
        own = graph.by_name("aws_organizational_unit", unit_name(member))
        assert graph.has_edge(workloads, own) and not graph.has_edge(root, own)
        assert in_global_region(graph, own)
    assert len(graph.of_kind("aws_organizational_unit")) == 1 + len(world.members)

    model = json.loads(BASE_KINDS.read_text()) + model_kinds()
    result = real_core(model, [upload_lines(graph)])
    assert result["model_error"] is None
    (upload,) = result["uploads"]
    assert upload["ok"], upload["error"]
    assert upload["organizational_root"] == root["id"]  # the core keeps the structure above the accounts


def test_the_organization_from_recorded_answers_is_walked_once(aws_env, monkeypatch, tmp_path):
    """One recorded answer for every parent: the unit is listed under the root and again under itself, which
    the walk must not follow."""
    recorded = Recorded()
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file({"region": [GLOBAL], "collect": ["organizations"]}, MANAGEMENT,
                                  tmp_path / "recorded.ndjson")
    assert graph.progress.errors == []
    assert recorded.served[("organizations", "ListRoots")] == 1
    assert recorded.served[("organizations", "ListOrganizationalUnitsForParent")] == 2
    root = graph.by_id("aws_organizational_root", "r-ab12")
    (unit,) = graph.of_kind("aws_organizational_unit")
    assert unit["reported"]["id"] == "ou-ab12-5kx9q2n7" and unit["reported"]["name"] == WORKLOADS
    assert unit["reported"]["arn"] == "arn:aws:organizations::210987654321:ou/o-a1b2c3d4e5/ou-ab12-5kx9q2n7"
    assert graph.has_edge(root, unit) and not graph.has_edge(unit, unit)


# ---- the root user: a credential report with its row, as IAM sends it -----------------------------------


def report_row(user: str, arn: str, **columns: str) -> str:
    values = {name: "N/A" for name in REPORT_HEADER.split(",")}
    values.update(user=user, arn=arn, user_creation_time="2024-01-02T03:04:05+00:00", password_enabled="false",
                  mfa_active="false", access_key_1_active="false", access_key_2_active="false",
                  cert_1_active="false", cert_2_active="false")
    values.update(columns)
    return ",".join(values[name] for name in REPORT_HEADER.split(","))


def credential_report_answer(account: str, users: List[str]) -> dict:
    rows = [report_row(u, f"arn:aws:iam::{account}:user/{u}", password_enabled="true",
                       password_last_used="2024-06-01T10:00:00+00:00") for u in users]
    rows.append(report_row(
        "<root_account>", f"arn:aws:iam::{account}:root", user_creation_time="2019-04-01T09:00:00+00:00",
        password_enabled="not_supported", password_last_used="2024-06-03T07:45:12+00:00",
        password_last_changed="not_supported", password_next_rotation="not_supported", mfa_active="true",
        access_key_1_active="true", access_key_1_last_rotated="2020-02-02T10:00:00+00:00",
        access_key_1_last_used_date="2024-05-20T12:00:00+00:00", access_key_1_last_used_region="us-east-1",
        access_key_1_last_used_service="iam"))
    content = base64.b64encode("\n".join([REPORT_HEADER, *rows]).encode()).decode()
    body = ('<?xml version="1.0" encoding="UTF-8"?><GetCredentialReportResponse '
            'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult>'
            f'<Content>{content}</Content><ReportFormat>text/csv</ReportFormat>'
            '<GeneratedTime>2024-06-04T10:00:00Z</GeneratedTime></GetCredentialReportResult><ResponseMetadata>'
            '<RequestId>29f0d54f-d5ed-4b7d-a1c8-2d6aEXAMPLE</RequestId></ResponseMetadata>'
            '</GetCredentialReportResponse>')
    return {"status": 200, "body": body}


def test_the_root_user_and_its_keys_come_from_the_reports_root_row(world, aws_env, monkeypatch, tmp_path):
    member = world.members[1]
    account = member.account_id
    recorded = Recorded()
    recorded.answers[("iam", "GetCredentialReport")] = credential_report_answer(account, member.users)
    section = org_config(region=[GLOBAL], collect=["iam"])
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file(section, accounts_of(section)[account], tmp_path / "root.ndjson")
    assert graph.progress.errors == [] and recorded.served[("iam", "GetCredentialReport")] == 1

    root = graph.by_id("aws_root_user", "root")
    reported = root["reported"]
    assert reported["name"] == "root" and reported["arn"] == f"arn:aws:iam::{account}:root"
    assert root["id"] == node_id("aws_root_user", "aws", account, GLOBAL, None, "root", reported["arn"])
    assert (reported["ctime"], reported["password_last_used"]) == ("2019-04-01T09:00:00Z", "2024-06-03T07:45:12Z")
    assert reported["mfa_active"] is True and reported["password_enabled"] is False  # "not_supported"
    assert "password_last_changed" not in reported and "user_virtual_mfa_devices" not in reported
    assert in_global_region(graph, root) and "provider_link" not in root["metadata"]

    key = graph.by_id("aws_iam_access_key", "root_key_1")
    assert key["id"] == node_id("aws_iam_access_key", "aws", account, GLOBAL, None, "root_key_1")
    assert key["reported"]["name"] == "root_key_1" and key["reported"]["access_key_status"] == "Active"
    assert key["reported"]["atime"] == "2024-05-20T12:00:00Z"
    assert key["reported"]["access_key_last_used"] == {"last_used": "2024-05-20T12:00:00Z", "service_name": "iam",
                                                       "region": "us-east-1", "last_rotated": "2020-02-02T10:00:00Z"}
    assert "provider_link" not in key["metadata"]  # the reference's link needs a user name
    assert graph.has_edge(root, key) and not graph.has_edge(root, key, "delete")
    # the second key was never made: no node, as in the reference
    assert {n["reported"]["id"] for n in graph.of_kind("aws_iam_access_key")} == {"root_key_1", member.access_key}
    # the users read the same report
    user = graph.by_name("aws_iam_user", member.users[0])["reported"]
    assert user["password_enabled"] is True and user["password_last_used"] == "2024-06-01T10:00:00Z"
    assert "atime" not in graph.by_id("aws_iam_access_key", member.access_key)["reported"]

    with pytest.raises(ValueError, match="root user"):
        BY_NAME["aws_iam_access_key"].delete(None, key["reported"])


def test_root_keys_are_kept_when_active_or_ever_rotated_or_used():
    header = REPORT_HEADER.split(",")
    rotated = dict(zip(header, report_row("<root_account>", "arn:aws:iam::111122223333:root",
                                          access_key_2_last_rotated="2021-01-01T00:00:00+00:00").split(",")))
    made = iam.root_user(rotated, {})
    assert [(k["AccessKeyId"], k["Status"]) for k in made["AccessKeys"]] == [("root_key_2", "Inactive")]
    scope = Scope("111122223333", GLOBAL, "global")
    reported = node(BY_NAME["aws_iam_access_key"], made["AccessKeys"][0], scope).reported
    assert reported["access_key_last_used"] == {"last_rotated": "2021-01-01T00:00:00Z"} and "atime" not in reported
    never = dict(zip(header, report_row("<root_account>", "N/A").split(",")))
    made = iam.root_user(never, {"arn:aws:iam::111122223333:root": [{"SerialNumber": "s"}]})
    assert made["AccessKeys"] == [] and made["Arn"] is None and "VirtualMFADevices" not in made
    # no ARN in the row: the reference's template, with the global region's name
    assert node(BY_NAME["aws_root_user"], made, scope).reported["arn"] == \
        "arn:aws:None:global:111122223333:resource/root"


# ---- Cognito: moto's pools, users and groups with recorded tags -------------------------------------------


@pytest.fixture(scope="module")
def pools(aws_env) -> Dict[str, str]:
    """Two pools in this module's account, both with a user ``alice``; one with a group through a role, a custom
    SMS sender function and a KMS key."""
    role = own_client(aws_env, "iam").create_role(
        RoleName="cognito-admins", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    role_arn = role["Role"]["Arn"]
    key_arn = own_client(aws_env, "kms").create_key(Description="pool key")["KeyMetadata"]["Arn"]
    function_arn = own_client(aws_env, "lambda").create_function(
        FunctionName="sms-sender", Runtime="python3.11", Handler="handler.handler", Role=role_arn,
        Code={"ZipFile": lambda_zip()})["FunctionArn"]
    idp = own_client(aws_env, "cognito-idp")
    customers = idp.create_user_pool(PoolName="customers", LambdaConfig={
        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": function_arn}, "KMSKeyID": key_arn})["UserPool"]["Id"]
    partners = idp.create_user_pool(PoolName="partners")["UserPool"]["Id"]
    for pool, users in ((customers, ["alice", "bob"]), (partners, ["alice"])):
        for user in users:
            idp.admin_create_user(UserPoolId=pool, Username=user,
                                  UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"}])
    idp.create_group(GroupName="admins", UserPoolId=customers, RoleArn=role_arn, Precedence=1,
                     Description="Administrators")
    return {"customers": customers, "partners": partners, "role": role_arn, "key": key_arn, "function": function_arn}


def test_cognito_pools_hold_their_users_and_groups_with_the_recorded_tags(pools, aws_env, monkeypatch, tmp_path):
    recorded = Recorded()
    section = own_section(collect=["cognito-idp", "iam", "kms", "lambda"])
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file(section, accounts_of(section)[OWN], tmp_path / "cognito.ndjson")
    assert graph.progress.errors == []
    assert recorded.served[("cognito-idp", "ListTagsForResource")] == 2  # one per pool

    customers_id, region = pools["customers"], OWN_REGION
    customers = graph.by_id("aws_cognito_user_pool", customers_id)
    reported = customers["reported"]
    assert reported["name"] == "customers" and reported["tags"] == {"team": "identity", "owner": "ops"}
    assert reported["arn"] == f"arn:aws:cognito-idp:{region}:{OWN}:userpool/{customers_id}"
    assert customers["id"] == node_id("aws_cognito_user_pool", "aws", OWN, region, None, customers_id, reported["arn"])
    assert reported["lambda_config"]["custom_sms_sender"]["lambda_arn"] == pools["function"]
    assert customers["metadata"]["provider_link"] == \
        f"https://{region}.console.aws.amazon.com/cognito/v2/idp/user-pools/{customers_id}/users?region={region}"
    function = graph.by_id("aws_lambda_function", "sms-sender")
    key = graph.by_name("aws_kms_key", pools["key"].rsplit("/", 1)[-1])
    for used in (function, key):
        assert graph.has_edge(customers, used) and graph.has_edge(used, customers, "delete")

    users = graph.of_kind("aws_cognito_user")
    assert sorted((u["reported"]["name"], u["reported"]["pool_name"]) for u in users) == \
        [("alice", "customers"), ("alice", "partners"), ("bob", "customers")]
    for user in users:
        pool_name = user["reported"]["pool_name"]
        pool = graph.by_id("aws_cognito_user_pool", pools[pool_name])
        arn = f"arn:aws:cognito-idp:{region}:{OWN}:user/{user['reported']['name']}"
        assert user["reported"]["arn"] == arn and graph.has_edge(pool, user)
        # the reference's key: the pool's name tells the two alices apart
        assert user["id"] == node_id("aws_cognito_user", "aws", OWN, region, None, user["reported"]["id"], arn,
                                     pool_name)
        assert user["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/cognito/v2/idp/"
                                                     f"user-pools/{pools[pool_name]}/users/details/"
                                                     f"{user['reported']['name']}?region={region}")
        assert {"name": "email", "value": f"{user['reported']['name']}@example.com"} in \
            user["reported"]["user_attributes"]

    group = graph.by_id("aws_cognito_group", f"{customers_id}:admins")
    assert group["reported"]["name"] == "admins" and group["reported"]["precedence"] == 1
    assert group["reported"]["arn"] == f"arn:aws:cognito-idp:{region}:{OWN}:group/{customers_id}:admins"
    role = graph.by_name("aws_iam_role", "cognito-admins")
    assert graph.has_edge(customers, group)
    assert graph.has_edge(role, group) and graph.has_edge(role, group, "delete")


def test_cognito_gets_ask_three_detail_calls_per_pool(pools, aws_env):
    calls: Counter = Counter()
    with FaultProxy(aws_env, recorded=Recorded()) as proxy:  # the tags: recorded
        client = own_client(proxy.start(), "cognito-idp", calls=calls)
        found = cognito.get_user_pools(client, account={"id": OWN})
    assert len(found["Pools"]) == 2 and len(found["Users"]) == 3 and len(found["Groups"]) == 1
    assert calls == Counter({"ListUserPools": 1, "ListTagsForResource": 2, "ListUsers": 2, "ListGroups": 2})


def test_cognito_tags_go_to_their_calls_and_groups_and_pools_are_deleted(pools, aws_env, monkeypatch):
    idp = own_client(aws_env, "cognito-idp")
    pool = {"kind": "aws_cognito_user_pool", "id": pools["partners"], "name": "partners",
            "arn": f"arn:aws:cognito-idp:{OWN_REGION}:{OWN}:userpool/{pools['partners']}"}
    section = own_section()
    recorded = Recorded()
    with FaultProxy(aws_env, recorded=recorded) as proxy:  # moto has no tag calls for user pools
        route_to(monkeypatch, proxy.start())
        assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=core_node(pool, OWN_REGION),
                                              key="cost-center", value="42") is True
        assert plugin.resotoworker_delete_tag(cloud="aws", config=section, node=core_node(pool, OWN_REGION),
                                              key="cost-center") is True
    assert recorded.served[("cognito-idp", "TagResource")] == recorded.served[("cognito-idp", "UntagResource")] == 1

    route_to(monkeypatch, aws_env)
    group = {"kind": "aws_cognito_group", "id": f"{pools['customers']}:admins", "name": "admins",
             "user_pool_id": pools["customers"]}
    assert plugin.resotoworker_delete_resource(cloud="aws", config=section, node=core_node(group, OWN_REGION))
    assert idp.list_groups(UserPoolId=pools["customers"])["Groups"] == []
    assert plugin.resotoworker_delete_resource(cloud="aws", config=section, node=core_node(pool, OWN_REGION))
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]] == [pools["customers"]]


# ---- the mutating calls moto lacks: server certificate tags, data catalog deletion ---------------------------


def test_server_certificate_tags_go_to_their_calls_and_certificates_are_deleted(aws_env, monkeypatch):
    own_iam = own_client(aws_env, "iam", region=GLOBAL)
    own_iam.upload_server_certificate(ServerCertificateName="own-tls", CertificateBody="body", PrivateKey="key")
    certificate = {"kind": "aws_iam_server_certificate", "id": "ASCACKCEVSQ6C2EXAMPLE", "name": "own-tls",
                   "arn": f"arn:aws:iam::{OWN}:server-certificate/own-tls"}
    section = own_section()
    recorded = Recorded()
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        node_of = core_node(certificate, GLOBAL)
        assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=node_of, key="a", value="b") is True
        assert plugin.resotoworker_delete_tag(cloud="aws", config=section, node=node_of, key="a") is True
    assert recorded.served[("iam", "TagServerCertificate")] == recorded.served[("iam", "UntagServerCertificate")] == 1

    route_to(monkeypatch, aws_env)
    assert plugin.resotoworker_delete_resource(cloud="aws", config=section, node=core_node(certificate, GLOBAL))
    assert "own-tls" not in [c["ServerCertificateName"] for c in
                             own_iam.list_server_certificates()["ServerCertificateMetadataList"]]


def test_data_catalog_tags_change_on_moto_and_deletion_goes_to_its_call(aws_env, monkeypatch):
    client = own_client(aws_env, "athena")
    client.create_data_catalog(Name="own_glue", Type="GLUE", Parameters={"catalog-id": OWN})
    arn = f"arn:aws:athena:{OWN_REGION}:{OWN}:datacatalog/own_glue"
    catalog = {"kind": "aws_athena_data_catalog", "id": "own_glue", "name": "own_glue", "arn": arn}
    section = own_section()
    assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=core_node(catalog, OWN_REGION),
                                          key="cost-center", value="42") is True
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "cost-center", "Value": "42"}]
    assert plugin.resotoworker_delete_tag(cloud="aws", config=section, node=core_node(catalog, OWN_REGION),
                                          key="cost-center") is True
    collected = athena_catalogs(aws_env)
    assert collected["own_glue"]["Tags"] == []  # moto answers InvalidRequestException for no tags: none

    recorded = Recorded()
    with FaultProxy(aws_env, recorded=recorded) as proxy:  # moto cannot delete data catalogs
        route_to(monkeypatch, proxy.start())
        assert plugin.resotoworker_delete_resource(cloud="aws", config=section,
                                                   node=core_node(catalog, OWN_REGION)) is True
    assert recorded.served[("athena", "DeleteDataCatalog")] == 1


def athena_catalogs(endpoint: str) -> Dict[str, dict]:
    return {c["Name"]: c for c in athena.get_data_catalogs(own_client(endpoint, "athena"), account={"id": OWN})}
