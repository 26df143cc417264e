"""A TCP relay on loopback that records, for every connection it accepts, when each request went through.

    with RecordingProxy(upstream_port) as proxy:     # 127.0.0.1:<proxy.port>
        ...                                         # point a client at proxy.port
        proxy.connections                          # [Connection(id, request_times), ...]

A request is counted when an HTTP request line arrives from the client (good enough for botocore's and
urllib's HTTP/1.1 requests, which send headers in one write). Tests use it to see whether two processes
reuse a connection (tests/core/test_snapstart.py).
"""

import re
import socket
import threading
import time
from dataclasses import dataclass, field

_REQUEST_LINE = re.compile(rb"(?:^|\r\n)(?:GET|POST|PUT|PATCH|DELETE|HEAD) \S+ HTTP/1\.[01]\r\n")


@dataclass
class Connection:
    id: int
    request_times: list[float] = field(default_factory=list)


class RecordingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closing = False

    def __enter__(self) -> "RecordingProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                record = Connection(id=len(self.connections))
                self.connections.append(record)
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, record), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, record: Connection | None) -> None:
        try:
            while chunk := source.recv(65536):
                if record is not None and _REQUEST_LINE.search(chunk):
                    record.request_times.append(time.time())
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
