"""A JWKS endpoint on loopback that relays the emulator's keys and counts the fetches (tests of the cache).

    with CountingJwks(upstream_url) as jwks:   # 127.0.0.1:<free port>
        settings.COGNITO_JWKS_URL = jwks.url
        jwks.fetches                           # how many GETs it answered
        jwks.delay_s = 0.5                     # every answer waits
"""

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingJwks:
    def __init__(self, upstream_url: str) -> None:
        self.upstream_url = upstream_url
        self.fetches = 0
        self.delay_s = 0.0
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with relay._lock:
                    relay.fetches += 1
                time.sleep(relay.delay_s)
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

    def __enter__(self) -> "CountingJwks":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
