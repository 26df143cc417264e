"""A fake Expo push server on loopback, for tests and benchmarks (nothing leaves the machine).

It speaks the two endpoints exponent-server-sdk calls, records every request, and can be told to
misbehave:

    with FakeExpo() as expo:                    # listens on 127.0.0.1:<free port>
        settings.EXPO_PUSH_URL = expo.push_url
        expo.fail_next(2, status=503)           # the next 2 push requests answer 503
        expo.fail_next(1, status=429, retry_after_s=1)  # ... or 429 TOO_MANY_REQUESTS, with Retry-After
        expo.clear_failures()                   # forget the failures not yet served
        expo.delay_s = 2.0                      # every answer waits (a timeout, with a short client timeout)
        expo.unregistered.add(token)            # tickets for this token: DeviceNotRegistered
        expo.unregistered_in_receipts.add(token)  # ticket ok, its receipt: DeviceNotRegistered
        expo.pushed_tokens(), expo.push_requests, expo.receipt_requests

Like Expo, it refuses a request of more than 100 messages (400, PUSH_TOO_MANY_NOTIFICATIONS), and reads
gzipped bodies (Content-Encoding: gzip); `gzipped_requests` counts them.
"""

import gzip
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/--/api/v2"
MAX_MESSAGES = 100


class FakeExpo:
    def __init__(self) -> None:
        self.push_requests: list[list[dict]] = []
        self.receipt_requests: list[list[str]] = []
        self.unregistered: set[str] = set()
        self.unregistered_in_receipts: set[str] = set()
        self.delay_s = 0.0
        self.gzipped_requests = 0
        self._failures: list[tuple[int, float | None]] = []
        self._tickets: dict[str, str] = {}  # ticket id -> token
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control ----------------------------------------------------------------------------------
    @property
    def push_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{API}/push/send"

    def start(self) -> "FakeExpo":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeExpo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail_next(self, count: int = 1, *, status: int = 500, retry_after_s: float | None = None) -> None:
        """Answer the next `count` push requests with `status` (and no tickets): 429 is Expo's
        TOO_MANY_REQUESTS (with a Retry-After header if given), 5xx its server errors."""
        with self._lock:
            self._failures.extend([(status, retry_after_s)] * count)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def pushed_messages(self) -> list[dict]:
        """Every message Expo accepted (requests that were answered 200)."""
        with self._lock:
            return [m for request in self.push_requests for m in request]

    def pushed_tokens(self) -> list[str]:
        return [m["to"] for m in self.pushed_messages()]

    # -- the server -------------------------------------------------------------------------------
    def _answer_push(self, messages: list[dict]) -> tuple[int, dict, dict]:
        with self._lock:
            if self._failures:
                status, retry_after = self._failures.pop(0)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                code = "TOO_MANY_REQUESTS" if status == 429 else "INTERNAL_SERVER_ERROR"
                return status, {"errors": [{"code": code, "message": "An unknown error occurred."}]}, headers
            if len(messages) > MAX_MESSAGES:
                return 400, {"errors": [{"code": "PUSH_TOO_MANY_NOTIFICATIONS",
                                         "message": "You are trying to send more than 100 push notifications."}]}, {}
            self.push_requests.append(messages)
            data = []
            for message in messages:
                token = message["to"]
                if token in self.unregistered:
                    data.append({"status": "error", "message": f"{token} is not a registered push recipient",
                                 "details": {"error": "DeviceNotRegistered"}})
                    continue
                ticket = str(uuid.uuid4())
                self._tickets[ticket] = token
                data.append({"status": "ok", "id": ticket})
            return 200, {"data": data}, {}

    def _answer_receipts(self, ticket_ids: list[str]) -> tuple[int, dict]:
        with self._lock:
            self.receipt_requests.append(ticket_ids)
            data = {}
            for ticket in ticket_ids:
                token = self._tickets.get(ticket)
                if token is None:
                    continue
                if token in self.unregistered_in_receipts:
                    data[ticket] = {"status": "error", "message": "not registered",
                                    "details": {"error": "DeviceNotRegistered"}}
                else:
                    data[ticket] = {"status": "ok"}
            return 200, {"data": data}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                    raw = gzip.decompress(raw)
                    with fake._lock:
                        fake.gzipped_requests += 1
                body = json.loads(raw or b"null")
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                headers: dict = {}
                if self.path.split("?")[0] == f"{API}/push/send":
                    status, answer, headers = fake._answer_push(body if isinstance(body, list) else [body])
                elif self.path == f"{API}/push/getReceipts":
                    status, answer = fake._answer_receipts(list(body.get("ids", [])))
                else:
                    status, answer = 404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]}
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args):
                pass

        return Handler
