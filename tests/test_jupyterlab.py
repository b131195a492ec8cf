"""The main job: `jupyter lab` starts, lists exercises/, and runs an exercise's first cells in a kernel."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, token, method="GET", body=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw and resp.headers.get_content_type() == "application/json" else raw)


@pytest.fixture
def lab(tmp_path):
    port, token = _free_port(), uuid.uuid4().hex
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "lab.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer within 120 s")
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _run_cells(base, token, kernel_id, sources):
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"{base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={token}")
    outputs = []
    try:
        for src in sources:
            msg_id = uuid.uuid4().hex
            await ws.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": "s",
                           "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": src, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            while True:
                msg = json.loads(await ws.read_message())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream":
                    outputs.append(msg["content"]["text"])
                elif kind == "error":
                    outputs.append(f"ERROR {msg['content']['ename']}: {msg['content']['evalue']}")
                elif kind == "execute_reply" and msg["channel"] == "shell":
                    assert msg["content"]["status"] == "ok", outputs
                    break
    finally:
        ws.close()
    return "".join(outputs)


@pytest.mark.slow
def test_lab_serves_exercises_and_runs_first_cells(lab):
    import asyncio

    base, token = lab
    status, page = _get(f"{base}/lab", token)
    assert status == 200 and b"JupyterLab" in page
    _, listing = _get(f"{base}/api/contents/exercises", token)
    names = sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb"))
    assert names == sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")) and len(names) == 6
    _, model = _get(f"{base}/api/contents/exercises/{names[0]}", token)
    code = [c["source"] for c in model["content"]["cells"] if c["cell_type"] == "code"][:3]
    _, kernel = _get(f"{base}/api/kernels", token, method="POST", body={"name": "python3", "path": "exercises"})
    try:
        text = asyncio.run(_run_cells(base, token, kernel["id"], code))
    finally:
        _get(f"{base}/api/kernels/{kernel['id']}", token, method="DELETE")
    assert "QUICK MODE" in text or "Full mode" in text
    assert "ERROR" not in text
