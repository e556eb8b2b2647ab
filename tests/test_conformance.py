"""Conformance: what resotocore 3.9.0's own code accepts and rejects (model + merge uploads).

The real core runs in a side venv (tests/conformance); nothing of it is imported here. The
cross-check at the end holds the core double's pure validator to the same verdicts.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Dict, List

import pytest

from conformance import capture_dir, check_with_real_core, core_python, read_marker, read_ndjson
from conformance import cases as conformance_cases
from conformance.cases import REQUIRED_MERGE_CASES, Case, ModelCase, UpdateCase, merge_cases, model_cases, update_cases
from conftest_conformance import real_core_python  # noqa: F401  (session fixture)

pytestmark = pytest.mark.conformance

CAPTURE = capture_dir()
CAPTURED_UPLOADS = ["merge-example-account", "merge-aws-account"]
MERGE_CASES: List[Case] = merge_cases(read_ndjson(CAPTURE / "merge-example-account.ndjson")) if CAPTURE else []
MODEL_CASES: List[ModelCase] = model_cases()
UPDATE_CASES: List[UpdateCase] = update_cases()
needs_capture = pytest.mark.skipif(CAPTURE is None, reason="shared/reference/capture-3.9.0 not found")


@pytest.fixture(scope="session")
def captured() -> Dict[str, object]:
    if CAPTURE is None:
        pytest.skip("shared/reference/capture-3.9.0 not found")
    return {
        "model": json.loads((CAPTURE / "model.json").read_text()),
        **{name: read_ndjson(CAPTURE / f"{name}.ndjson") for name in CAPTURED_UPLOADS},
    }


@pytest.fixture(scope="session")
def merge_results(real_core_python: Path, captured: Dict[str, object]) -> Dict[str, dict]:  # noqa: F811
    """One run of the real core: the captured model, the captured uploads, every variant."""
    example_text = (CAPTURE / "merge-example-account.ndjson").read_text().splitlines()
    broken_text = list(example_text)
    broken_text.insert(3, '{"id": "x", "reported": ')  # truncated line
    named = {name: captured[name] for name in CAPTURED_UPLOADS}
    named["example_as_text_lines"] = example_text + ["", "   "]  # blank lines are skipped
    named["text_line_not_json"] = broken_text
    named.update({c.name: c.lines for c in MERGE_CASES})
    result = check_with_real_core(captured["model"], list(named.values()))
    assert result["model_error"] is None, result["model_error"]
    return dict(zip(named, result["uploads"]))


@pytest.fixture(scope="session")
def model_results(real_core_python: Path) -> Dict[str, dict]:  # noqa: F811
    return {c.name: check_with_real_core(c.kinds, [], base_model=c.base) for c in MODEL_CASES}


@pytest.fixture(scope="session")
def update_results(real_core_python: Path) -> Dict[str, dict]:  # noqa: F811
    return {c.name: check_with_real_core(c.kinds, [], base_model=c.base, replace_model=c.replace) for c in UPDATE_CASES}


# ----------------------------------------------------------------------------------------- real core


def test_side_venv_is_complete_and_reused(real_core_python: Path) -> None:  # noqa: F811
    marker = read_marker()
    assert marker and marker["resotocore"] == "3.9.0" and marker["install_seconds"] > 0
    assert core_python() == real_core_python and real_core_python.exists()


@needs_capture
@pytest.mark.parametrize("name", CAPTURED_UPLOADS)
def test_captured_upload_accepted_by_real_core(merge_results: Dict[str, dict], name: str) -> None:
    res = merge_results[name]
    assert res["ok"], res["error"]
    assert len(res["merge_roots"]) == 1 and res["merge_root_kinds"][res["merge_roots"][0]] == "account"
    assert res["nodes"] == res["node_lines"] > 10


@needs_capture
def test_text_lines_are_read_like_the_core(merge_results: Dict[str, dict]) -> None:
    as_text, as_json = merge_results["example_as_text_lines"], merge_results["merge-example-account"]
    assert as_text["ok"], as_text["error"]
    assert (as_text["nodes"], as_text["edges"]) == (as_json["nodes"], as_json["edges"])
    bad = merge_results["text_line_not_json"]
    assert not bad["ok"] and bad["stage"] == "parse" and bad["line"] == 3 and bad["error_type"] == "JSONDecodeError"


def test_all_required_merge_cases_exist() -> None:
    assert set(REQUIRED_MERGE_CASES) <= set(conformance_cases.MERGE_CASES)
    assert {"unresolvable_base", "conflicting_property_type"} <= {c.name for c in MODEL_CASES}


@needs_capture
@pytest.mark.parametrize("case", [c for c in MERGE_CASES if c.expect], ids=lambda c: c.name)
def test_real_core_rejects_broken_upload(merge_results: Dict[str, dict], case: Case) -> None:
    res = merge_results[case.name]
    assert not res["ok"], f"real core accepted {case.name}"
    assert case.expect in res["error"], res["error"]
    assert res["http_body"].startswith("Error: ImportAborted\nMessage: ")


@needs_capture
@pytest.mark.parametrize("case", [c for c in MERGE_CASES if not c.expect], ids=lambda c: c.name)
def test_real_core_accepts_variant(merge_results: Dict[str, dict], case: Case) -> None:
    res = merge_results[case.name]
    assert res["ok"], res["error"]
    if case.name == "replace_on_regions":
        assert sorted(res["merge_root_kinds"].values()) == ["region", "region"]


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c.name)
def test_real_core_model_update(model_results: Dict[str, dict], case: ModelCase) -> None:
    res = model_results[case.name]
    if case.expect is None:
        assert res["model_error"] is None, res["model_error"]
    else:
        assert res["model_error"] is not None, f"real core accepted model case {case.name}"
        assert case.expect in res["model_error"], res["model_error"]
        assert res["model_http_body"].startswith(f"Error: {res['model_error_type']}\nMessage: ")


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_real_core_model_replace_and_merge(update_results: Dict[str, dict], case: UpdateCase) -> None:
    res = update_results[case.name]
    assert res["model_error"] is None, res["model_error"]
    assert res["model_kinds"] == case.expect_kinds


# ------------------------------------------------------------------ cross-check: the core double agrees


@pytest.fixture(scope="module")
def double():
    try:
        from core_double import validation
    except ImportError as ex:  # the double is written separately; say so instead of skipping silently
        pytest.fail(f"tests/core_double/validation.py is not importable yet: {ex}", pytrace=False)
    return validation


@pytest.fixture(scope="module")
def double_model(double, captured: Dict[str, object]) -> Dict[str, dict]:
    return double.update_model({}, copy.deepcopy(captured["model"]), True)


def _double_verdict(double, fn, *args):
    try:
        fn(*copy.deepcopy(args))
    except double.CoreRejection as rej:
        return rej
    return None


@needs_capture
@pytest.mark.parametrize("name", CAPTURED_UPLOADS + [c.name for c in MERGE_CASES])
def test_double_agrees_with_real_core_on_merge(double, double_model, merge_results, captured, name: str) -> None:
    real = merge_results[name]
    case = next((c for c in MERGE_CASES if c.name == name), None)
    lines = case.lines if case else captured[name]
    rejection = _double_verdict(double, double.validate_merge, double_model, lines)
    if real["ok"]:
        assert rejection is None, f"double rejects what the real core accepts: {rejection.message}"
    else:
        assert rejection is not None, f"double accepts what the real core rejects: {real['error']}"
        assert rejection.status == 400
        assert case.expect in rejection.message, f"double: {rejection.message!r}\nreal core: {real['error']!r}"


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c.name)
def test_double_agrees_with_real_core_on_model(double, model_results: Dict[str, dict], case: ModelCase) -> None:
    real = model_results[case.name]
    existing = double.update_model({}, copy.deepcopy(case.base), True) if case.base else {}
    rejection = _double_verdict(double, double.update_model, existing, case.kinds, True)
    if real["model_error"] is None:
        assert rejection is None, f"double rejects a model the real core accepts: {rejection.message}"
    else:
        assert rejection is not None, f"double accepts a model the real core rejects: {real['model_error']}"
        assert rejection.status == 400
        assert case.expect in rejection.message, f"double: {rejection.message!r}\nreal core: {real['model_error']!r}"


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_double_agrees_with_real_core_on_model_replace(
    double, update_results: Dict[str, dict], case: UpdateCase
) -> None:
    real = update_results[case.name]
    existing = double.update_model({}, copy.deepcopy(case.base), True)
    updated = double.update_model(existing, copy.deepcopy(case.kinds), case.replace)
    assert sorted(set(updated) - set(real["predefined_kinds"])) == real["model_kinds"]
