"""A local HTTP server standing in for Alibaba Cloud SMS's endpoint (``dysmsapi``).

It checks every request the SDK signs as Alibaba Cloud documents its V3 signature
(ACS3-HMAC-SHA256: the canonical request of method, path, sorted percent-encoded query,
signed headers and the body's SHA-256, HMAC-SHA256 with the key secret), answers
``SendSms`` from a script (``ok``, ``fail``: an error answer, ``throttle``: 400
``Throttling.User``, ``drop``: takes the message and closes the connection without a reply),
and ``QuerySendDetails`` from what it took. Everything it took is in ``delivered``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections import deque
from urllib.parse import parse_qsl, quote, urlsplit

ACCESS_KEY_ID = "LTAI-test-key"
ACCESS_KEY_SECRET = "test-secret-of-the-stand-in"
REQUIRED_SIGNED = {
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
}


def _encode(text: str) -> str:
    return quote(text, safe="~")


def check_signature(method: str, target: str, headers, body: bytes) -> str | None:
    """None when the request carries a valid ACS3-HMAC-SHA256 signature; else the problem."""
    scheme, _, rest = headers.get("Authorization", "").partition(" ")
    if scheme != "ACS3-HMAC-SHA256":
        return f"unknown signature scheme {scheme!r}"
    parts = dict(part.split("=", 1) for part in rest.split(","))
    if parts.get("Credential") != ACCESS_KEY_ID:
        return "wrong access key id"
    signed = parts["SignedHeaders"].split(";")
    if missing := REQUIRED_SIGNED - set(signed):
        return f"headers not signed: {sorted(missing)}"
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        return "x-acs-content-sha256 does not match the body"
    split = urlsplit(target)
    query = sorted(parse_qsl(split.query, keep_blank_values=True))
    canonical = "\n".join(
        [
            method,
            split.path or "/",
            "&".join(f"{_encode(k)}={_encode(v)}" for k, v in query),
            "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed),
            ";".join(signed),
            payload_hash,
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(ACCESS_KEY_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("Signature", "")):
        return "signature does not match"
    return None


class StandIn:
    def __init__(self):
        self.script: deque[str] = deque()
        self.delivered: list[dict] = []  # every message taken, duplicates included
        self.requests: list[tuple[float, str, dict]] = []  # (time, action, query)
        self.problems: list[str] = []
        self.nonces: set[str] = set()
        self.lookups_fail = False  # QuerySendDetails answers a server error
        self.lock = threading.Lock()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.handle(self, body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def sent_keys(self) -> list[str]:
        return [message["OutId"] for message in self.delivered]

    def handle(self, handler, body: bytes) -> None:
        problem = check_signature(handler.command, handler.path, handler.headers, body)
        nonce = handler.headers.get("x-acs-signature-nonce", "")
        action = handler.headers.get("x-acs-action", "")
        query = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        with self.lock:
            if nonce in self.nonces:
                problem = problem or "a signature nonce was used twice"
            self.nonces.add(nonce)
            self.requests.append((time.monotonic(), action, query))
            if problem:
                self.problems.append(problem)
                return self._answer(handler, 400, {"Code": "IncompleteSignature"})
            if action == "QuerySendDetails":
                if self.lookups_fail:
                    return self._answer(handler, 500, {"Code": "ServiceUnavailable"})
                return self._answer(handler, 200, self._details(query))
            if action != "SendSms":
                return self._answer(handler, 404, {"Code": "InvalidAction.NotFound"})
            mode = self.script.popleft() if self.script else "ok"
            if mode == "throttle":
                return self._answer(handler, 400, {"Code": "Throttling.User", "Message": "慢点"})
            if mode == "fail":
                return self._answer(handler, 200, {"Code": "isv.AMOUNT_NOT_ENOUGH"})
            biz_id = f"{len(self.delivered) + 1}^0"
            self.delivered.append({**query, "BizId": biz_id})
            if mode == "drop":  # taken, but the answer never arrives
                handler.close_connection = True
                handler.connection.shutdown(2)
                return None
            return self._answer(handler, 200, {"Code": "OK", "BizId": biz_id, "RequestId": "r"})

    def _details(self, query: dict) -> dict:
        found = [
            {"OutId": m["OutId"], "PhoneNum": m["PhoneNumbers"], "SendStatus": 1}
            for m in self.delivered
            if m["PhoneNumbers"] == query.get("PhoneNumber")
        ]
        return {
            "Code": "OK",
            "TotalCount": len(found),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": found},
        }

    @staticmethod
    def _answer(handler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
