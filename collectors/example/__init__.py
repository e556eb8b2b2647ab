"""The example collector: a synthetic cloud with no network, deterministic from a seed, sized by config,
with optional latency and an optional failure for one account. Tests and benchmarks drive the engine
with it at any size."""
from __future__ import annotations

import os
import signal
import time
from typing import Any, Dict, List, Optional

from collectors.example.cloud import ExampleCloud
from collectors.example.model import ACCOUNT_KIND, MODEL
from collectors.common.plugin import CloudPlugin
from hookspecs import Account, Builder, CollectorInfo, Progress

CLOUD = "example"
Json = Dict[str, Any]

CONFIG_SCHEMA: Json = {
    "type": "object",
    "properties": {
        "accounts": {"type": "integer", "minimum": 0, "default": 2, "description": "Number of accounts"},
        "regions_per_account": {"type": "integer", "minimum": 0, "default": 2, "description": "Regions per account"},
        "resources_per_region": {"type": "integer", "minimum": 0, "default": 10,
                                 "description": "Resources per region (networks, instances, volumes, one custom)"},
        "seed": {"type": "integer", "default": 0, "description": "Seed of the synthetic data"},
        "api_delay": {"type": "number", "minimum": 0, "default": 0,
                      "description": "Seconds each simulated API call of an account waits (one call lists its "
                                     "regions, one per region lists its resources)"},
        "fail_account": {"type": ["string", "null"], "default": None,
                         "description": "Account id (e.g. example-0002) that fails while collecting"},
        "fail_mode": {"type": "string", "enum": ["exception", "crash", "hang", "memory"], "default": "exception",
                      "description": "How fail_account fails: raise, die by SIGKILL, hang forever, or grow "
                                     "its memory until stopped"},
        "state_file": {"type": ["string", "null"], "default": None,
                       "description": "JSON file where deletes and tag changes persist (needed for cleanup and "
                                      "tag tasks)"},
    },
    "additionalProperties": False,
}


# ---- shaping: API records → graph nodes (pure) --------------------------------------------------


def transform_account(account: Account) -> Json:
    return {"kind": ACCOUNT_KIND, "id": account.id, "name": account.name}


def transform_region(region: Json) -> Json:
    return {"kind": "example_region", "id": region["id"], "name": region["name"]}


def transform_resource(record: Json) -> Json:
    base = {"id": record["id"], "name": record["id"], "tags": dict(record.get("tags", {}))}
    kind = record["type"]
    if kind == "network":
        return {**base, "kind": "example_network", "name": record["tags"].get("Name", record["id"])}
    if kind == "instance":
        return {**base, "kind": "example_instance", "instance_cores": float(record["cores"]),
                "instance_memory": float(record["memory"]), "instance_type": record["instance_type"],
                "instance_status": record["status"], "ctime": record["created"]}
    if kind == "volume":
        return {**base, "kind": "example_volume", "volume_size": record["size"], "volume_type": "standard",
                "volume_status": record["status"]}
    return {**base, "kind": "example_custom_resource", "custom_string_attribute": "",
            "custom_int_attribute": record["number"], "custom_list_attribute": record["labels"],
            "custom_dict_attribute": {}}


def add_region_resources(builder: Builder, region_node: str, region: str, records: List[Json]) -> None:
    """Nodes and edges the way the reference draws them: network → instance → volume (default), and
    delete edges so that an instance goes before its network and a volume's instance before the volume."""
    ids: Dict[str, str] = {}
    for record in records:
        ids[record["id"]] = builder.add_node(transform_resource(record), region=region, parent=region_node)
    for record in records:
        node = ids[record["id"]]
        if record["type"] == "instance" and record["network"] in ids:
            builder.add_edge(ids[record["network"]], node)
            builder.add_edge(ids[record["network"]], node, "delete")
        if record["type"] == "volume" and record.get("instance") in ids:
            builder.add_edge(ids[record["instance"]], node)
            builder.add_edge(node, ids[record["instance"]], "delete")


# ---- what the hooks call --------------------------------------------------------------------------


def list_accounts(config: Json) -> List[Account]:
    return [Account(id=a["id"], name=a["name"]) for a in ExampleCloud(config).list_accounts()]


def _fail(mode: str) -> None:
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        while True:
            time.sleep(3600)
    if mode == "memory":
        hog = []
        while True:
            hog.append(bytearray(16 * 1024 * 1024))
            time.sleep(0.01)
    raise RuntimeError("simulated failure of this account (example.fail_account)")


def collect_account(config: Json, account: Account, builder: Builder, progress: Progress) -> None:
    api = ExampleCloud(config)
    builder.add_account(transform_account(account))
    regions = api.list_regions(account.id)
    progress.parts([r["id"] for r in regions])
    for region in regions:
        if config.get("fail_account") == account.id:
            _fail(config["fail_mode"])
        region_node = builder.add_region(transform_region(region))
        add_region_resources(builder, region_node, region["id"], api.list_resources(account.id, region["id"]))
        progress.done(region["id"])


def _node_account(node: Json) -> str:
    account = node.get("ancestors", {}).get("account", {}).get("reported", {}).get("id")
    if not account:
        raise ValueError(f"node {node.get('id')} has no account ancestor")
    return account


def delete_resource(config: Json, node: Json) -> bool:
    ExampleCloud(config).delete(_node_account(node), node["reported"]["id"])
    return True


def update_tag(config: Json, node: Json, key: str, value: Optional[str]) -> bool:
    ExampleCloud(config).set_tag(_node_account(node), node["reported"]["id"], key, "" if value is None else value)
    return True


def delete_tag(config: Json, node: Json, key: str) -> bool:
    ExampleCloud(config).set_tag(_node_account(node), node["reported"]["id"], key, None)
    return True


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=CONFIG_SCHEMA, model=MODEL, account_kind=ACCOUNT_KIND,
                         description="Synthetic example cloud (no network), for trying the worker out")


# the worker hands the section validated and with its defaults: the plain dict is the config
plugin = CloudPlugin(CLOUD, info=info, config=lambda section: dict(section or {}), list_accounts=list_accounts,
                     collect_account=collect_account, update_tag=update_tag, delete_tag=delete_tag,
                     delete_resource=delete_resource)
