"""A local stand-in for Stripe's API, because Stripe cannot be reached from here.

A threaded `http.server` on 127.0.0.1 that answers `POST /v1/checkout/sessions` the way Stripe
does, enough for the official `stripe` client: it checks the secret key in the Authorization
header, decodes the form-encoded parameters (``line_items[0][price_data][unit_amount]=...``) into
nested dicts, remembers every request (the tests read what the client sent), and answers with a
Checkout Session object. An idempotency key seen twice returns the first session, as Stripe does.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_relance_standin"


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][0][c]=v`` pairs into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            child_is_list = not last and parts[index + 1].isdigit()
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append(None)
                if last:
                    node[position] = value
                else:
                    if node[position] is None:
                        node[position] = [] if child_is_list else {}
                    node = node[position]
            elif last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if child_is_list else {})
    return root


@dataclass
class StripeStandIn:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_idempotency_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: bool = False


def _handler(state: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            params = unflatten(parse_qsl(raw, keep_blank_values=True))
            state.requests.append(
                {"path": self.path, "params": params, "headers": dict(self.headers.items()), "raw": raw}
            )
            if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                self._answer(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}})
                return
            if self.path != "/v1/checkout/sessions":
                self._answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}})
                return
            if state.fail_next:
                state.fail_next = False
                self._answer(400, {"error": {"type": "invalid_request_error", "message": "Invalid currency"}})
                return
            key = self.headers.get("Idempotency-Key", "")
            if key and key in state.by_idempotency_key:
                self._answer(200, state.by_idempotency_key[key])
                return
            session_id = f"cs_test_{secrets.token_hex(28)}"  # as long as Stripe's (66 characters)
            line = params["line_items"][0]
            amount_total = int(line["price_data"]["unit_amount"]) * int(line["quantity"])
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount_total,
                "currency": line["price_data"]["currency"],
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "payment_intent": None,
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "livemode": False,
            }
            state.sessions[session_id] = session
            if key:
                state.by_idempotency_key[key] = session
            self._answer(200, session)

    return Handler


class running_standin:
    def __enter__(self) -> StripeStandIn:
        self.state = StripeStandIn()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
