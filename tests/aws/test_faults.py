"""Collection under throttling and with refused credentials, through a misbehaving proxy in front of moto."""
from __future__ import annotations

import pytest

from collectors.aws.accounts import AccountUnreachable
from collectors.aws.clients import forget_clients
from collectors.aws.credentials import forget_cached_credentials
from collectors.aws.collect import ResourceError

from .conftest import RecordingProgress, accounts_of, collect_into_file, org_config
from .faults import FaultProxy

pytestmark = pytest.mark.e2e

# every wire protocol the collector meets: EC2, query, JSON, REST-JSON, REST-XML, RPC v2 CBOR
SIGNING_NAMES = {"ec2", "iam", "elasticloadbalancing", "rds", "sns", "sts", "dynamodb", "sqs", "kms", "lambda", "eks",
                 "s3", "monitoring"}


def test_collection_under_throttling_yields_every_resource(world, aws_env, monkeypatch, tmp_path):
    member = world.members[1]
    section = org_config()
    calm = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "calm.ndjson")
    forget_cached_credentials()  # as in a fresh child: STS calls go through the proxy too
    forget_clients()
    with FaultProxy(aws_env, throttle_every=5) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        stormy = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "stormy.ndjson")
    assert stormy.progress.errors == [] and stormy.result.warning_count == 0
    assert set(stormy.nodes) == set(calm.nodes)
    assert stormy.edge_set() == calm.edge_set()
    assert proxy.counts["throttled"] >= proxy.requests // 5 - 1
    assert SIGNING_NAMES <= set(proxy.throttled_services)
    assert calm.progress.retries == {}


def test_retries_under_throttling_reach_progress_retried(world, aws_env, monkeypatch, tmp_path):
    member = world.members[1]
    section = org_config(region=["us-east-1"])
    forget_cached_credentials()
    forget_clients()
    with FaultProxy(aws_env, throttle_every=3) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        graph = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "a.ndjson")
    assert graph.progress.errors == []
    assert set(graph.progress.retries) == {"throttled"}
    # every throttled answer was retried; those of the calls outside the account's clients (STS, listing) aside
    assert 0 < graph.progress.retries["throttled"] <= proxy.counts["throttled"]


def test_a_refused_account_fails_alone(world, aws_env, monkeypatch, tmp_path):
    refused, fine = world.members[0], world.members[2]
    section = org_config(region=["us-east-1"])
    with FaultProxy(aws_env, deny_accounts=[refused.account_id]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        accounts = accounts_of(section)
        assert {refused.account_id, fine.account_id} <= set(accounts)
        with pytest.raises(AccountUnreachable, match=f"{refused.account_id}.*AccessDenied"):
            collect_into_file(section, accounts[refused.account_id], tmp_path / "refused.ndjson")
        graph = collect_into_file(section, accounts[fine.account_id], tmp_path / "fine.ndjson")
    assert proxy.counts["denied"] >= 1
    assert graph.progress.errors == []
    assert len(graph.of_kind("aws_ec2_instance")) == 2


def test_a_refused_service_is_reported_and_the_rest_of_the_account_kept(world, aws_env, monkeypatch, tmp_path):
    member = world.members[2]
    section = org_config()
    progress = RecordingProgress()
    with FaultProxy(aws_env, deny_services=[(member.account_id, "dynamodb"), (member.account_id, "monitoring")]) \
            as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        graph = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "a.ndjson", progress)
    assert len(progress.errors) == 4  # two services in two regions
    for region in ("us-east-1", "eu-central-1"):
        for service in ("dynamodb", "cloudwatch"):
            assert any(f"aws account {member.account_id} region {region} service {service} " in e and
                       "AccessDeniedException" in e for e in progress.errors), (region, service, progress.errors)
    assert graph.of_kind("aws_dynamodb_table") == [] and graph.of_kind("aws_cloudwatch_alarm") == []
    assert len(graph.of_kind("aws_ec2_instance")) == 4 and len(graph.of_kind("aws_lambda_function")) == 2
    assert sorted(progress.parts_done) == sorted(["global", "us-east-1", "eu-central-1"])
    assert graph.result.warning_count == 0


def test_discard_account_on_resource_error_fails_the_account(world, aws_env, monkeypatch, tmp_path):
    member = world.members[2]
    section = org_config(region=["us-east-1"], discard_account_on_resource_error=True)
    with FaultProxy(aws_env, deny_services=[(member.account_id, "sqs")]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        with pytest.raises(ResourceError, match="service sqs"):
            collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "a.ndjson")


def test_a_service_not_enabled_in_a_region_is_reported_once_and_the_rest_kept(world, aws_env, monkeypatch, tmp_path):
    member = world.members[1]
    section = org_config()
    progress = RecordingProgress()
    with FaultProxy(aws_env, opt_out=[("ec2", "eu-central-1")]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        graph = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "a.ndjson", progress)
    assert proxy.counts["not_enabled"] > 1  # every EC2 fetch of the region met it
    assert len(progress.errors) == 1 and "region eu-central-1 service ec2" in progress.errors[0]
    assert "OptInRequired" in progress.errors[0]
    regions = {n["reported"]["arn"].split(":")[3] for n in graph.of_kind("aws_ec2_instance")}
    assert regions == {"us-east-1"}
    assert {n["reported"]["arn"].split(":")[3] for n in graph.of_kind("aws_sqs_queue")} == {"us-east-1", "eu-central-1"}


def test_a_field_of_an_odd_type_costs_that_property_only(world, aws_env, monkeypatch, tmp_path):
    member = world.members[1]
    section = org_config(region=["us-east-1"])
    progress = RecordingProgress()

    def odd_visibility(service: str, answer: bytes) -> bytes:
        return answer.replace(b'"VisibilityTimeout": "30"', b'"VisibilityTimeout": "thirty"') if service == "sqs" \
            else answer

    with FaultProxy(aws_env, rewrite=odd_visibility) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.start())
        graph = collect_into_file(section, accounts_of(section)[member.account_id], tmp_path / "a.ndjson", progress)
    (queue,) = graph.of_kind("aws_sqs_queue")
    assert "sqs_visibility_timeout" not in queue["reported"] and queue["reported"]["sqs_maximum_message_size"] > 0
    assert progress.errors == [f"aws account {member.account_id} region us-east-1: aws_sqs_queue.sqs_visibility_timeout: "
                               f"not a number: 'thirty'"]
