"""A learner's Jupyter server from the outside: its REST API and a kernel over its websocket.

Shared by the room benchmark (``benchmarks/room.py``: one server per learner, as a hub gives them) and
the hub test (``tests/test_hub.py``: the same through JupyterHub's proxy).  Only the standard library,
tornado's websocket client (installed with Jupyter) and Jupyter's JSON message format are used.
"""

import asyncio
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

__all__ = ["free_port", "request", "Kernel", "connect_kernel", "start_server", "outputs_text", "SERVER_ARGS"]

#: A plain Jupyter server for one learner: loopback only, a token, no browser, no extensions' build checks.
SERVER_ARGS = ["--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.disable_check_xsrf=True"]


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, token=None, method="GET", body=None, timeout=60):
    """One HTTP request with an optional ``Authorization: token``; returns (status, parsed JSON or text).

    Connection errors are returned as status 0 with their text, so a poll can keep waiting.
    """
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode(errors="replace")
    except OSError as err:
        return 0, str(err)
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


class Kernel:
    """One kernel of a Jupyter server, driven over ``/api/kernels/<id>/channels`` (Jupyter's JSON protocol)."""

    def __init__(self, ws, user="learner"):
        self.ws, self.session, self.user = ws, uuid.uuid4().hex, user

    async def run(self, code, timeout=600):
        """Execute ``code``; returns (outputs as nbformat-style dicts, the execute_reply's content) once idle again.

        Raises:
            TimeoutError: no reply and idle state within ``timeout`` seconds.
            ConnectionError: the websocket closed (the kernel or the server died).
        """
        msg_id = uuid.uuid4().hex
        self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": self.user, "session": self.session, "msg_type": "execute_request",
                       "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        outputs, reply, idle = [], None, False
        end = time.monotonic() + timeout
        while reply is None or not idle:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.user}: no reply within {timeout:.0f} s to:\n{code[:500]}")
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=left)
            if raw is None:
                raise ConnectionError(f"{self.user}: the kernel's websocket closed while running:\n{code[:500]}")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if msg["channel"] == "shell" and kind == "execute_reply":
                reply = content
            elif kind == "status":
                idle = content["execution_state"] == "idle"
            elif kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                outputs.append({"output_type": "display_data", "data": content["data"], "metadata": {}})
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"],
                                "traceback": content["traceback"]})
        return outputs, reply

    def close(self):
        self.ws.close()


async def connect_kernel(base, kernel_id, token, user="learner"):
    """A :class:`Kernel` on the websocket of ``<base>/api/kernels/<kernel_id>/channels``."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = base.replace("http://", "ws://", 1).rstrip("/") + f"/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}),
                                 max_message_size=256 * 2**20)
    return Kernel(ws, user)


def outputs_text(outputs):
    """Everything a learner reads in these outputs, as plain text (streams, text/plain, HTML, tracebacks)."""
    parts = []
    for out in outputs:
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
        else:
            parts += [str(out["data"].get(k, "")) for k in ("text/markdown", "text/html", "text/plain")]
    return "\n".join(parts)


def start_server(root_dir, env, log, deadline=180):
    """Start a Jupyter server for one learner and wait until its API answers.

    Returns:
        tuple[subprocess.Popen, str, str]: the process, its base URL and its token.

    Raises:
        RuntimeError: it exited, or did not answer within ``deadline`` seconds; the log tail is in the message.
    """
    port, token = free_port(), uuid.uuid4().hex
    cmd = [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root_dir}", *SERVER_ARGS]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=root_dir, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited with {proc.returncode}:\n{open(log).read()[-3000:]}")
        if request(f"{base}/api/status", token, timeout=5)[0] == 200:
            return proc, base, token
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the Jupyter server did not answer within {deadline} s:\n{open(log).read()[-3000:]}")
