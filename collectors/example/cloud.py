"""The synthetic "API" of the example cloud: deterministic listings from a seed, simulated latency,
and an optional state file so that deletes and tag changes persist between runs (cleanup and tag tests
see their effect on the next collect)."""
from __future__ import annotations

import fcntl
import json
import os
import random
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional

Json = Dict[str, Any]
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


class ExampleApiError(Exception):
    pass


class ExampleCloud:
    def __init__(self, config: Json) -> None:
        self.config = config
        self.seed = config["seed"]
        self.delay = float(config["api_delay"])
        self.state_file: Optional[str] = config.get("state_file")

    # ---- simulated API calls ---------------------------------------------------------------------

    def _call(self) -> None:
        if self.delay > 0:
            time.sleep(self.delay)

    def list_accounts(self) -> List[Json]:
        # not delayed: api_delay models the per-account work that the pool parallelises
        return [{"id": f"example-{n:04d}", "name": f"Example Account {n}"} for n in range(1, self.config["accounts"] + 1)]

    def list_regions(self, account: str) -> List[Json]:
        self._call()
        return self._regions()

    def list_resources(self, account: str, region: str) -> List[Json]:
        """Networks, instances, volumes and one custom resource; their count is ``resources_per_region``."""
        self._call()
        return self._resources(account, region, self.load_state())

    def _regions(self) -> List[Json]:
        return [{"id": f"region-{n}", "name": f"Region {n}"} for n in range(1, self.config["regions_per_account"] + 1)]

    def _resources(self, account: str, region: str, state: Json) -> List[Json]:
        rng = random.Random(f"{self.seed}:{account}:{region}")
        total = self.config["resources_per_region"]
        deleted = set(state.get("deleted", []))
        tags = state.get("tags", {})
        networks = max(1, total // 10)
        rest = max(0, total - networks - 1)
        instances = (rest + 1) // 2
        volumes = rest - instances
        out: List[Json] = []
        for n in range(networks):
            out.append({"type": "network", "id": f"{region}-net-{n}", "tags": {"Name": f"Network {n}"}})
        for n in range(instances):
            created = EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
            instance_tags = {"Name": f"Instance {n}", "owner": rng.choice(["alice", "bob", "carol"])}
            if n % 5 == 0:
                instance_tags["expiration"] = rng.choice(["2d", "36h", "7d"])
            out.append({"type": "instance", "id": f"{region}-i-{n}", "network": f"{region}-net-{n % networks}",
                        "cores": rng.choice([1, 2, 4, 8]), "memory": rng.choice([2, 4, 16, 32]),
                        "instance_type": rng.choice(["small", "medium", "large"]),
                        "status": rng.choice(["running", "running", "stopped"]), "created": created,
                        "tags": instance_tags})
        for n in range(volumes):
            out.append({"type": "volume", "id": f"{region}-vol-{n}",
                        "instance": f"{region}-i-{n}" if n < instances else None,
                        "size": rng.choice([8, 20, 100, 500]), "status": "in-use" if n < instances else "available",
                        "tags": {}})
        if total > 0:
            out.append({"type": "custom", "id": f"{region}-custom", "tags": {},
                        "number": rng.randrange(0, 1000), "labels": ["foo", "bar"]})
        out = [r for r in out if f"{account}/{r['id']}" not in deleted]
        for resource in out:
            for key, value in tags.get(f"{account}/{resource['id']}", {}).items():
                if value is None:
                    resource["tags"].pop(key, None)
                else:
                    resource["tags"][key] = value
        return out

    # ---- the state that deletes and tag changes write ------------------------------------------

    @contextmanager
    def _locked_state(self) -> Iterator[Json]:
        if not self.state_file:
            raise ExampleApiError("the example collector needs example.state_file to delete or tag resources")
        with open(self.state_file, "a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            text = f.read()
            state = json.loads(text) if text.strip() else {}
            yield state
            f.seek(0)
            f.truncate()
            json.dump(state, f)

    def load_state(self) -> Json:
        if not self.state_file or not os.path.exists(self.state_file):
            return {}
        with open(self.state_file, encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            text = f.read()
        return json.loads(text) if text.strip() else {}

    def _require(self, account: str, resource_id: str, state: Json) -> None:
        """Like a cloud API: changing a resource that does not exist (or no longer does) is an error."""
        if all(a["id"] != account for a in self.list_accounts()) or all(
                r["id"] != resource_id for region in self._regions()
                for r in self._resources(account, region["id"], state)):
            raise ExampleApiError(f"resource {resource_id} in {account} does not exist")

    def delete(self, account: str, resource_id: str) -> None:
        self._call()
        with self._locked_state() as state:
            self._require(account, resource_id, state)
            state.setdefault("deleted", []).append(f"{account}/{resource_id}")

    def set_tag(self, account: str, resource_id: str, key: str, value: Optional[str]) -> None:
        self._call()
        with self._locked_state() as state:
            self._require(account, resource_id, state)
            state.setdefault("tags", {}).setdefault(f"{account}/{resource_id}", {})[key] = value
