"""A loopback HTTP server that stands in for the data mirrors in tests."""

import hashlib
import http.server
import ipaddress
import socket
import threading
import time
from collections import Counter


class Mirror:
    """Serve files from a dict; per-file behaviour: "ok", "truncate", "stall", "404", "flaky", "slow"."""

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
                if body is None or mode == "404":
                    self.send_error(404)
                    return
                if mode == "stall":
                    mirror.release.wait(30)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
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
