"""The collector's model (kinds exactly as in the reference), shaping, the config schema and the plugin object."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone

import jsonschema
import pluggy
import pytest

from collectors.aws import plugin
import hookspecs
from collectors.aws.config import AwsConfig, config_schema, default_section
from collectors.aws.model import model, model_kinds
from collectors.aws.table import KINDS
from collectors.common.model import parse_time

from .model_check import REFERENCE_MODEL, load_kinds, reported_problems

CAPTURE = REFERENCE_MODEL.parent
TYPE_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
BUILTIN = {"string", "int32", "int64", "float", "double", "boolean", "datetime", "date", "duration", "any",
           "dictionary"}


def reference_kinds():
    return {k["fqn"]: k for k in json.loads(REFERENCE_MODEL.read_text())}


EMITTED_KINDS = ["aws_account", "aws_region"] + [k.name for k in KINDS]


@pytest.mark.skipif(not REFERENCE_MODEL.exists(), reason="the reference capture is not on this machine")
def test_model_json_is_what_the_table_and_the_reference_give():
    done = subprocess.run([sys.executable, "-m", "collectors.aws.gen_model", "--check",
                           str(REFERENCE_MODEL.parent.parent)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not REFERENCE_MODEL.exists(), reason="the reference capture is not on this machine")
def test_model_kinds_are_the_references_exactly():
    ours = {k["fqn"]: k for k in model_kinds()}
    reference = reference_kinds()
    assert set(EMITTED_KINDS) <= set(ours)
    assert all(name.startswith("aws_") for name in ours)
    for name, kind in ours.items():
        assert kind == reference[name], name


def test_every_successor_kind_is_defined():
    kinds = load_kinds(model_kinds())
    for kind in kinds.values():
        for edge, targets in (kind.get("successor_kinds") or {}).items():
            assert set(targets) <= set(kinds), (kind["fqn"], edge)


def test_model_is_closed_over_bases_and_property_types():
    kinds = load_kinds(model_kinds())
    for kind in kinds.values():
        for base in kind.get("bases") or []:
            assert base in kinds, (kind["fqn"], base)
        for prop in kind.get("properties") or []:
            for name in TYPE_NAMES.findall(prop["kind"]):
                assert name in BUILTIN or name in kinds or name.startswith("trafo."), (kind["fqn"], prop)


def test_the_model_checker_catches_wrong_values():
    kinds = load_kinds(model_kinds())
    assert reported_problems(kinds, {"kind": "aws_ec2_volume", "id": "v", "volume_size": "8"})
    assert reported_problems(kinds, {"kind": "aws_ec2_volume", "id": "v", "no_such_property": 1})
    assert reported_problems(kinds, {"kind": "aws_ec2_volume", "id": "v", "volume_status": "melted"})
    assert reported_problems(kinds, {"kind": "aws_ec2_volume", "id": "v", "ctime": "2024-01-01 10:00"})
    assert not reported_problems(kinds, {"kind": "aws_ec2_volume", "id": "v", "volume_size": 8, "tags": {}})


def test_shape_coerces_to_the_declared_types():
    shape = model().shape
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert shape("12", "int64") == 12 and shape(3, "double") == 3.0 and shape("true", "boolean") is True
    assert shape(when, "datetime") == "2024-01-02T03:04:05Z" and shape(when, "string") == "2024-01-02T03:04:05Z"
    assert shape({"a": [1]}, "string") == '{"a": [1]}'
    assert shape('{"a": 1}', "dictionary[string, any]") == {"a": 1}
    assert shape({"a": when}, "any") == {"a": "2024-01-02T03:04:05Z"}
    assert shape("melted", "volume_status") == "unknown"
    assert shape({"AvailabilityZone": "a", "NotInModel": 1}, "aws_ec2_placement") == {"availability_zone": "a"}
    assert shape({"NotInModel": 1}, "aws_ec2_placement") is None  # the reference leaves such a value out
    # nested lists are [] when the API says nothing, as the reference sends them
    assert shape({"ZoneName": "z"}, "aws_alb_availability_zone") == {"zone_name": "z", "load_balancer_addresses": []}
    # a nested field whose property has another name (from nested_fields.json)
    assert shape({"IpOwnerId": "1"}, "aws_ec2_instance_network_interface_association") == {"owner_id": "1"}
    assert parse_time("2024-01-02T05:04:05.123456789+02:00") == "2024-01-02T03:04:05Z"
    assert parse_time("not a time") is None


def test_shape_reported_rejects_undeclared_properties_and_drops_nulls():
    shape_reported = model().shape_reported
    assert shape_reported({"kind": "aws_vpc", "id": "vpc-1", "name": None}) == {
        "kind": "aws_vpc", "id": "vpc-1", "vpc_ipv6_cidr_block_association_set": [],
        "vpc_cidr_block_association_set": []}
    with pytest.raises(KeyError):
        shape_reported({"kind": "aws_vpc", "id": "vpc-1", "colour": "blue"})


def test_config_schema_keeps_every_reference_key_and_default():
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    stored = json.loads((CAPTURE / "config-resoto.worker.json").read_text())["aws"]
    props = schema["properties"]
    for key, value in stored.items():
        assert key in props, key
        if key not in ("account_pool_size", "region"):  # machine- and test-specific values
            assert props[key]["default"] == value, key
        assert props[key]["description"]
    jsonschema.validate(stored, schema)
    jsonschema.validate(default_section(), schema)
    for new_key in ("role_external_id", "role_session_name", "retry_mode", "retry_max_attempts"):
        assert new_key in props


def test_config_defaults_fill_what_is_missing_or_null():
    config = AwsConfig.from_section({"region": None, "collect": None, "role": "R", "retry_mode": "adaptive"})
    assert config.region is None and config.collect == [] and config.role == "R" and config.retry_mode == "adaptive"
    assert config.tasks_per_service("ec2") == 20 and config.tasks_per_service("elb") == 6


def test_the_plugin_object_implements_the_hookspecs():
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(plugin, name="aws")
    manager.check_pending()
    (info,) = manager.hook.resotoworker_collector()
    assert (info.cloud, info.account_kind) == ("aws", "aws_account")
    assert {k["fqn"] for k in info.model} >= set(EMITTED_KINDS)
    assert manager.hook.resotoworker_list_accounts(cloud="azure", config={}) is None
    assert manager.hook.resotoworker_delete_resource(cloud="azure", config={}, node={}) is None


def test_instance_type_facts_are_what_resotodata_holds():
    done = subprocess.run([sys.executable, "-m", "collectors.aws.prices", "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
