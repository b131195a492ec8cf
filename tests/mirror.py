"""A loopback HTTP server that stands in for the data mirrors in tests."""

import hashlib
import http.server
import ipaddress
import socket
import threading
import time
from collections import Counter


class Mirror:
    """Serve files from a dict; per-file behaviour (``add(..., mode=)``):

    "ok"; "404"; "500" (always a server error); "flaky" (first answer cut in half, then ok);
    "flaky500" (first a 503, then ok); "truncate" (Content-Length, half the body, connection closed);
    "stall" (no answer until the server closes); "partial" (half the body, then silence until closed);
    "slow" (the body in 20 steps of 50 ms); "trickle" (one byte every 20 ms); "endless" (zeros without
    a Content-Length, until the client hangs up); "lie" (Content-Length 300,000,000, then the body);
    "slowheaders" (the status line and headers one byte every 50 ms, padded to 400 bytes: 20 s, then the body).
    Slow answers end when the client hangs up or the server closes, so no thread outlives a test.
    """

    def __init__(self):
        self.files, self.mode, self.hits = {}, {}, Counter()
        self.release = threading.Event()
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                mirror.hits[name] += 1
                mode, body = mirror.mode.get(name, "ok"), mirror.files.get(name)
                if mode == "flaky":
                    mode = "truncate" if mirror.hits[name] == 1 else "ok"
                if mode == "flaky500":
                    mode = "500" if mirror.hits[name] == 1 else "ok"
                if body is None or mode == "404":
                    self.send_error(404)
                    return
                if mode == "500":
                    self.send_error(503)
                    return
                if mode == "stall":
                    mirror.release.wait(30)
                    return
                if mode == "slowheaders":
                    head = (f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\nX-Pad: {'.' * 340}\r\n\r\n").encode()
                    try:
                        for i in range(len(head)):
                            if mirror.release.wait(0.05):
                                return
                            self.wfile.write(head[i:i + 1])
                            self.wfile.flush()
                        self.wfile.write(body)
                    except OSError:
                        pass  # the client hung up
                    self.close_connection = True
                    return
                self.send_response(200)
                if mode != "endless":
                    self.send_header("Content-Length", str(300_000_000 if mode == "lie" else len(body)))
                self.end_headers()
                try:
                    self._body(mode, body)
                except OSError:
                    pass  # the client hung up: what the slow modes wait for

            def _body(self, mode, body):
                if mode == "partial":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    mirror.release.wait(30)
                    return
                if mode == "trickle":
                    for i in range(len(body)):
                        if mirror.release.wait(0.02):
                            return
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                    return
                if mode == "endless":
                    zeros = bytes(1 << 16)
                    while not mirror.release.is_set():
                        self.wfile.write(zeros)
                    return
                if mode == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                step = max(1, len(body) // 20) if mode == "slow" else len(body)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    if mode == "slow":
                        time.sleep(0.05)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, name, body, mode="ok"):
        self.files[name], self.mode[name] = body, mode
        return hashlib.sha256(body).hexdigest()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def is_loopback(address):
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
