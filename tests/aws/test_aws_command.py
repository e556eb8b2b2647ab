"""The ``aws`` work-queue command: its arguments as the AWS CLI spells them, run against moto for a node a
search pipes in, directly, and refused under ``aws.command_read_only``."""
from __future__ import annotations

import pytest
from botocore.session import get_session

from collectors.aws import plugin
from collectors.aws.command import CommandRefused, filled, parameters, parse
from hookspecs import CommandResult

from .world import MANAGEMENT_ACCOUNT, member_session

pytestmark = pytest.mark.e2e


def shape(service: str, operation: str):
    return get_session().get_service_model(service).operation_model(operation).input_shape


def test_arguments_are_read_as_the_aws_cli_spells_them():
    call = parse(["ec2", "describe-instances", "--region", "eu-west-1", "--instance-ids", "i-1", "i-2", "--dry-run",
                  "--max-results", "5", "--filters", '[{"Name": "tag:team", "Values": ["a"]}]'])
    assert (call.service, call.operation, call.where) == ("ec2", "describe-instances", {"region": "eu-west-1"})
    assert parameters(shape("ec2", "DescribeInstances"), call.parameters) == {
        "InstanceIds": ["i-1", "i-2"], "DryRun": True, "MaxResults": 5,
        "Filters": [{"Name": "tag:team", "Values": ["a"]}]}
    assert parameters(shape("ec2", "DescribeInstances"), parse(["ec2", "x", "--no-dry-run"]).parameters) == \
        {"DryRun": False}
    assert parse(["s3api", "list-buckets"]).service == "s3"


@pytest.mark.parametrize("args,why", [
    (["ec2"], "usage"), (["--region", "x", "ec2"], "usage"), (["ec2", "describe-instances", "stray"], "stray"),
    (["ec2", "describe-instances", "--region"], "--region needs a value")])
def test_malformed_arguments_say_what_is_wrong(args, why):
    with pytest.raises(CommandRefused, match=why):
        parameters(shape("ec2", "DescribeInstances"), parse(args).parameters)


def test_parameter_values_of_the_wrong_type_are_refused():
    with pytest.raises(CommandRefused, match="--max-results: a number"):
        parameters(shape("ec2", "DescribeInstances"), parse(["ec2", "x", "--max-results", "many"]).parameters)
    with pytest.raises(CommandRefused, match="not a parameter of this operation"):
        parameters(shape("ec2", "DescribeInstances"), parse(["ec2", "x", "--colour", "blue"]).parameters)
    with pytest.raises(CommandRefused, match="shorthand syntax"):
        parameters(shape("ec2", "DescribeInstances"), parse(["ec2", "x", "--filters", "Name=a,Values=b"]).parameters)


def test_placeholders_are_filled_from_the_node():
    node = {"reported": {"id": "vol-1", "volume_size": 8}, "ancestors": {"region": {"reported": {"id": "eu-west-1"}}}}
    assert filled(["--volume-id", "{id}", "{volume_size}", "{region}"], node) == ["--volume-id", "vol-1", "8",
                                                                                    "eu-west-1"]
    with pytest.raises(CommandRefused, match="no such property"):
        filled(["{colour}"], node)


def run(args, node=None, **section):
    return plugin.resotoworker_run_command(command="aws", config=section, args=args, node=node)


def test_a_node_piped_in_runs_in_its_account_and_region(world):
    member = world.members[0]
    volume = member.regions["eu-central-1"].volume
    node = {"id": "n", "reported": {"kind": "aws_ec2_volume", "id": volume},
            "ancestors": {"account": {"reported": {"id": member.account_id}},
                          "region": {"reported": {"id": "eu-central-1"}}}}
    found = run(["ec2", "describe-volumes", "--volume-ids", "{id}"], node, role="OrganizationAccountAccessRole")
    assert isinstance(found, CommandResult)
    (answer,) = found.value["Volumes"]
    assert answer["VolumeId"] == volume and answer["AvailabilityZone"].startswith("eu-central-1")
    assert isinstance(answer["CreateTime"], str)  # JSON: times as text


def test_a_direct_call_uses_the_collectors_credentials(world):
    assert run(["sts", "get-caller-identity"]).value["Account"] == MANAGEMENT_ACCOUNT
    member = world.members[1]
    other = run(["sts", "get-caller-identity", "--account", member.account_id], role="OrganizationAccountAccessRole")
    assert other.value["Account"] == member.account_id


def test_read_only_refuses_what_changes_aws_and_runs_what_reads(world):
    member = world.members[2]
    instance = member.regions["us-east-1"].instances[0]
    with pytest.raises(CommandRefused, match="command_read_only"):
        run(["ec2", "terminate-instances", "--instance-ids", instance, "--account", member.account_id,
             "--region", "us-east-1"], role="OrganizationAccountAccessRole", command_read_only=True)
    state = member_session(world.endpoint, member.account_id).client("ec2", region_name="us-east-1") \
        .describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state == "running"
    assert run(["ec2", "describe-regions"], command_read_only=True).value["Regions"]


def test_another_command_is_not_ours():
    assert plugin.resotoworker_run_command(command="gcloud", config={}, args=[], node=None) is None
