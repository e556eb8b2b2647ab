"""The config service (memo §7): stored configs with revisions, the config model, validation on PUT."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Mapping

from aiohttp import web

from .kinds import ComplexKind, build_kinds
from .middleware import RECORD_KEY
from .routes_system import core_of, error_response
from .validation import CoreRejection, update_model

_ENV_VAR = re.compile(r"\$\((\w+)\)")


def resolve_env(value: Any, env: Mapping[str, str]) -> Any:
    """`$(NAME)` placeholders filled from the core's environment; unknown ones are kept."""
    if isinstance(value, dict):
        return {k: resolve_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env(v, env) for v in value]
    if isinstance(value, str):
        return _ENV_VAR.sub(lambda m: env.get(m.group(1)) or m.group(0), value)
    return value


def validate_config(config_model: Dict[str, Dict[str, Any]], config: Any) -> Dict[str, Any]:
    """Every aggregate-root kind named like a top-level section validates that section."""
    if not isinstance(config, dict):
        raise CoreRejection(400, f"Expected a json object but got: {config}", "AttributeError")
    kinds = build_kinds(config_model)
    roots = {k.fqn: k for k in kinds.values() if isinstance(k, ComplexKind) and k.aggregate_root}
    out = {}
    for key, value in config.items():
        if key in roots:
            try:
                coerced = roots[key].check(value, {"normalize": False, "config_context": True})
            except Exception as ex:
                raise CoreRejection(400, f"Error validating section {key}: {ex}") from ex
            out[key] = value if coerced is None else coerced
        else:
            out[key] = value
    return out


async def get_config(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    config_id = request.match_info["config_id"]
    stored = core._db.configs.get(config_id)
    if stored is None:
        return web.Response(status=404, text="No config with this id")

    def flag(name: str, default: bool) -> bool:
        return request.query.get(name, "true" if default else "false").lower() == "true"

    separate = flag("separate_overrides", False)
    apply_overrides = flag("apply_overrides", not separate)
    resolve = flag("resolve_env_vars", not separate)
    overrides = core.overrides.get(config_id)
    config = json.loads(json.dumps(stored))
    if overrides and apply_overrides:
        config = _deep_merge(config, overrides)
    if resolve:
        config = resolve_env(config, core.env)
    payload: Any = config
    if separate:
        payload = {"config": config, "overrides": overrides}
        if flag("include_raw_config", False):
            payload["raw_config"] = stored
    headers = {"Resoto-Config-Revision": core._db.config_revisions.get(config_id, "")}
    return web.json_response(payload, headers=headers)


def _deep_merge(base: Any, update: Any) -> Any:
    if isinstance(base, dict) and isinstance(update, dict):
        return {**base, **{k: _deep_merge(base.get(k), v) for k, v in update.items()}}
    return update


async def put_config(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    config_id = request.match_info["config_id"]
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError as ex:
        return error_response("JSONDecodeError", str(ex))
    validate = request.query.get("validate", "true").lower() != "false"
    dry_run = request.query.get("dry_run", "false").lower() == "true"
    try:
        coerced = validate_config(core._db.config_model, body) if validate else body
    except CoreRejection as rej:
        return error_response(rej.error_type, rej.message, rej.status)
    existing = core._db.configs.get(config_id)
    if not dry_run and existing != body:
        revision = core._store_config(config_id, coerced)
        request[RECORD_KEY].summary["changed"] = True
        return web.json_response(coerced, headers={"Resoto-Config-Revision": revision})
    request[RECORD_KEY].summary["changed"] = False
    return web.json_response(body, headers={"Resoto-Config-Revision": core._db.config_revisions.get(config_id, "")})


async def get_configs_model(request: web.Request) -> web.StreamResponse:
    return web.json_response(list(core_of(request)._db.config_model.values()))


async def patch_configs_model(request: web.Request) -> web.StreamResponse:
    core = core_of(request)
    try:
        kinds = json.loads(await request.read() or b"null")
        core._db.config_model = update_model(core._db.config_model, kinds, replace=False, overlap_check=False)
    except ValueError as ex:
        return error_response("JSONDecodeError", str(ex))
    except CoreRejection as rej:
        return error_response(rej.error_type, rej.message, rej.status)
    core._changed()
    return web.json_response(list(core._db.config_model.values()))


async def list_configs(request: web.Request) -> web.StreamResponse:
    return web.json_response(list(core_of(request)._db.configs))


def add_routes(app: web.Application) -> None:
    app.add_routes([
        web.get("/configs", list_configs),
        web.get("/configs/model", get_configs_model),
        web.patch("/configs/model", patch_configs_model),
        web.get("/config/{config_id:[^{}]+}", get_config),
        web.put("/config/{config_id:[^{}]+}", put_config),
    ])
