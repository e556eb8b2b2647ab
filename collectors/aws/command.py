"""The ``aws`` work-queue command: one AWS API operation, written as on the AWS command line
(``aws <service> <operation> [--parameter value …]``), run with the credentials the collector uses, once, or
for every node a search pipes into it (in the node's account and region). The answer is the operation's
result as JSON, every page of it for operations that page.

Parameters follow the AWS CLI's spelling (``--volume-id`` for ``VolumeId``); a list takes several values or a
JSON list, a structure or map a JSON document (the CLI's shorthand syntax is not understood). ``--account``,
``--role``, ``--profile`` and ``--region`` choose where it runs. With ``aws.command_read_only`` only operations
that read (``describe``, ``list``, ``get``) run.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from botocore import xform_name
from botocore.model import Shape

from collectors.aws.accounts import session_for_account_id
from collectors.aws.clients import new_client
from collectors.aws.config import AwsConfig
from collectors.aws.credentials import assumed_session, base_session, home_region, identity, role_arn
from collectors.aws.regions import global_region_id
from collectors.common.model import plain

Json = Dict[str, Any]
WHERE = ("--account", "--role", "--profile", "--region")
READING = ("describe_", "list_", "get_")
SERVICE_NAMES = {"s3api": "s3"}  # the AWS CLI's name for the S3 API is boto3's s3
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")

class CommandRefused(ValueError):
    """The command cannot run as written (the text says why)."""


@dataclass
class Invocation:
    service: str
    operation: str
    parameters: List[Tuple[str, List[str]]] = field(default_factory=list)
    where: Dict[str, str] = field(default_factory=dict)  # account, role, profile, region


def parse(args: List[str]) -> Invocation:
    """``[service, operation, --name value…, …]`` with ``--account/--role/--profile/--region`` anywhere."""
    words = list(args)
    where: Dict[str, str] = {}
    rest: List[str] = []
    while words:
        word = words.pop(0)
        if word in WHERE:
            if not words or words[0].startswith("--"):
                raise CommandRefused(f"{word} needs a value")
            where[word[2:]] = words.pop(0)
        else:
            rest.append(word)
    if len(rest) < 2 or rest[0].startswith("--") or rest[1].startswith("--"):
        raise CommandRefused("usage: aws <service> <operation> [--parameter value ...]")
    invocation = Invocation(SERVICE_NAMES.get(rest[0], rest[0]), rest[1], where=where)
    for word in rest[2:]:
        if word.startswith("--"):
            invocation.parameters.append((word[2:], []))
        elif invocation.parameters:
            invocation.parameters[-1][1].append(word)
        else:
            raise CommandRefused(f"{word!r}: a value without a parameter name before it")
    return invocation


def filled(args: List[str], node: Optional[Json]) -> List[str]:
    """The arguments with ``{placeholders}`` the core left (``{id}``, ``{name}``, ``{arn}``, ``{region}``, …)
    filled from the node."""
    if node is None:
        return list(args)
    known: Dict[str, Any] = dict(node.get("reported") or {})
    for which in ("account", "region"):
        found = ((node.get("ancestors") or {}).get(which) or {}).get("reported") or {}
        known.setdefault(which, found.get("id"))

    def one(match: "re.Match") -> str:
        value = known.get(match.group(1))
        if value is None:
            raise CommandRefused(f"{{{match.group(1)}}}: the resource has no such property")
        return value if isinstance(value, str) else json.dumps(value)
    return [PLACEHOLDER.sub(one, arg) for arg in args]


def parameters(shape: Optional[Shape], given: List[Tuple[str, List[str]]]) -> Json:
    """The operation's parameters from the CLI spelling, each of its member's type."""
    members = {xform_name(name, "-"): (name, member) for name, member in (shape.members.items() if shape else [])}
    out: Json = {}
    for option, values in given:
        negated = option.startswith("no-") and option[3:] in members and option not in members
        name, member = members.get(option[3:] if negated else option, (None, None))
        if member is None:
            raise CommandRefused(f"--{option}: not a parameter of this operation "
                                 f"(it takes: {', '.join('--' + m for m in sorted(members)) or 'none'})")
        if negated:
            if member.type_name != "boolean" or values:
                raise CommandRefused(f"--{option}: only a boolean parameter can be negated")
            out[name] = False
        else:
            out[name] = value_of(option, member, values)
    return out


def value_of(option: str, shape: Shape, values: List[str]) -> Any:
    kind = shape.type_name
    if kind == "boolean":
        if not values:
            return True
        if len(values) == 1 and values[0].lower() in ("true", "false"):
            return values[0].lower() == "true"
        raise CommandRefused(f"--{option}: true or false, got {' '.join(values)}")
    if kind == "list":
        if len(values) == 1 and values[0].lstrip().startswith("["):
            return _json(option, values[0])
        return [value_of(option, shape.member, [v]) for v in values]
    if len(values) != 1:
        raise CommandRefused(f"--{option}: one value, got {len(values)}")
    text = values[0]
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise CommandRefused(f"--{option}: a number, got {text!r}") from None
    if kind in ("structure", "map"):
        return _json(option, text)
    return text


def _json(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise CommandRefused(f"--{option}: a JSON document (the AWS CLI's shorthand syntax is not understood), "
                             f"got {text[:80]!r}") from None


def _ancestor_id(node: Json, which: str) -> Optional[str]:
    found = (((node.get("ancestors") or {}).get(which) or {}).get("reported") or {}).get("id")
    return str(found) if found is not None else None


def session_and_region(config: AwsConfig, invocation: Invocation, node: Optional[Json]) -> Tuple[Any, str]:
    where = invocation.where
    base = base_session(config, where.get("profile"))
    if node is not None and "account" not in where and "profile" not in where:
        account = _ancestor_id(node, "account")
        if not account:
            raise CommandRefused("the resource has no account ancestor")
        session = session_for_account_id(config, account)
    elif "account" in where and where["account"] != identity(base, config).account_id:
        role = where.get("role") or config.role
        if not role:
            raise CommandRefused(f"--account {where['account']}: no role to reach it (--role, or aws.role)")
        session = assumed_session(base, config, role_arn(identity(base, config).partition, where["account"], role),
                                  config.role_external_id)
    else:
        session = base
    region = where.get("region") or (node and _ancestor_id(node, "region")) or home_region(config)
    return session, region or global_region_id("aws")


def run(config: AwsConfig, command: str, args: List[str], node: Optional[Json]) -> Any:
    invocation = parse(filled(args, node))
    method = xform_name(invocation.operation.replace("-", "_"))
    if config.command_read_only and not method.startswith(READING):
        raise CommandRefused(f"{invocation.service} {invocation.operation}: refused, aws.command_read_only allows "
                             f"only operations that read (describe, list, get)")
    session, region = session_and_region(config, invocation, node)
    try:
        client = new_client(session, invocation.service, region, config)
    except Exception as e:  # an unknown service name
        raise CommandRefused(f"{invocation.service}: {e}") from None
    api_name = client.meta.method_to_api_mapping.get(method)
    if api_name is None:
        raise CommandRefused(f"{invocation.service} {invocation.operation}: no such operation")
    params = parameters(client.meta.service_model.operation_model(api_name).input_shape, invocation.parameters)
    if client.can_paginate(method):
        answer = client.get_paginator(method).paginate(**params).build_full_result()
    else:
        answer = getattr(client, method)(**params)
    answer.pop("ResponseMetadata", None)
    return plain(answer)
