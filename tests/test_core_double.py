"""Tests of the core double itself, over real sockets: it must accept what resotocore 3.9.0 accepts
and refuse what it refuses, or every worker test built on it proves nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
import websocket
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core_double import CoreDouble, CoreRejection, update_model, validate_merge
from core_double import jwt

PSK = "changeme"
CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "capture-3.9.0"


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def core():
    with CoreDouble() as c:
        yield c


@pytest.fixture
def psk_core():
    with CoreDouble(psk=PSK) as c:
        yield c


def auth(psk: str = PSK, **kw: Any) -> Dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode({}, psk, **kw)}


def ws_connect(core: CoreDouble, path: str, headers: Dict[str, str] | None = None, **kw: Any) -> websocket.WebSocket:
    header = [f"{k}: {v}" for k, v in (headers or {}).items()]
    return websocket.create_connection(core.ws_url + path, header=header, timeout=10, **kw)


def recv_json(ws: websocket.WebSocket) -> Dict[str, Any]:
    raw = ws.recv()
    assert raw.endswith("\n"), "the core ends every frame it sends with a newline"
    return json.loads(raw)


def assert_closed_by_server(ws: websocket.WebSocket) -> None:
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        for _ in range(10):
            if ws.recv() in ("", None):  # close frame
                raise websocket.WebSocketConnectionClosedException()


def kind(fqn: str, bases: List[str], props: List[tuple], **extra: Any) -> Dict[str, Any]:
    return {"fqn": fqn, "bases": bases, "allow_unknown_props": False, "aggregate_root": True, "metadata": {},
            "properties": [{"name": n, "kind": k, "required": False, "description": None} for n, k in props],
            "successor_kinds": None, **extra}


def small_model() -> List[Dict[str, Any]]:
    return [
        kind("resource", [], [("id", "string"), ("name", "string"), ("tags", "dictionary[string, string]"),
                              ("ctime", "datetime"), ("kind", "string")]),
        kind("cloud", ["resource"], []),
        kind("account", ["resource"], []),
        kind("region", ["resource"], []),
        kind("t_account", ["account"], []),
        kind("t_region", ["region"], []),
        kind("t_volume", ["resource"], [("size", "int64"), ("status", "t_status"), ("labels", "string[]")],
             successor_kinds={"default": [], "delete": ["t_volume"]}),
        {"fqn": "t_status", "runtime_kind": "string", "enum": ["on", "off"]},
    ]


def node(nid: str, kind_: str, rid: str, replace: bool = False, **reported: Any) -> Dict[str, Any]:
    meta: Dict[str, Any] = {"cleaned": False, "protected": False}
    if replace:
        meta["replace"] = True
    return {"id": nid, "reported": {"id": rid, "name": rid, "tags": {}, "kind": kind_, **reported}, "metadata": meta}


def account_upload(volumes: List[str], account: str = "acc1") -> List[Dict[str, Any]]:
    lines = [node("r", "graph_root", "root"), node("c", "cloud", "test"), node(account, "t_account", account, True),
             node(f"{account}-reg", "t_region", "eu")]
    lines += [node(v, "t_volume", v, size=1, status="on") for v in volumes]
    lines += [{"from": "r", "to": "c"}, {"from": "c", "to": account}, {"from": account, "to": f"{account}-reg"}]
    lines += [{"from": f"{account}-reg", "to": v} for v in volumes]
    return lines


def ndjson(lines: List[Any]) -> str:
    return "".join(json.dumps(ln) + "\n" for ln in lines)


def put_model(core: CoreDouble, kinds: List[Dict[str, Any]], graph: str = "resoto",
              method: str = "PUT") -> requests.Response:
    return requests.request(method, f"{core.url}/graph/{graph}/model", json=kinds)


def merge(core: CoreDouble, lines: List[Any], wait: str = "true", graph: str = "resoto") -> requests.Response:
    return requests.post(f"{core.url}/graph/{graph}/merge?wait_for_result={wait}", data=ndjson(lines),
                         headers={"Content-Type": "application/x-ndjson", "Resoto-Worker-Task-Id": "t1"})


@pytest.fixture
def graph_core(core):
    assert requests.post(f"{core.url}/graph/resoto").status_code == 200
    assert put_model(core, small_model()).status_code == 200
    return core


# ------------------------------------------------------------------------------------------ auth


def test_open_endpoints_need_no_token(psk_core):
    assert requests.get(psk_core.url + "/system/ready").text == "ok"
    assert requests.get(psk_core.url + "/system/ping").text == "pong"
    assert requests.get(psk_core.url + "/config/resoto.worker").status_code == 401
    psk_core.set_ready(False)
    assert requests.get(psk_core.url + "/system/ready").status_code == 503


@pytest.mark.parametrize("header,status", [
    (lambda: auth(), 404),  # accepted: the config simply does not exist
    (lambda: {"Authorization": "bearer " + jwt.encode({}, PSK)}, 404),  # scheme is case-insensitive
    (lambda: auth("wrong psk"), 401),
    (lambda: auth(expire_in=-1), 401),
    (lambda: auth(with_salt=False), 401),
    (lambda: {"Authorization": "Bearer  " + jwt.encode({}, PSK)}, 401),  # two spaces
    (lambda: {"Authorization": "Basic " + jwt.encode({}, PSK)}, 401),
    (lambda: {}, 401),
])
def test_jwt_is_checked_like_the_core(psk_core, header, status):
    assert requests.get(psk_core.url + "/config/resoto.worker", headers=header()).status_code == status


def test_a_bad_token_fails_even_on_open_endpoints(psk_core):
    assert requests.get(psk_core.url + "/system/ready", headers=auth("wrong")).status_code == 401


def test_origin_must_match_host(psk_core):
    url = psk_core.url + "/config/x"
    assert requests.get(url, headers={**auth(), "Origin": "http://evil.example"}).status_code == 403
    assert requests.get(url, headers={**auth(), "Origin": f"http://127.0.0.1:{psk_core.port}"}).status_code == 404


def test_websocket_upgrade_needs_a_token(psk_core):
    with pytest.raises(websocket.WebSocketBadStatusException) as ex:
        ws_connect(psk_core, "/events")
    assert ex.value.status_code == 401
    ws = ws_connect(psk_core, "/events", auth())
    ws.close()


def test_token_encoding_round_trip():
    token = jwt.encode({"a": 1}, "psk")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256" and len(base64.standard_b64decode(header["salt"])) == 16
    assert jwt.decode(token, "psk")["a"] == 1
    with pytest.raises(jwt.TokenError):
        jwt.decode(token, "other")


# ------------------------------------------------------------------------------------------ TLS


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_ca_cert_fingerprint_and_signed_claim():
    with CoreDouble(psk=PSK, tls=True) as core:
        resp = requests.get(core.url + "/ca/cert", verify=False)
        cert = x509.load_pem_x509_certificate(resp.content)
        computed = ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))
        assert resp.headers["SHA256-Fingerprint"] == computed
        scheme, token = resp.headers["Authorization"].split(" ", 1)
        claims = jwt.decode(token, PSK)
        assert scheme == "Bearer" and claims["sha256_fingerprint"] == computed
        # the host certificate verifies against that CA, hostname included
        assert requests.get(core.url + "/system/ping", verify=core.ca_pem).text == "pong"
        wss = ws_connect(core, "/events", auth(), sslopt={"ca_certs": core.ca_pem})
        core.set_config("x", {})
        assert recv_json(wss)["message_type"] == "config-updated"
        wss.close()
        core.tamper_fingerprint("AA:" * 31 + "AA")
        tampered = requests.get(core.url + "/ca/cert", verify=core.ca_pem)
        assert jwt.decode(tampered.headers["Authorization"][7:], PSK)["sha256_fingerprint"] != computed


def test_ca_signs_a_csr():
    with CoreDouble(psk=PSK, tls=True) as core:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "resoto.worker")]))
               .sign(key, hashes.SHA256()))
        resp = requests.post(core.url + "/ca/sign", data=csr.public_bytes(serialization.Encoding.PEM),
                             headers=auth(), verify=core.ca_pem)
        assert resp.status_code == 200
        signed = x509.load_pem_x509_certificate(resp.content)
        ca = x509.load_pem_x509_certificate(Path(core.ca_pem).read_bytes())
        assert signed.issuer == ca.subject
        signed.verify_directly_issued_by(ca)


# ------------------------------------------------------------------------------------------ actions


def subscribe(core: CoreDouble, sid: str = "w-collector", action: str = "collect", headers=None) -> None:
    resp = requests.post(f"{core.url}/subscriber/{sid}/{action}?timeout=10800&wait_for_completion=True",
                         headers=headers or {})
    assert resp.status_code == 200, resp.text


def test_subscription_timeout_must_be_an_integer(core):
    resp = requests.post(f"{core.url}/subscriber/w/collect?timeout=10800.0")
    assert resp.status_code == 400 and "Error: ValueError" in resp.text
    subscribe(core, "w")
    assert requests.get(f"{core.url}/subscriber/w").json()["subscriptions"]["collect"]["timeout"] == 10800
    assert requests.delete(f"{core.url}/subscriber/w/collect").status_code == 200
    assert core.subscriptions == {"w": {}}


def test_handle_needs_subscription_and_is_exclusive(core):
    with pytest.raises(websocket.WebSocketBadStatusException) as ex:
        ws_connect(core, "/subscriber/w-collector/handle")
    assert ex.value.status_code == 404
    subscribe(core)
    first = ws_connect(core, "/subscriber/w-collector/handle")
    with pytest.raises(websocket.WebSocketBadStatusException) as ex:
        ws_connect(core, "/subscriber/w-collector/handle")
    assert ex.value.status_code == 429
    assert "Only one connection per subscriber is allowed!" in ex.value.resp_body.decode()
    first.close()


def test_action_round_trip_and_pending_resend(core):
    subscribe(core)
    ws = ws_connect(core, "/subscriber/w-collector/handle")
    sent = core.send_action("collect", timing={"collect": {"started_at": 1}})
    msg = recv_json(ws)
    assert msg == {"kind": "action", "message_type": "collect", "data": sent}
    ws.close()
    core.wait_for(lambda: "w-collector" not in core._bus.handle_sockets, 10)
    ws = ws_connect(core, "/subscriber/w-collector/handle")
    resent = recv_json(ws)
    assert resent["data"] == {"task": sent["task"], "step": "collect"}  # no timing on a re-send
    progress = {"kind": "tree", "name": "aws", "parts": [{"kind": "progress", "name": "a", "current": 1, "total": 2}]}
    ws.send(json.dumps({"kind": "action_progress", "message_type": "collect",
                        "data": {**resent["data"], "progress": progress, "at": "2024-01-01T00:00:00Z"}}))
    ws.send(json.dumps({"kind": "action_info", "message_type": "collect",
                        "data": {**resent["data"], "level": "error", "message": "[aws:1] denied"}}))
    ws.send(json.dumps({"kind": "action_done", "message_type": "collect", "data": resent["data"]}))
    assert core.wait_reply(sent["task"], timeout=10)["kind"] == "action_done"
    assert [f["kind"] for f in core.action_frames(sent["task"]) if f["kind"] != "action"] == [
        "action_progress", "action_info", "action_done"]
    assert core.violations == []
    ws.close()


@pytest.mark.parametrize("frame", [
    "not json",
    json.dumps({"kind": "action", "message_type": "collect", "data": {"task": "t", "step": "collect"}}),
    json.dumps({"kind": "action_done", "message_type": "collect", "data": {"task": "t"}}),
    json.dumps({"kind": "bogus", "message_type": "collect", "data": {"task": "t", "step": "collect"}}),
    json.dumps({"kind": "action_progress", "message_type": "collect", "data": {
        "task": "t", "step": "collect", "at": "2024-01-01T00:00:00Z",
        "progress": {"kind": "progress", "name": "aws", "current": 0, "total": 0}}}),
    json.dumps({"kind": "action_progress", "message_type": "collect", "data": {
        "task": "t", "step": "collect", "at": "2024-01-01T00:00:00Z",
        "progress": {"kind": "progress", "name": "aws", "current": 2, "total": 1}}}),
    json.dumps({"kind": "action_info", "message_type": "collect", "data": {"task": "t", "step": "collect"}}),
])
def test_malformed_frame_closes_the_action_socket(core, frame):
    subscribe(core)
    ws = ws_connect(core, "/subscriber/w-collector/handle")
    ws.send(frame)
    assert_closed_by_server(ws)
    assert core.wait_for(lambda: core.violations, 10)[0].raw == frame


def test_restart_loses_subscriptions_and_close_sockets_drops_links(core):
    subscribe(core)
    ws = ws_connect(core, "/subscriber/w-collector/handle")
    core.close_sockets()
    assert_closed_by_server(ws)
    core.set_config("x", {"a": 1})
    core.restart(keep_state=True)
    assert core.subscriptions == {}
    with pytest.raises(websocket.WebSocketBadStatusException):
        ws_connect(core, "/subscriber/w-collector/handle")
    assert core.configs == {"x": {"a": 1}}
    core.restart()
    assert core.configs == {}


def test_fail_next_injects_a_status(core):
    core.fail_next("GET", r"^/system/ready$", 503, "busy", count=2)
    assert [requests.get(core.url + "/system/ready").status_code for _ in range(3)] == [503, 503, 200]


# ------------------------------------------------------------------------------------------ config


def test_config_round_trip_with_validation_and_events(core):
    assert requests.get(core.url + "/config/resoto.worker").status_code == 404
    model = [kind("resotoworker", [], [("graph", "string"), ("timeout", "int64")])]
    assert requests.patch(core.url + "/configs/model", json=model).status_code == 200
    events = ws_connect(core, "/events?show=config-updated")
    resp = requests.put(core.url + "/config/resoto.worker", json={"resotoworker": {"graph": "resoto", "timeout": 5}})
    assert resp.status_code == 200
    revision = resp.headers["Resoto-Config-Revision"]
    assert recv_json(events) == {"kind": "event", "message_type": "config-updated",
                                 "data": {"id": "resoto.worker", "revision": revision}}
    again = requests.put(core.url + "/config/resoto.worker", json={"resotoworker": {"graph": "resoto", "timeout": 5}})
    assert again.headers["Resoto-Config-Revision"] == revision  # unchanged: no new revision, no event
    bad = requests.put(core.url + "/config/resoto.worker", json={"resotoworker": {"graph": "x", "bogus": 1}})
    assert bad.status_code == 400
    assert bad.text == ("Error: AttributeError\nMessage: Error validating section resotoworker: "
                        "Kind:resotoworker Property:bogus is not defined in model!")
    got = requests.get(core.url + "/config/resoto.worker?separate_overrides=true&apply_overrides=true"
                                  "&resolve_env_vars=true&include_raw_config=true")
    assert got.json() == {"config": {"resotoworker": {"graph": "resoto", "timeout": 5}}, "overrides": None,
                          "raw_config": {"resotoworker": {"graph": "resoto", "timeout": 5}}}
    new_rev = core.set_config("resoto.worker", {"resotoworker": {"graph": "other", "timeout": 5}})
    assert recv_json(events)["data"] == {"id": "resoto.worker", "revision": new_rev}
    assert core.config_revision("resoto.worker") == new_rev
    events.close()


# ------------------------------------------------------------------------------------------ graph & model


@pytest.mark.parametrize("name,status", [("resoto", 200), ("abc123", 200), ("with_underscore", 400),
                                         ("snapshot-1", 400), ("a-b", 400)])
def test_graph_names(core, name, status):
    resp = requests.post(f"{core.url}/graph/{name}")
    assert resp.status_code == status
    if status == 200:
        assert resp.json()["reported"]["kind"] == "graph_root"


def test_model_put_replaces_and_patch_merges(core):
    base = small_model()
    assert put_model(core, base).status_code == 200
    extra = kind("t_extra", ["resource"], [("extra", "string")])
    assert put_model(core, [extra], method="PATCH").status_code == 200
    assert {"t_volume", "t_extra", "string", "graph_root"} <= set(core.model())
    assert put_model(core, base).status_code == 200
    assert "t_extra" not in core.model() and "t_volume" in core.model()


@pytest.mark.parametrize("kinds,text", [
    ([kind("x", ["no_such_base"], [])], "Error: KeyError\nMessage: 'no_such_base'"),
    ([kind("x", [], [("p", "no_such_type")])], "Property kind is not known: no_such_type"),
    ([kind("x", [], [("p", "dictionary[string, nope]")])], "Property kind is not known: nope"),
    ([kind("x", [], [], successor_kinds={"default": ["nope"]})], "nope is not a known kind"),
    ([kind("x", [], [("size", "string")])], "size is defined in t_volume as int64 and in x as string"),
    ([kind("t_status", [], [])], "Update t_status changes an existing property type t_status"),
])
def test_model_rejections(graph_core, kinds, text):
    resp = put_model(graph_core, small_model() + kinds)
    assert resp.status_code == 400 and text in resp.text


def test_predefined_kinds_are_never_overwritten():
    model = update_model({}, [kind("string", [], [("x", "int64")])], True)
    assert model["string"] == {"fqn": "string", "runtime_kind": "string"}
    assert "graph_root" in model and "trafo.duration_to_datetime" in model


# ------------------------------------------------------------------------------------------ merge


def test_merge_applies_with_replace_semantics(graph_core):
    resp = merge(graph_core, account_upload(["v1", "v2"]))
    assert resp.status_code == 200, resp.text
    assert resp.json()["nodes_created"] == 5  # the graph root existed already
    nodes = graph_core.nodes()
    assert nodes["v1"]["ancestors"]["account"]["reported"]["id"] == "acc1"
    assert nodes["v1"]["ancestors"]["cloud"]["reported"]["id"] == "test"
    assert merge(graph_core, account_upload(["v3"], "acc2")).status_code == 200
    again = merge(graph_core, account_upload(["v1"])).json()
    assert again["nodes_deleted"] == 1
    assert set(graph_core.nodes()) == {"root", "c", "acc1", "acc1-reg", "v1", "acc2", "acc2-reg", "v3"}
    record = graph_core.merges[-1]
    assert record.ok and record.task_id == "t1" and record.summary["replace_nodes"] == ["acc1"]


def test_merge_computes_expiry(graph_core):
    lines = account_upload(["v1"])
    lines[4]["reported"].update(ctime="2024-01-01T00:00:00Z", tags={"expiration": "2d"})
    assert merge(graph_core, lines).status_code == 200
    assert graph_core.nodes()["v1"]["metadata"]["expires"] == "2024-01-03T00:00:00Z"


def _mutate(name: str) -> List[Any]:
    ls = account_upload(["v1", "v2"])
    if name == "format":
        ls.append({"id": "x", "data": {"kind": "t_volume"}})
    elif name == "no_kind":
        del ls[4]["reported"]["kind"]
    elif name == "unknown_kind":
        ls[4]["reported"]["kind"] = "nope"
    elif name == "undefined_property":
        ls[4]["reported"]["nope"] = 1
    elif name == "wrong_type":
        ls[4]["reported"]["size"] = "big"
    elif name == "bad_enum":
        ls[4]["reported"]["status"] = "maybe"
    elif name == "missing_vertex":
        ls.append({"from": "v1", "to": "ghost"})
    elif name == "edge_type":
        ls.append({"from": "v1", "to": "v2", "edge_type": "bogus"})
    elif name == "two_roots":
        ls.append(node("orphan", "t_volume", "orphan"))
    elif name == "no_replace":
        ls[2]["metadata"].pop("replace")
    elif name == "unresolved_replace":
        ls[2]["metadata"].pop("replace")
        ls[4]["metadata"]["replace"] = True
    elif name == "two_merge_roots":
        ls.insert(3, node("acc9", "t_account", "acc9", True))
        ls += [{"from": "c", "to": "acc9"}, {"from": "acc9", "to": "acc1-reg"}]
    return ls


MERGE_REJECTIONS = {
    "format": "AttributeError('Format not understood! Got {\"id\": \"x\"",
    "no_kind": "AttributeError(\"No attribute kind found in {'id': 'v1'",
    "unknown_kind": "AttributeError('No kind definition found for nope')",
    "undefined_property": "AttributeError('Kind:t_volume Property:nope is not defined in model!')",
    "wrong_type": "Kind:t_volume Property:size is not valid: Expected type int64 but got str",
    "bad_enum": "Kind:t_volume Property:status is not valid: >maybe< should be one of:",
    "missing_vertex": "AssertionError('ghost was used in an edge definition but not provided as vertex!')",
    "edge_type": "AssertionError(\"Graph contains unknown edge types!",
    "two_roots": "AssertionError(\"Given subgraph has more than one root: ['r', 'orphan']\")",
    "no_replace": "No replace nodes provided in the graph. Mark at least one node with replace=true!",
    "unresolved_replace": "Node v1 is marked as replace node, but the kind is not resolved during import!",
    "two_merge_roots": "AttributeError(\"Nodes are referenced in more than one merge node:",
}


@pytest.mark.parametrize("case", sorted(MERGE_REJECTIONS))
def test_merge_rejections_sync_and_async(graph_core, case):
    resp = merge(graph_core, _mutate(case))
    assert resp.status_code == 400
    assert resp.text.startswith("Error: ImportAborted\nMessage: ")
    assert MERGE_REJECTIONS[case] in resp.text
    async_resp = merge(graph_core, _mutate(case), wait="False")
    assert async_resp.status_code == 204
    record = graph_core.merges[-1]
    assert record.status == 204 and record.error is not None and not record.ok
    assert set(graph_core.nodes()) == {"root"}  # nothing was applied


def test_merge_refuses_unknown_content_type_and_graph(graph_core):
    bad = requests.post(f"{graph_core.url}/graph/resoto/merge", data="x", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 400 and "Can not read graph" in bad.text
    assert merge(graph_core, account_upload(["v1"]), graph="nosuch").status_code == 404


def test_merge_accepts_json_bodies_and_bad_json_line(graph_core):
    resp = requests.post(f"{graph_core.url}/graph/resoto/merge", json=account_upload(["v1"]))
    assert resp.status_code == 200
    body = ndjson(account_upload(["v1"])) + "{not json\n"
    bad = requests.post(f"{graph_core.url}/graph/resoto/merge", data=body,
                        headers={"Content-Type": "application/x-ndjson"})
    assert bad.status_code == 400 and "JSONDecodeError" in bad.text


@pytest.mark.skipif(not CAPTURE.exists(), reason="captured reference traffic not available")
def test_captured_worker_traffic_is_accepted(core):
    model = json.loads((CAPTURE / "model.json").read_text())
    assert requests.post(core.url + "/graph/resoto").status_code == 200
    assert put_model(core, model).status_code == 200
    for name in ("merge-example-account", "merge-aws-account"):
        body = (CAPTURE / f"{name}.ndjson").read_bytes()
        resp = requests.post(core.url + "/graph/resoto/merge?wait_for_result=true", data=body,
                             headers={"Content-Type": "application/x-ndjson"})
        assert resp.status_code == 200, resp.text[:500]
    assert core.merges[-1].summary["nodes"] == 2704


# ------------------------------------------------------------------------------------------ search, patch, cli


def test_cleanup_search_patch_and_cli_clean(graph_core):
    assert merge(graph_core, account_upload(["v1", "v2"])).status_code == 200
    patched = requests.patch(f"{graph_core.url}/graph/resoto/nodes",
                             data=ndjson([{"id": "v1", "desired": {"clean": True}}]),
                             headers={"Content-Type": "application/x-ndjson"})
    assert patched.status_code == 200 and patched.json()[0]["desired"] == {"clean": True}
    query = ('/desired.clean == true and /metadata.cleaned != true and /metadata.protected!=true '
             'and /ancestors.cloud.reported.id in ["test"] <-default,delete[0:]->')
    resp = requests.post(f"{graph_core.url}/graph/resoto/search/graph?section=reported", data=query,
                         headers={"Accept": "application/x-ndjson"})
    lines = [json.loads(ln) for ln in resp.text.splitlines()]
    ids = {ln["id"] for ln in lines if ln["type"] == "node"}
    assert ids == {"root", "c", "acc1", "acc1-reg", "v1"}
    assert {"type": "edge", "from": "acc1-reg", "to": "v1", "edge_type": "default"} in lines
    cli = requests.post(f"{graph_core.url}/cli/execute?graph=resoto",
                        data='search is(t_volume) and id(v2) | clean "old"')
    assert [n["id"] for n in cli.json()] == ["v2"]
    assert graph_core.nodes()["v2"]["desired"] == {"clean": True}
    bad = requests.patch(f"{graph_core.url}/graph/resoto/nodes", json=[{"id": "v1", "kinds": []}])
    assert bad.status_code == 400 and "Allowed keys are" in bad.text
    twice = requests.patch(f"{graph_core.url}/graph/resoto/nodes", json=[{"id": "v1", "desired": {}}] * 2)
    assert twice.status_code == 400 and "Only one update allowed per id!" in twice.text


def test_cli_expired_query(graph_core):
    lines = account_upload(["v1", "v2"])
    lines[4]["reported"].update(ctime="2020-01-01T00:00:00Z", tags={"resoto:expiration": "1d"})
    assert merge(graph_core, lines).status_code == 200
    resp = requests.post(f"{graph_core.url}/cli/execute?graph=resoto",
                         data='query /metadata.expires < "@NOW@" | clean "Resource is expired"',
                         headers={"Accept": "application/x-ndjson"})
    assert [json.loads(ln)["id"] for ln in resp.text.splitlines()] == ["v1"]


# ------------------------------------------------------------------------------------------ work queue


HANDLERS = [{"name": "tag", "filter": {"cloud": ["aws"]}, "expect_node_result": True},
            {"name": "tag", "filter": {"cloud": ["aws"], "account": ["1"]}, "expect_node_result": True}]


def test_work_queue_routes_tasks_and_takes_results(core):
    general, specific = ws_connect(core, "/work/queue"), ws_connect(core, "/work/queue")
    general.send(json.dumps(HANDLERS[:1]))
    specific.send(json.dumps(HANDLERS))
    core.wait_for(lambda: len(core.workers) == 2, 10)
    task_id = core.send_task("tag", {"cloud": "aws", "account": "1"}, {"update": {"a": "b"}})
    task = recv_json(specific)  # the handler with the most filter keys wins
    assert task == {"task_id": task_id, "task_name": "tag", "attrs": {"cloud": "aws", "account": "1"},
                    "data": {"update": {"a": "b"}}}
    specific.send(json.dumps({"task_id": task_id, "result": "done", "data": {"id": "n"}}))
    assert core.wait_task_result(task_id, 10) == {"task_id": task_id, "result": "done", "data": {"id": "n"}}
    unrouted = core.send_task("tag", {"cloud": "gcp"}, {}, timeout=0.2)
    assert core.wait_task_result(unrouted, 10)["error"] == "No worker for task: tag"
    general.send("not json")
    assert_closed_by_server(general)
    specific.close()


def test_work_queue_needs_a_non_empty_handler_list(core):
    ws = ws_connect(core, "/work/queue")
    ws.send("[]")
    assert_closed_by_server(ws)
    assert core.wait_for(lambda: core.violations, 10)[0].channel == "work_queue"


# ------------------------------------------------------------------------------------------ pure functions


def test_validation_functions():
    model = update_model({}, small_model(), True)
    summary = validate_merge(model, account_upload(["v1"]))
    assert summary == {"nodes": 5, "edges": 4, "deferred_edges": 0, "replace_nodes": ["acc1"]}
    with pytest.raises(CoreRejection) as ex:
        validate_merge(model, _mutate("unknown_kind"))
    assert ex.value.status == 400 and ex.value.message == "No kind definition found for nope"
    with pytest.raises(CoreRejection) as ex:
        update_model(model, [kind("y", [], [("size", "string")])], False)
    assert ex.value.message == "size is defined in t_volume as int64 and in y as string"
