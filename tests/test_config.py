"""Config layering, validation and overrides."""
import pytest

from worker import args as arguments
from worker.config import OverrideError, WorkerConfig, parse_override, worker_schema
from worker.config_model import config_model
from worker.core.errors import FatalError

SCHEMAS = {"resotoworker": worker_schema(),
           "example": {"type": "object", "properties": {
               "accounts": {"type": "integer", "minimum": 0, "default": 2},
               "region": {"type": ["array", "null"], "items": {"type": "string"}, "default": None}},
               "additionalProperties": False}}


def test_defaults_match_the_reference():
    settings = WorkerConfig(SCHEMAS).resotoworker
    assert settings["graph"] == "resoto" and settings["timeout"] == 10800 and settings["pool_size"] == 5
    assert settings["graph_merge_kind"] == "account" and settings["fork_process"] is True
    assert settings["cleanup"] is False and settings["cleanup_dry_run"] is True and settings["web_port"] == 9956


def test_a_bad_stored_value_names_the_key_and_falls_back():
    config = WorkerConfig(SCHEMAS, {"resotoworker": {"pool_size": -1, "graph": "ok"}, "example": {"accounts": "x"}})
    assert config.resotoworker["pool_size"] == 5 and config.resotoworker["graph"] == "ok"
    assert config.section("example")["accounts"] == 2
    assert any("resotoworker.pool_size" in p and "minimum" in p for p in config.problems)
    assert any("example.accounts" in p for p in config.problems)


def test_reload_keeps_the_previous_good_value():
    first = WorkerConfig(SCHEMAS, {"resotoworker": {"pool_size": 7}})
    second = WorkerConfig(SCHEMAS, {"resotoworker": {"pool_size": 0}}, previous=first)
    assert second.resotoworker["pool_size"] == 7


@pytest.mark.parametrize("stored", [["not", "sections"], "text", 42])
def test_a_config_that_is_not_an_object_is_named_and_the_defaults_apply(stored):
    config = WorkerConfig(SCHEMAS, stored)
    assert config.resotoworker["pool_size"] == 5 and config.problems and "not an object" in config.problems[0]


def test_a_section_of_the_wrong_type_is_named_and_falls_back_to_the_previous_section():
    first = WorkerConfig(SCHEMAS, {"resotoworker": {"pool_size": 7}, "example": {"accounts": 4}})
    second = WorkerConfig(SCHEMAS, {"resotoworker": [1, 2], "example": 3}, previous=first)
    assert second.resotoworker["pool_size"] == 7 and second.section("example")["accounts"] == 4
    assert [p.split(":")[0] for p in second.problems] == ["resotoworker", "example"]


def test_overrides_are_typed_by_the_schema():
    assert parse_override("resotoworker.pool_size=8", SCHEMAS) == ("resotoworker", "pool_size", 8)
    assert parse_override("example.region=a, b", SCHEMAS) == ("example", "region", ["a", "b"])
    assert parse_override("resotoworker.fork_process=false", SCHEMAS)[2] is False
    for bad, reason in [("resotoworker.pool_size=many", "integer"), ("nosection.key=1", "unknown config section"),
                        ("resotoworker.nokey=1", "unknown key"), ("resotoworker", "section.key=value")]:
        with pytest.raises(OverrideError, match=reason):
            parse_override(bad, SCHEMAS)
    config = WorkerConfig(SCHEMAS, {"resotoworker": {"pool_size": 3}}, [("resotoworker", "pool_size", 9)])
    assert config.resotoworker["pool_size"] == 9


def test_restart_required_changes_ignore_overrides():
    overrides = [("resotoworker", "web_port", 1234)]
    old = WorkerConfig(SCHEMAS, {"resotoworker": {"web_port": 1}}, overrides)
    new = WorkerConfig(SCHEMAS, {"resotoworker": {"web_port": 2}}, overrides)
    assert new.restart_required_changes(old) == []
    assert WorkerConfig(SCHEMAS, {"resotoworker": {"collector": ["x"]}}, overrides).restart_required_changes(old) == \
        ["resotoworker.collector"]


def test_config_model_has_the_reference_kinds():
    kinds = {k["fqn"]: k for k in config_model(SCHEMAS)}
    props = {p["name"]: p for p in kinds["resotoworker"]["properties"]}
    assert props["collector"]["kind"] == "string[]" and props["collector"]["required"] is True
    assert props["graph_merge_kind"]["kind"] == "graph_merge_kind"
    assert kinds["graph_merge_kind"]["enum"] == ["cloud", "account"]
    assert props["tempdir"]["required"] is False
    assert props["write_files_to_home_dir"]["kind"] == "resotoworker_home_directory_file[]"
    assert props["files_in_home_dir"]["kind"] == "dictionary[string, string]"
    assert {p["name"] for p in kinds["example"]["properties"]} == {"accounts", "region"}


def test_environment_variables_and_their_quirks_fixed():
    env = {"RESOTOWORKER_PSK": "pw", "RESOTOWORKER_NO_VERIFY_CERTS": "true", "RESOTOWORKER_VERBOSE": "yes",
           "RESOTOWORKER_OVERRIDE": "a.b=1 c.d=2", "RESOTOWORKER_OVERRIDE3": "e.f=3", "RESOTOWORKER_FORK": "1"}
    args = arguments.parse([], env)
    assert args.psk == "pw" and args.no_verify_certs is True and args.verbose is True and args.fork is True
    assert args.override == ["a.b=1", "c.d=2", "e.f=3"]
    assert arguments.flag_overrides(args) == ["resotoworker.fork_process=true"]
    assert arguments.parse(["--psk", "cli"], env).psk == "cli"
    assert arguments.parse([], {"RESOTOWORKER_PSK": ""}).psk is None
    with pytest.raises(FatalError, match="RESOTOWORKER_IDLE_TIMEOUT"):
        arguments.parse([], {"RESOTOWORKER_IDLE_TIMEOUT": "soon"})
    collect = arguments.parse(["collect", "--collector", "example", "-o", "x.ndjson"], {})
    assert collect.command == "collect" and collect.collector == ["example"] and collect.output == "x.ndjson"
