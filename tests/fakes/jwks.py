"""A JWKS endpoint on loopback that relays the emulator's keys and counts the fetches (tests of the cache).

    with CountingJwks(upstream_url) as jwks:   # 127.0.0.1:<free port>
        settings.COGNITO_JWKS_URL = jwks.url
        jwks.fetches                           # how many GETs it answered
        jwks.hold(); jwks.entered.wait(5)      # answers wait until jwks.release(); a GET has arrived
"""

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingJwks:
    def __init__(self, upstream_url: str) -> None:
        self.upstream_url = upstream_url
        self.fetches = 0
        self.entered = threading.Event()
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with relay._lock:
                    relay.fetches += 1
                relay.entered.set()
                relay._released.wait(30)
                with urllib.request.urlopen(relay.upstream_url, timeout=10) as response:  # noqa: S310 (loopback)
                    body = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def hold(self) -> None:
        """Answer no GET until release()."""
        self.entered.clear()
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> "CountingJwks":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
