"""How declarations become nodes, beyond what each kind's fixture shows: value paths, status mappings, items
left out, odd values reported and left out, the account node."""
from __future__ import annotations

import pytest

from collectors.aws.account_info import transform_account
from collectors.aws.config import AwsConfig
from collectors.aws.kind import value, values
from collectors.aws.model import model_kinds
from collectors.aws.shape import BadItem, Scope, node
from collectors.aws.table import BY_NAME, items_of
from hookspecs import Account

from .model_check import load_kinds, reported_problems

KINDS = load_kinds(model_kinds())
SCOPE = Scope(account_id="111122223333", region="eu-west-1", region_name="eu-west-1")


def test_paths_walk_dicts_and_lists():
    item = {"A": {"B": 1}, "L": [{"X": "a"}, {"X": None}, {"Y": 2}, {"X": "b"}], "S": ["p", "q"]}
    assert value(item, "A.B") == 1 and value(item, "A.C") is None and value(item, "Q.R") is None
    assert values(item, "L[].X") == ["a", "b"] and value(item, "L[].X") == ["a", "b"]
    assert values(item, "S[]") == ["p", "q"] and values(item, lambda i: i["A"]["B"]) == [1]


@pytest.mark.parametrize("state,status", [("pending", "busy"), ("stopped", "stopped"), ("terminated", "terminated"),
                                          ("weird", "unknown")])
def test_instance_status_mapping(state, status):
    made = node(BY_NAME["aws_ec2_instance"], {"InstanceId": "i-2", "State": {"Name": state}}, SCOPE)
    assert made.reported["instance_status"] == status


def test_deleted_nat_gateways_are_no_resources():
    kind = BY_NAME["aws_ec2_nat_gateway"]
    assert [i["NatGatewayId"] for i in items_of(kind, [{"NatGatewayId": "nat-1", "State": "available"},
                                                       {"NatGatewayId": "nat-2", "State": "deleted"}])] == ["nat-1"]


def test_kinds_sharing_a_fetch_pick_their_items():
    result = {"Instances": [{"InstanceId": "i-1"}], "InstanceTypes": [{"InstanceType": "t3.micro"}]}
    assert items_of(BY_NAME["aws_ec2_instance"], result) == [{"InstanceId": "i-1"}]
    assert items_of(BY_NAME["aws_ec2_instance_type"], result) == [{"InstanceType": "t3.micro"}]
    assert items_of(BY_NAME["aws_ec2_volume_type"], [{"VolumeType": "gp3"}, {"VolumeType": "gp3"}, {}]) == \
        [{"VolumeType": "gp3"}]
    assert items_of(BY_NAME["aws_ec2_instance"], {}) == []


def test_an_odd_value_costs_that_property_and_is_reported():
    problems = []
    made = node(BY_NAME["aws_ec2_volume"], {"VolumeId": "vol-1", "Size": "eight", "Iops": 3000,
                                            "Attachments": "not a list of objects"}, SCOPE, problems)
    assert "volume_size" not in made.reported and made.reported["volume_iops"] == 3000
    assert reported_problems(KINDS, made.reported) == []
    assert sorted(str(p).split(":")[0] for p in problems) == ["aws_ec2_volume.volume_attachments[0]",
                                                             "aws_ec2_volume.volume_size"]


def test_an_item_without_id_is_refused():
    with pytest.raises(BadItem, match="aws_ec2_volume"):
        node(BY_NAME["aws_ec2_volume"], {"Size": 8}, SCOPE)


def test_phantom_kinds_are_marked():
    made = node(BY_NAME["aws_ec2_volume_type"], {"VolumeType": "gp2"}, SCOPE)
    assert made.metadata == {"phantom": True}
    assert "phantom" not in (node(BY_NAME["aws_ec2_volume"], {"VolumeId": "v"}, SCOPE).metadata or {})


def test_account_node_name_and_facts():
    account = Account(id="111122223333", name="prod", extra={"profile": "ops", "partition": "aws",
                                                             "role_arn": "arn:aws:iam::111122223333:role/Collector"})
    info = {"aliases": ["prod-alias"], "summary": {"Users": 3, "MFADevices": 1},
            "password_policy": {"MinimumPasswordLength": 14},
            "organization": {"Id": "o-1", "Arn": "arn:org", "MasterAccountId": "999"}}
    reported = transform_account(info, AwsConfig.from_section({}), account)
    assert reported_problems(KINDS, reported) == []
    assert (reported["name"], reported["account_alias"], reported["role"], reported["profile"]) == \
        ("prod-alias", "prod-alias", "Collector", "ops")
    assert (reported["users"], reported["mfa_devices"], reported["minimum_password_length"]) == (3, 1, 14)
    assert (reported["groups"], reported["max_password_age"], reported["password_reuse_prevention"]) == (0, 0, 0)
    assert reported["is_organization_member"] is True and reported["is_organization_master"] is False
    assert transform_account({}, AwsConfig.from_section({"prefer_account_alias_as_name": False}),
                             account)["name"] == "prod"
    assert transform_account(info, AwsConfig.from_section({"prefer_profile_as_account_name": True}),
                             account)["name"] == "ops"
