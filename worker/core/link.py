"""A websocket link to the core that stays up: reconnects with capped, jittered exponential backoff
(tenacity; the cap is ``max_backoff``, from ``core_reconnect_max_wait``), pings every 20 s with a 10 s
pong timeout, and sends the Authorization header on every upgrade. Connecting, the handshake and every
send are bounded by the client's timeout (``core_timeout``): a core that accepts connections and never
answers costs one timeout per attempt, not the link. Subclasses say what to do before each connect, on
open and per message."""
from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from typing import Any, Optional, Union

import tenacity
import websocket

from worker.core.client import CoreClient
from worker.core.frames import encode

log = logging.getLogger(__name__)

STABLE_AFTER = 30.0  # a connection that lived this long resets the backoff


class LinkDown(Exception):
    pass


class Link(threading.Thread):
    path = "/"

    def __init__(self, client: CoreClient, name: str, max_backoff: float = 10.0) -> None:
        super().__init__(name=name, daemon=True)
        self.client = client
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.connects = 0
        self._ws: Optional[websocket.WebSocketApp] = None
        self._send_lock = threading.Lock()
        self._last_error = ""
        self._again = threading.Event()  # reconnect() closed the socket on purpose: connect again at once

    # ---- for subclasses --------------------------------------------------------------------------

    def before_connect(self) -> None:
        """Runs before every (re)connect; raise LinkDown to back off and try again."""

    def on_open(self, first: bool) -> None:
        """The socket is open; ``first`` is False after a reconnect."""

    def on_message(self, message: Any) -> None:
        """One decoded JSON frame."""

    def on_closed(self) -> None:
        """The socket went down (before a reconnect is tried)."""

    # ---- sending ---------------------------------------------------------------------------------

    def send(self, message: Any) -> bool:
        """Send one JSON frame; False if the socket is down or the send failed (the caller decides
        whether to keep it). FrameError: a frame the core cannot take, not sent."""
        text = encode(message)
        ws = self._ws
        if ws is None or not self.connected.is_set():
            return False
        try:
            with self._send_lock:
                ws.send(text)
            return True
        except (websocket.WebSocketException, OSError) as ex:
            log.warning("%s: send failed (%s); reconnecting", self.name, ex)
            # the stream may now hold part of a frame: end the connection (its reader wakes with EOF)
            raw = getattr(ws.sock, "sock", None)
            if raw is not None:
                try:
                    raw.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return False

    # ---- the loop --------------------------------------------------------------------------------

    def stop(self) -> None:
        """Close the socket without waiting long for the core's close frame (the default waits 3 s)."""
        self.stopping.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.close(timeout=0.5)
            except Exception:  # closing a half-open socket may raise anything; we are leaving anyway
                pass

    def reconnect(self) -> None:
        """Close the open socket and connect again at once, without backing off (to register anew).
        Without an open socket there is nothing to do: the next connection starts afresh anyway."""
        ws = self._ws
        if ws is None or not self.connected.is_set():
            return
        self._again.set()
        try:
            ws.close(timeout=0.5)
        except Exception:  # a half-open socket may raise anything; the reader ends either way
            pass

    def run(self) -> None:
        while not self.stopping.is_set():
            retrying = tenacity.Retrying(
                wait=self._backoff,
                retry=tenacity.retry_if_exception_type(LinkDown),
                stop=lambda state: self.stopping.is_set(),
                sleep=self.stopping.wait,
                before_sleep=self._log_retry,
                reraise=False,
            )
            try:
                retrying(self._connect_once)
            except tenacity.RetryError:
                break  # stopping
            except Exception:  # a bug in a subclass must not end the link for good
                log.exception("%s: unexpected error, reconnecting", self.name)
                self.stopping.wait(1)

    def _backoff(self, state: tenacity.RetryCallState) -> float:
        # like tenacity's wait_random_exponential, with a cap read at each pause: the config may change it
        return random.uniform(0, min(self.max_backoff, 0.5 * 2 ** state.attempt_number))

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s: link down (%s); reconnect attempt %d in %.1f s", self.name, exc or self._last_error,
                    state.attempt_number, state.next_action.sleep if state.next_action else 0)

    def _connect_once(self) -> None:
        self.before_connect()
        if self.stopping.is_set():
            return
        self._last_error = ""
        websocket.setdefaulttimeout(self.client.timeout)  # websocket-client takes its socket timeout from here only
        ws = websocket.WebSocketApp(
            self.client.ws_url + self.path,
            header=self.client.auth_header(),
            on_open=self._opened,
            on_message=self._received,
            on_error=self._errored,
        )
        self._ws = ws
        started = time.monotonic()
        try:
            ws.run_forever(ping_interval=20, ping_timeout=10, ping_payload="ping", sslopt=self.client.sslopt(),
                           suppress_origin=True)
        finally:
            was_connected = self.connected.is_set()
            self.connected.clear()
            self._ws = None
            if was_connected:
                self.on_closed()
        if self.stopping.is_set():
            return
        if self._again.is_set():
            self._again.clear()
            return
        if not was_connected or time.monotonic() - started < STABLE_AFTER:
            raise LinkDown(self._last_error or "closed by the core")
        log.warning("%s: connection closed by the core; reconnecting", self.name)

    def _opened(self, ws: websocket.WebSocketApp) -> None:
        self.connects += 1
        self.connected.set()
        log.info("%s: connected to %s%s", self.name, self.client.ws_url, self.path)
        try:
            self.on_open(self.connects == 1)
        except Exception:
            log.exception("%s: error right after connect", self.name)

    def _received(self, ws: websocket.WebSocketApp, text: Union[str, bytes]) -> None:
        # what fails here is named here: websocket-client would only log "error from callback"
        if isinstance(text, bytes):
            log.warning("%s: ignored a binary frame of %d bytes (the core sends JSON text)", self.name, len(text))
            return
        try:
            message = json.loads(text)
        except ValueError as ex:
            log.warning("%s: ignored a frame that is not JSON (%s): %.200r", self.name, ex, text)
            return
        except RecursionError:
            log.warning("%s: ignored a frame nested too deeply to decode (%d characters): %.100r", self.name,
                        len(text), text)
            return
        try:
            self.on_message(message)
        except Exception:  # never let one frame kill the link
            log.exception("%s: error handling frame %.200r", self.name, text)

    def _errored(self, ws: websocket.WebSocketApp, error: Exception) -> None:
        status = getattr(error, "status_code", None)
        if status == 401:
            self._last_error = "the core rejected our token (401): wrong PSK?"
            log.error("%s: %s", self.name, self._last_error)
        elif status == 429:
            self._last_error = ("the core allows one connection per subscriber id (429): is another worker "
                                "running with the same --subscriber-id?")
            log.error("%s: %s", self.name, self._last_error)
        elif status is not None:
            self._last_error = f"handshake refused with status {status}"
        else:
            self._last_error = str(error) or type(error).__name__
