"""The collector's model kinds (``model.json``, made by ``gen_model``)."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import List

MODEL_FILE = Path(__file__).with_name("model.json")


@lru_cache(maxsize=1)
def _kinds() -> List[dict]:
    return json.loads(MODEL_FILE.read_text())


def model_kinds() -> List[dict]:
    """The kinds for ``CollectorInfo.model`` (azure_* kinds; base kinds are the worker's)."""
    return copy.deepcopy(_kinds())
