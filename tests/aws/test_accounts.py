"""Which accounts are listed, how they are reached, and what assuming roles costs."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from collectors.aws import plugin
from collectors.aws.accounts import AccountUnreachable, account_session, session_for_account_id
from collectors.aws.config import AwsConfig
from collectors.aws.credentials import identity

from .conftest import RecordingProgress, collect_into_file, org_config
from .faults import FaultProxy
from .world import MANAGEMENT_ACCOUNT, ORG_ROLE

pytestmark = pytest.mark.e2e

ROLE_OF = "arn:aws:iam::{}:role/" + ORG_ROLE


def listed(section):
    return {a.id: a for a in plugin.resotoworker_list_accounts(cloud="aws", config=section)}


def test_scrape_org_lists_every_account_the_members_through_the_role(world):
    accounts = listed(org_config())
    assert set(accounts) == {MANAGEMENT_ACCOUNT} | {m.account_id for m in world.members}
    assert accounts[MANAGEMENT_ACCOUNT].extra["role_arn"] is None  # the caller's own account: own credentials
    for member in world.members:
        account = accounts[member.account_id]
        assert account.name == member.name
        assert account.extra["role_arn"] == ROLE_OF.format(member.account_id)
        json.dumps(account.extra)  # crosses a process boundary


def test_scrape_org_minus_excluded_accounts_and_the_current_one(world):
    excluded = world.members[1].account_id
    accounts = listed(org_config(scrape_exclude_account=[excluded], do_not_scrape_current=True))
    assert set(accounts) == {world.members[0].account_id, world.members[2].account_id}


def test_explicit_accounts_through_the_role(world):
    wanted = [world.members[0].account_id, world.members[2].account_id]
    accounts = listed({"account": wanted, "role": ORG_ROLE, "region": ["us-east-1"]})
    assert list(accounts) == wanted
    assert all(a.extra["role_arn"] == ROLE_OF.format(a.id) for a in accounts.values())


def test_explicit_accounts_without_a_role_are_refused(world):
    with pytest.raises(AccountUnreachable, match="aws.role"):
        listed({"account": [world.members[0].account_id]})


def test_without_org_or_accounts_the_callers_account_is_collected(world):
    assert {a: x.extra["role_arn"] for a, x in listed({}).items()} == {MANAGEMENT_ACCOUNT: None}
    assumed = listed({"role": ORG_ROLE, "assume_current": True})
    assert assumed[MANAGEMENT_ACCOUNT].extra["role_arn"] == ROLE_OF.format(MANAGEMENT_ACCOUNT)


def test_profiles_are_bases_and_can_name_the_account(world):
    accounts = listed({"profiles": ["ops"], "prefer_profile_as_account_name": True})
    assert accounts[MANAGEMENT_ACCOUNT].extra["profile"] == "ops" and accounts[MANAGEMENT_ACCOUNT].name == "ops"
    session = account_session(AwsConfig.from_section({"profiles": ["ops"]}), accounts[MANAGEMENT_ACCOUNT])
    assert session.profile_name == "ops"


def test_org_listing_through_its_own_role(world, aws_env, monkeypatch):
    iam = boto3.client("iam", region_name="us-east-1")
    reader = iam.create_role(RoleName="org-reader", AssumeRolePolicyDocument=json.dumps({"Statement": []}))["Role"]
    with FaultProxy(aws_env) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        accounts = listed(org_config(scrape_org_role_arn=reader["Arn"]))
    assert set(accounts) >= {m.account_id for m in world.members}
    assert proxy.assume_role_calls[reader["Arn"]] == 1


def test_one_assume_role_per_account_for_collect_and_tasks(world, aws_env, monkeypatch, tmp_path):
    member = world.members[0]
    section = org_config(region=["us-east-1"])
    with FaultProxy(aws_env) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        account = listed(section)[member.account_id]
        graph = collect_into_file(section, account, tmp_path / "a.ndjson", RecordingProgress())
        bucket = graph.by_id("aws_s3_bucket", member.buckets[0])
        node = {"id": bucket["id"], "reported": bucket["reported"],
                "ancestors": {"account": {"reported": {"id": member.account_id}},
                              "region": {"reported": {"id": "us-east-1"}}}}
        for _ in range(2):
            assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=node, key="seen", value="yes")
        assert plugin.resotoworker_delete_tag(cloud="aws", config=section, node=node, key="seen")
    assert graph.progress.errors == []
    assert proxy.assume_role_calls == {ROLE_OF.format(member.account_id): 1}


def test_assumed_credentials_are_refreshed_before_they_expire(world, aws_env, monkeypatch):
    member = world.members[1]
    config = AwsConfig.from_section(org_config(role_duration_seconds=900))
    with FaultProxy(aws_env) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        session = session_for_account_id(config, member.account_id)
        credentials = session.get_credentials()
        assert not credentials.refresh_needed() and credentials.refresh_needed(refresh_in=900)
        assert identity(session, config).account_id == member.account_id
        first = credentials.get_frozen_credentials().access_key
        # 13 of 15 minutes later: still valid, but inside the refresh window
        later = datetime.now(timezone.utc) + timedelta(minutes=13)
        monkeypatch.setattr(credentials, "_time_fetcher", lambda: later)
        second = credentials.get_frozen_credentials().access_key
    assert first != second
    assert proxy.assume_role_calls[ROLE_OF.format(member.account_id)] == 2


def test_session_for_a_node_account(world):
    config = AwsConfig.from_section(org_config())
    member = world.members[2]
    assert identity(session_for_account_id(config, member.account_id), config).account_id == member.account_id
    assert identity(session_for_account_id(config, MANAGEMENT_ACCOUNT), config).account_id == MANAGEMENT_ACCOUNT
    with pytest.raises(AccountUnreachable):
        session_for_account_id(AwsConfig.from_section({}), member.account_id)
