"""The core's REST calls against a local HTTP server that answers what each test scripts: which answers
an upload retries (no answer, 5xx, 429, a conflicting merge in progress) and which it does not (any
other rejection; a 401 stops the worker), and the typed errors of single calls."""
import http.server
import json
import socket
import threading

import pytest

from worker.core.api import CoreApi
from worker.core.client import CoreClient
from worker.core.errors import CoreRejected, CoreUnauthorized, CoreUnreachable, FatalError
from worker.upload import CoreGraph, UploadFailed

SETTINGS = {"graph": "g", "upload_attempts": 3, "upload_retry_max_wait": 0.05, "upload_retry_budget": 20}


class Scripted(http.server.ThreadingHTTPServer):
    """Answers each request with the next scripted (status, body), the last one from then on; records
    method, path and body of every request."""

    daemon_threads = True

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_one(self):
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    break
                body += chunk
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        server.requests.append((self.command, self.path, body))
        status, text = server.answers.pop(0) if len(server.answers) > 1 else server.answers[0]
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_one

    def log_message(self, *args):
        pass


@pytest.fixture
def core():
    servers = []

    def start(*answers):
        server = Scripted(answers)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def upload(url):
    graph = CoreGraph(CoreClient(url, timeout=5, graph_timeout=5), SETTINGS)
    return graph.merge("account a", lambda: iter([b'{"id":"x"}\n']), 1, 0, "task-1", True)


@pytest.mark.parametrize("answer", [(503, "busy"), (429, "slow down"), (400, "ConflictingChangeInProgress: x")],
                         ids=["5xx", "429", "conflicting merge"])
def test_an_upload_retries_what_clears_by_itself(core, answer):
    server = core(answer, (200, json.dumps({"created": 1})))
    result = upload(server.url)
    assert (result.status, result.counts, result.attempts) == (200, {"created": 1}, 2)
    assert [r[2] for r in server.requests] == [b'{"id":"x"}\n'] * 2  # the body sent anew each time


def test_an_upload_the_core_rejects_is_not_retried(core):
    server = core((400, "Error: invalid node"))
    with pytest.raises(UploadFailed, match="uploading account a: core answered 400: Error: invalid node"):
        upload(server.url)
    assert len(server.requests) == 1


def test_a_401_stops_the_worker_instead_of_retrying(core):
    server = core((401, "no"))
    with pytest.raises(FatalError, match="rejected our token"):
        upload(server.url)
    assert len(server.requests) == 1


def test_an_upload_gives_up_after_its_attempts(core):
    server = core((502, "bad gateway"))
    with pytest.raises(UploadFailed, match=r"core answered 502: bad gateway \(after 3 attempts\)"):
        upload(server.url)
    assert len(server.requests) == 3


def test_no_answer_is_retried_until_the_attempts_are_used():
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(UploadFailed, match=r"ConnectionError.*\(after 3 attempts\)"):
        upload(url)


def test_single_calls_raise_typed_errors(core):
    api = CoreApi(CoreClient(core((404, "gone")).url, timeout=5))
    with pytest.raises(CoreRejected) as rejected:
        api.execute("marking", "g", "search all")
    assert (rejected.value.status, rejected.value.reason) == (404, "404 gone")
    api.unsubscribe("unsubscribing", "sid-collector", "collect")  # 404: already gone, as asked
    unauthorized = CoreApi(CoreClient(core((401, "")).url, timeout=5))
    with pytest.raises(CoreUnauthorized):
        unauthorized.subscribe("subscribing", "sid-collector", "collect", 60)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = CoreApi(CoreClient(f"http://127.0.0.1:{closed.getsockname()[1]}", timeout=5))
    with pytest.raises(CoreUnreachable) as unreachable:
        nowhere.get_config("fetching the config", "resoto.worker", {})
    assert isinstance(unreachable.value, OSError)


def test_a_missing_config_is_none_and_requests_go_where_the_core_expects_them(core):
    server = core((404, ""), (200, "{}"))
    api = CoreApi(CoreClient(server.url, timeout=5))
    assert api.get_config("fetching the config", "resoto.worker", {}) is None
    api.sign("signing", b"csr")
    assert [(m, p) for m, p, _ in server.requests] == [("GET", "/config/resoto.worker"), ("POST", "/ca/sign")]
