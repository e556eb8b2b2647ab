"""Answers for the AWS operations moto does not serve, as the service sends them on the wire.

A file ``recorded/<signing name>/<Operation>.json`` holds ``{"status": 200, "body": ...}``: the body is the
text the service answers (XML for the EC2, query and REST-XML protocols) or, for JSON protocols, the JSON
document itself. The fault proxy (``FaultProxy(recorded=Recorded())``) answers a matching request with it
instead of asking moto, so boto3 parses exactly what AWS would send, over a real socket.

A request's operation is read the way AWS routes it: the ``X-Amz-Target`` header (JSON protocols), the
``Action`` form field (EC2 and query), or for REST protocols the method and path matched against the
operations' URI templates in botocore's own description of the service.
"""
from __future__ import annotations

import gzip
import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

import botocore.loaders

RECORDED = Path(__file__).with_name("recorded")
CONTENT_TYPES = {"json": "application/x-amz-json-1.1", "rest-json": "application/json", "ec2": "text/xml",
                 "query": "text/xml", "rest-xml": "application/xml"}


_LOADER = botocore.loaders.create_loader()
_MODELS_LOCK = threading.Lock()  # the proxies serve requests on many threads; each model is read once


def _metadata(path: Path) -> dict:
    """The ``metadata`` object of a service description, decoded alone (it comes first): parsing all of botocore's
    ~480 descriptions whole to find a signing name took 2.5 s and ~400 MB, per thread that asked first."""
    text = (gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()).decode("utf-8")
    start = text.index("{", text.index('"metadata"'))
    return json.JSONDecoder().raw_decode(text, start)[0]


def _description_file(service: str) -> Path:
    """Where botocore reads ``service``'s description from: its newest API version, the first search path that
    has it (the choice ``load_service_model`` makes)."""
    version = _LOADER.determine_latest_version(service, "service-2")
    for root in _LOADER.search_paths:
        for name in ("service-2.json", "service-2.json.gz"):
            path = Path(root) / service / version / name
            if path.is_file():
                return path
    raise FileNotFoundError(f"{service} {version} service-2")


@lru_cache(maxsize=None)
def _services_by_signing_name() -> Dict[str, Tuple[str, ...]]:
    found: Dict[str, List[str]] = {}
    for service in sorted(_LOADER.list_available_services("service-2")):
        meta = _metadata(_description_file(service))
        found.setdefault(meta.get("signingName", meta.get("endpointPrefix")), []).append(service)
    return {name: tuple(services) for name, services in found.items()}


@lru_cache(maxsize=None)
def _models_of(signing_name: str) -> Tuple[dict, ...]:
    return tuple(_LOADER.load_service_model(service, "service-2")
                 for service in _services_by_signing_name().get(signing_name, ()))


def _service_models(signing_name: str) -> Tuple[dict, ...]:
    """botocore's descriptions of the services that sign with ``signing_name`` (ELB and ELBv2 share one)."""
    with _MODELS_LOCK:
        return _models_of(signing_name)


@lru_cache(maxsize=None)
def _rest_routes(signing_name: str) -> List[Tuple[str, "re.Pattern", Dict[str, str], str]]:
    """(method, path pattern, literal query fields, operation) of every operation, the most literal first."""
    routes = []
    operations = [(op, spec) for model in _service_models(signing_name) for op, spec in model["operations"].items()]
    for operation, spec in operations:
        http = spec.get("http") or {}
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", pattern)  # {Key+}: several segments
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        fields = {k: v[0] if v else "" for k, v in parse_qs(query, keep_blank_values=True).items()}
        routes.append((http.get("method", "POST"), re.compile(f"^{pattern}/?$"), fields, operation))
    return sorted(routes, key=lambda r: (-len(r[2]), -len(r[1].pattern)))


def operation_of(service: str, method: str, path: str, headers, body: bytes) -> Optional[str]:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if method == "POST" and b"Action=" in body:
        return (parse_qs(body.decode("utf-8", "replace")).get("Action") or [None])[0]
    url = urlparse(path)
    query = parse_qs(url.query, keep_blank_values=True)
    for route_method, pattern, fields, operation in _rest_routes(service):
        if route_method == method and pattern.match(url.path) and all(f in query for f in fields):
            return operation
    return None


def protocol_of_service(service: str) -> str:
    models = _service_models(service)
    return models[0]["metadata"].get("protocol", "query") if models else "query"


class Recorded:
    def __init__(self, directory: Path = RECORDED) -> None:
        self.answers: Dict[Tuple[str, str], dict] = {}
        for path in sorted(directory.glob("*/*.json")):
            self.answers[(path.parent.name, path.stem)] = json.loads(path.read_text())
        self.served: Dict[Tuple[str, str], int] = {}

    def answer(self, service: str, method: str, path: str, headers, body: bytes):
        if not any(s == service for s, _ in self.answers):
            return None
        operation = operation_of(service, method, path, headers, body)
        found = self.answers.get((service, operation or ""))
        if found is None:
            return None
        self.served[(service, operation)] = self.served.get((service, operation), 0) + 1
        content = found["body"]
        text = content if isinstance(content, str) else json.dumps(content)
        protocol = protocol_of_service(service)
        return found.get("status", 200), {"Content-Type": CONTENT_TYPES.get(protocol, "text/xml")}, text.encode()
