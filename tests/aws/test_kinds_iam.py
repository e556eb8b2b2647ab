"""IAM behaviour a fixture cannot show: what ``get_iam`` asks for and how (pages, detail calls, the bounded
wait for the credential report), the report's key columns matched to keys, and the deletes that detach
first. Offline tests use botocore's Stubber; the others run on this package's moto server, in an account
of their own (moto acts in the account of assumed-role credentials) so that the other tests' estate
stays as built."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from collectors.aws.resources import iam
from collectors.aws.shape import Scope, node
from collectors.aws.table import BY_NAME

pytestmark = pytest.mark.e2e

FILTER = {"Filter": ["User", "Role", "Group", "LocalManagedPolicy"]}
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
          "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
          "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service\n")
ROW_A = ("a,arn:aws:iam::1:user/a,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-01T00:00:00+00:00,"
         "2024-02-01T00:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A\n")
SCOPE = Scope("111122223333", "us-east-1", "global")
OWN_ACCOUNT = "210987654321"


def offline():
    return boto3.client("iam", region_name="us-east-1", endpoint_url="https://example.invalid",
                        aws_access_key_id="k", aws_secret_access_key="s")


@pytest.fixture
def no_sleep(monkeypatch):
    waits = []
    monkeypatch.setattr(iam.time, "sleep", waits.append)
    return waits


def test_get_iam_merges_pages_and_adds_what_the_details_leave_out(no_sleep):
    client = offline()
    policy = {"Arn": "arn:aws:iam::1:policy/p", "PolicyName": "p"}
    key = {"UserName": "a", "AccessKeyId": "AKIA0000000000000001", "Status": "Active"}
    device = {"SerialNumber": "arn:aws:iam::1:mfa/a",
              "User": {"UserName": "a", "UserId": "AIDA000000000000001A", "Path": "/", "Arn": "arn:aws:iam::1:user/a",
                       "CreateDate": "2024-01-01T00:00:00Z"}}
    with Stubber(client) as stub:
        stub.add_response("generate_credential_report", {"State": "STARTED"}, {})
        stub.add_response("get_account_authorization_details",
                          {"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::1:user/a"}], "IsTruncated": True,
                           "Marker": "m"}, FILTER)
        stub.add_response("get_account_authorization_details",
                          {"UserDetailList": [{"UserName": "b", "Arn": "arn:aws:iam::1:user/b"}], "Policies": [policy],
                           "IsTruncated": False}, {**FILTER, "Marker": "m"})
        stub.add_response("list_policy_tags", {"Tags": [{"Key": "k", "Value": "v"}]}, {"PolicyArn": policy["Arn"]})
        stub.add_response("list_instance_profiles", {"InstanceProfiles": []}, {})
        stub.add_response("list_access_keys", {"AccessKeyMetadata": [key]}, {"UserName": "a"})
        stub.add_response("get_access_key_last_used",
                          {"UserName": "a", "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}},
                          {"AccessKeyId": "AKIA0000000000000001"})
        stub.add_response("list_access_keys", {"AccessKeyMetadata": []}, {"UserName": "b"})
        stub.add_response("list_virtual_mfa_devices", {"VirtualMFADevices": [device]}, {})
        stub.add_response("generate_credential_report", {"State": "COMPLETE"}, {})
        stub.add_response("get_credential_report", {"Content": (HEADER + ROW_A).encode(), "ReportFormat": "text/csv"},
                          {})
        raw = iam.get_iam(client)
    assert no_sleep == []
    a, b = raw["UserDetailList"]
    assert [a["UserName"], b["UserName"]] == ["a", "b"]
    assert raw["Policies"][0]["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [k["AccessKeyId"] for k in raw["AccessKeys"]] == [key["AccessKeyId"]]
    assert a["AccessKeys"] == raw["AccessKeys"]
    assert raw["AccessKeys"][0]["LastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    assert a["CredentialReport"]["password_enabled"] == "false" and a["VirtualMFADevices"] == [device]
    assert b["CredentialReport"] is None and "not in the report" in b["CredentialReportMissing"]
    assert "VirtualMFADevices" not in b


def test_the_wait_for_the_credential_report_is_bounded(no_sleep):
    client = offline()
    with Stubber(client) as stub:
        for _ in range(iam.REPORT_POLLS):
            stub.add_response("generate_credential_report", {"State": "INPROGRESS"}, {})
        rows, missing = iam.credential_report(client, "STARTED")
    assert rows == {} and missing == f"not ready after {iam.REPORT_POLLS} polls"
    assert no_sleep == [iam.REPORT_WAIT] * (iam.REPORT_POLLS - 1)


@pytest.mark.parametrize("operation", ["generate_credential_report", "get_credential_report"])
def test_users_are_collected_without_a_report_that_may_not_be_read(no_sleep, operation):
    client = offline()
    with Stubber(client) as stub:
        if operation == "get_credential_report":
            stub.add_response("generate_credential_report", {"State": "COMPLETE"}, {})
        stub.add_client_error(operation, "AccessDenied")
        state = iam._report_state(client)
        assert iam.credential_report(client, state) == ({}, "AccessDenied")
    assert no_sleep == []


def user_item(**extra):
    return {"UserName": "a", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/a", **extra}


def test_a_user_without_a_report_row_has_no_password_facts():
    reported = node(BY_NAME["aws_iam_user"], user_item(CredentialReport=None, CredentialReportMissing="AccessDenied"),
                    SCOPE).reported
    assert not {"password_enabled", "mfa_active", "password_last_changed", "atime"} & set(reported)
    assert "user_virtual_mfa_devices" not in reported  # the reference leaves it out unless there are devices


def test_report_columns_of_a_key_come_by_creation_time_else_by_position():
    row = dict(zip(HEADER.strip().split(","), ROW_A.strip().split(",")))
    key = {"UserName": "a", "AccessKeyId": "AKIA0000000000000001", "Status": "Active", "CredentialReport": row,
           "LastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
    by_time = iam._key_last_used({**key, "CreateDate": "2024-01-01T00:00:00Z", "ReportPosition": 1})
    assert by_time == {"LastUsedDate": "2024-02-01T00:00:00Z", "ServiceName": "s3", "Region": "eu-west-1",
                       "LastRotated": "2024-01-01T00:00:00Z"}
    # no column group was rotated when this key was made: the second one, by position, has nothing
    assert iam._key_last_used({**key, "CreateDate": "2023-01-01T00:00:00Z", "ReportPosition": 1}) is None
    assert iam._key_last_used({**key, "CreateDate": "2023-01-01T00:00:00Z", "ReportPosition": 0}) == by_time


# ---- against this package's moto server ----------------------------------------------------------

@pytest.fixture
def own_iam(aws_env):
    sts = boto3.client("sts", region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OWN_ACCOUNT}:role/tests",
                            RoleSessionName="iam-kinds")["Credentials"]
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_users_keys_and_report_as_moto_serves_them(own_iam, no_sleep):
    own_iam.create_user(UserName="reporter")
    key = own_iam.create_access_key(UserName="reporter")["AccessKey"]
    raw = iam.get_iam(own_iam)
    user = next(u for u in raw["UserDetailList"] if u["UserName"] == "reporter")
    made = node(BY_NAME["aws_iam_user"], user, SCOPE)
    assert made.reported["password_enabled"] is False and made.reported["mfa_active"] is False
    assert made.reported["password_last_changed"]  # moto: the creation time
    access_key = next(k for k in raw["AccessKeys"] if k["AccessKeyId"] == key["AccessKeyId"])
    reported = node(BY_NAME["aws_iam_access_key"], access_key, SCOPE).reported
    assert reported["name"] == "reporter" and set(reported["access_key_last_used"]) == {"last_rotated"}


def test_users_groups_roles_and_profiles_are_detached_before_they_go(own_iam):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    arn = own_iam.create_policy(PolicyName="doomed", PolicyDocument=doc)["Policy"]["Arn"]
    own_iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc, SetAsDefault=True)
    own_iam.create_group(GroupName="doomed")
    own_iam.attach_group_policy(GroupName="doomed", PolicyArn=arn)
    own_iam.put_group_policy(GroupName="doomed", PolicyName="inline", PolicyDocument=doc)
    own_iam.create_user(UserName="doomed")
    own_iam.add_user_to_group(GroupName="doomed", UserName="doomed")
    own_iam.attach_user_policy(UserName="doomed", PolicyArn=arn)
    own_iam.put_user_policy(UserName="doomed", PolicyName="inline", PolicyDocument=doc)
    key = own_iam.create_access_key(UserName="doomed")["AccessKey"]["AccessKeyId"]
    own_iam.create_access_key(UserName="doomed")
    own_iam.create_login_profile(UserName="doomed", Password="Passw0rd!Passw0rd!")
    own_iam.create_role(RoleName="doomed", AssumeRolePolicyDocument=doc)
    own_iam.attach_role_policy(RoleName="doomed", PolicyArn=arn)
    own_iam.put_role_policy(RoleName="doomed", PolicyName="inline", PolicyDocument=doc)
    own_iam.create_instance_profile(InstanceProfileName="doomed")
    own_iam.add_role_to_instance_profile(InstanceProfileName="doomed", RoleName="doomed")

    def delete(kind: str, **reported):
        BY_NAME[kind].delete(own_iam, {"kind": kind, **reported})

    delete("aws_iam_access_key", id=key, name="doomed")
    assert len(own_iam.list_access_keys(UserName="doomed")["AccessKeyMetadata"]) == 1
    delete("aws_iam_user", id="-", name="doomed")
    delete("aws_iam_group", id="-", name="doomed")
    delete("aws_iam_instance_profile", id="-", name="doomed")
    delete("aws_iam_role", id="-", name="doomed")
    delete("aws_iam_policy", id="-", name="doomed", arn=arn)
    delete("aws_iam_access_key", id=key, name="doomed")  # gone with its user: nothing left to do
    assert "doomed" not in {u["UserName"] for u in own_iam.list_users()["Users"]}
    assert "doomed" not in {g["GroupName"] for g in own_iam.list_groups()["Groups"]}
    assert "doomed" not in {r["RoleName"] for r in own_iam.list_roles()["Roles"]}
    assert "doomed" not in {p["InstanceProfileName"] for p in own_iam.list_instance_profiles()["InstanceProfiles"]}
    assert arn not in {p["Arn"] for p in own_iam.list_policies(Scope="Local")["Policies"]}


def test_tags_go_to_the_calls_of_each_kind(own_iam):
    own_iam.create_user(UserName="tagged")
    own_iam.create_instance_profile(InstanceProfileName="tagged")
    for kind, reported, listed in [
            ("aws_iam_user", {"name": "tagged"}, lambda: own_iam.list_user_tags(UserName="tagged")["Tags"]),
            ("aws_iam_instance_profile", {"name": "tagged"},
             # moto does not serve list_instance_profile_tags
             lambda: own_iam.get_instance_profile(InstanceProfileName="tagged")["InstanceProfile"]["Tags"])]:
        tags = BY_NAME[kind].tags
        tags.update(own_iam, reported, "owner", "me")
        assert listed() == [{"Key": "owner", "Value": "me"}]
        tags.delete(own_iam, reported, "owner")
        assert listed() == []
    assert not BY_NAME["aws_iam_group"].taggable and not BY_NAME["aws_iam_access_key"].taggable


def test_a_password_policy_without_some_fields_says_0_or_false_for_them():
    from collectors.aws.account_info import transform_account
    from collectors.aws.config import AwsConfig
    from hookspecs import Account

    account = Account(id="111122223333", name="prod", extra={})
    policy = {"MinimumPasswordLength": 14, "RequireSymbols": True, "ExpirePasswords": False}
    reported = transform_account({"password_policy": policy}, AwsConfig.from_section({}), account)
    assert (reported["minimum_password_length"], reported["require_symbols"], reported["hard_expiry"],
            reported["max_password_age"], reported["password_reuse_prevention"]) == (14, True, False, 0, 0)
    without = transform_account({}, AwsConfig.from_section({}), account)
    assert "hard_expiry" not in without and "minimum_password_length" not in without
    assert (without["max_password_age"], without["password_reuse_prevention"]) == (0, 0)
