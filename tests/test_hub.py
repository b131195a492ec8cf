"""A real JupyterHub in the tests (issue 21): the shipped hub/jupyterhub_config.py, four learners at once.

JupyterHub (PyPI) and configurable-http-proxy (npm, ``npm ci --prefix hub``; ``make test`` and ``.ci/run``
install it) start on loopback ports from ``hub/jupyterhub_config.py`` itself; a small extra config
(``WORKSHOP_HUB_EXTRA_CONFIG``) only swaps in loopback ports, a test authenticator with a password
(``SharedPasswordAuthenticator``, which took over ``DummyAuthenticator``'s password in JupyterHub 5.3), a
spawner that needs no system accounts (``SimpleLocalProcessSpawner``, homes under a temporary folder) and
an admin token for the test.  The kernel spec comes from ``python -m helpers kernel install --prefix``,
found by the servers through ``JUPYTER_PATH``.

Four learners, in parallel, each: log in through the hub's REST API with their password (a token
request), start their own server, find exercise 01 in their workspace (prepared before the server
started), start ONE "Keras workshop" kernel through their server's REST API and, over its websocket,
run exercise 01 with every ``qN.solution()`` pasted into its blank and then solution 04 in quick mode (trained for
``runs.SHORT_04_EPOCHS`` epochs: the room is tested here, the walk-through runs 04 with quick mode's own),
until every check says Correct; any error output fails.  Then ``python -m helpers lab`` inside that
kernel must say where the workspace is instead of starting a second server.  Everything the hub
started (servers, kernels, proxy, culler) is stopped at the end, on failure too.

Deadlines are generous (a shared 2-core machine) and scaled by ``WORKSHOP_TEST_TIMEOUT_SCALE``; the test
waits on states (hub answering, server ready, kernel idle, reply received), never for a fixed time.
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from benchmarks.jupyter_api import connect_kernel, free_port, outputs_text, request
from runs import SHORT_04_EPOCHS
from test_learner_walkthrough import CHECK, blank_lines, paste, questions_of

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "hub" / "jupyterhub_config.py"
PROXY = ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
LEARNERS = 4
SCALE = float(os.environ.get("WORKSHOP_TEST_TIMEOUT_SCALE") or 1)

pytestmark = pytest.mark.slow

EXTRA_CONFIG = """
# Loopback ports, a test authenticator and a spawner without system accounts: the rest is hub/jupyterhub_config.py.
import os
c = get_config()
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
# JupyterHub's test authenticator with one password for every learner (DummyAuthenticator's password moved here in 5.3)
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = "{password}"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.ip = "127.0.0.1"
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
c.JupyterHub.services.append({{"name": "room-test", "api_token": "{token}"}})
c.JupyterHub.load_roles.append({{"name": "room-test", "services": ["room-test"],
                                  "scopes": ["admin:users", "admin:servers", "list:services", "read:services"]}})
"""


def deadline(seconds):
    return seconds * SCALE


def wait_for(what, check, seconds, proc=None, log=None):
    """Poll ``check()`` until it returns something true; fail with ``what`` and the log tail after the deadline."""
    end = time.monotonic() + deadline(seconds)
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the hub exited with {proc.returncode} while waiting for {what}:\n{tail(log)}")
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"{what}: not within {deadline(seconds):.0f} s\n{tail(log)}")


def tail(log, chars=6000):
    return Path(log).read_text(errors="replace")[-chars:] if log and Path(log).exists() else ""


def stop_everything(proc, log):
    """SIGTERM the hub (it stops the learners' servers and its proxy), then kill whatever it left; fail if any survive."""
    import psutil

    try:
        started = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=deadline(60))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    _, alive = psutil.wait_procs(started, timeout=deadline(30))
    left = [f"{p.pid} {' '.join(p.cmdline()[:3])}" for p in alive if p.is_running()]
    for p in alive:
        p.kill()
    _, survivors = psutil.wait_procs(alive, timeout=30)
    assert not survivors, f"processes the hub started survived SIGKILL: {survivors}"
    return left


@pytest.fixture
def hub(tmp_path_factory, shared_data):
    if not PROXY.exists():
        pytest.fail(f"configurable-http-proxy is not installed at {PROXY}. Fix: `npm ci --prefix hub` "
                    f"(make test and .ci/run do it; node >= 20 and npm are needed)")
    tmp = tmp_path_factory.mktemp("hub")
    prefix = tmp / "prefix"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "JUPYTERHUB_", "JUPYTER_"))}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    install = subprocess.run([sys.executable, "-m", "helpers", "kernel", "install", "--prefix", str(prefix),
                              "--data-dir", str(shared_data), "--offline", "--quick", "1", "--threads", "1"],
                             env=base, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr
    port, token, password = free_port(), uuid.uuid4().hex, uuid.uuid4().hex
    extra = tmp / "extra_config.py"
    extra.write_text(EXTRA_CONFIG.format(hub_port=free_port(), api_port=free_port(), password=password,
                                         homes=tmp / "homes", token=token))
    env = {**base, "WORKSHOP_HUB_URL": f"http://127.0.0.1:{port}", "WORKSHOP_HUB_STATE": str(tmp / "state"),
           "WORKSHOP_HUB_EXTRA_CONFIG": str(extra), "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
           "WORKSHOP_CACHE_DIR": str(tmp / "cache")}
    log = tmp / "hub.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env=env, cwd=tmp,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("the hub answering through its proxy", lambda: _answers(url), 120, proc, log)
        yield {"url": url, "token": token, "password": password, "log": log, "proc": proc, "homes": tmp / "homes"}
    finally:
        left = stop_everything(proc, log)
        print(f"\nhub stopped; processes it had not stopped itself: {left or 'none'}")


def _answers(url):
    try:
        urllib.request.urlopen(f"{url}/hub/api", timeout=5)
        return True
    except OSError:
        return False


# -- a learner's kernel over its websocket (benchmarks/jupyter_api.py, shared with the room benchmark) ----------------
def problems_of(outputs):
    """Error outputs, and stderr that reports an error or a traceback."""
    found = [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]
    found += [o["text"][-1500:] for o in outputs if o["output_type"] == "stream" and o["name"] == "stderr"
              and ("Traceback" in o["text"] or "Error" in o["text"])]
    return found


#: After 01 and 04: what the kernel's TensorFlow runs with, which run it made, and `helpers lab` inside the hub.
PROBE = """import json, os, subprocess, sys
import tensorflow as tf
lab = subprocess.run([sys.executable, "-m", "helpers", "lab"], capture_output=True, text=True, timeout=300)
print(json.dumps({"intra": tf.config.threading.get_intra_op_parallelism_threads(), "lab": lab.stdout + lab.stderr,
                  "rc": lab.returncode, "run": [run.notebook, run.quick], "home": os.environ["HOME"]}))
"""


async def run_cells(kernel, cells, name):
    """Run code cells in order; every check must say Correct; returns (checks correct, texts of all cells)."""
    correct, texts = set(), []
    for i, source in enumerate(cells):
        outputs, reply = await kernel.run(source, timeout=deadline(600))
        text = outputs_text(outputs)
        texts.append(text)
        assert not problems_of(outputs) and reply["status"] == "ok", (
            f"{kernel.user}, {name}, cell {i} failed:\n{source[:800]}\n---\n{problems_of(outputs) or reply}")
        match = CHECK.search(source)
        if match:
            assert f"{match.group(1)} · Correct" in text, f"{kernel.user}, {name}: {text[-1500:]}"
            correct.add(match.group(1))
    return correct, texts


def filled_in(exercise):
    """Exercise 01's code cells with every ``qN.solution()`` text pasted into its blank."""
    questions = questions_of(exercise)
    cells = []
    for cell in exercise.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        stubs = blank_lines(source)
        if stubs:
            name = next(m.group(1) for c in exercise.cells[exercise.cells.index(cell) + 1:]
                        if c.cell_type == "code" for m in [CHECK.search(c.source)] if m)
            source = paste(source, stubs[0], getattr(questions, name).solution_text)
        cells.append(source)
    return cells, questions


async def learner(hub, name):
    """One learner's session, start to finish; returns what the test asserts on."""
    url = hub["url"]
    loop = asyncio.get_running_loop()

    async def call(*args, **kwargs):
        return await loop.run_in_executor(None, lambda: request(*args, **kwargs))

    started = time.monotonic()
    status, body = await call(f"{url}/hub/api/users/{name}/tokens", method="POST",
                              body={"auth": {"username": name, "password": hub["password"]}, "note": "room test"})
    assert status == 201, (status, body)
    token = body["token"]
    status, body = await call(f"{url}/hub/api/users/{name}/server", token, method="POST", body={})
    assert status in (201, 202), (status, body)
    end = time.monotonic() + deadline(300)
    while True:
        status, user = await call(f"{url}/hub/api/users/{name}", token)
        server = (user.get("servers") or {}).get("", {}) if status == 200 else {}
        if server.get("ready"):
            break
        assert time.monotonic() < end, f"{name}'s server was not ready within {deadline(300):.0f} s:\n{tail(hub['log'])}"
        await asyncio.sleep(0.5)
    base = f"{url}/user/{name}"
    server_ready = time.monotonic() - started
    status, listing = await call(f"{base}/api/contents/keras-workshop", token)
    assert status == 200, (status, listing)
    status, notebook = await call(f"{base}/api/contents/keras-workshop/01_warmup.ipynb?content=1", token)
    assert status == 200, (status, notebook)
    exercise = nbformat.from_dict(notebook["content"])
    status, spec = await call(f"{base}/api/kernelspecs", token)
    assert status == 200 and "keras-workshop" in spec["kernelspecs"], spec
    status, kernel_model = await call(f"{base}/api/kernels", token, method="POST", body={"name": "keras-workshop"})
    assert status == 201, (status, kernel_model)
    kernel = await connect_kernel(base, kernel_model["id"], token, user=name)
    try:
        cells, questions = filled_in(exercise)
        correct_01, texts_01 = await run_cells(kernel, cells, "exercise 01")
        solution = nbformat.read(ROOT / "solutions" / "04_cnn_mnist.ipynb", as_version=4)
        questions_04 = questions_of(solution)
        # quick mode with fewer epochs (tests/runs.py: every check still passes with a margin); the walk-through
        # of 04 runs it with quick mode's own epochs
        sources = [re.sub(r"^epochs = None\b.*$", f"epochs = {SHORT_04_EPOCHS}", c.source, flags=re.MULTILINE)
                   if "parameters" in c.metadata.get("tags", []) else c.source
                   for c in solution.cells if c.cell_type == "code"]
        correct_04, _ = await run_cells(kernel, sources, "solution 04")
        probe, _ = await kernel.run(PROBE, timeout=deadline(300))
    finally:
        kernel.close()
    facts = json.loads(outputs_text(probe).strip().splitlines()[-1])
    status, _ = await call(f"{base}/api/kernels/{kernel_model['id']}", token, method="DELETE")
    assert status == 204, status
    status, _ = await call(f"{url}/hub/api/users/{name}/server", token, method="DELETE")
    assert status in (202, 204), status
    return {"correct_01": correct_01, "all_01": set(questions.__all__), "correct_04": correct_04,
            "all_04": set(questions_04.__all__), "banner": any("QUICK MODE" in t for t in texts_01), "facts": facts,
            "workspace": sorted(item["name"] for item in listing["content"]), "server_ready": server_ready,
            "seconds": time.monotonic() - started}


def test_four_learners_log_in_and_work_through_01_and_04_in_their_own_servers(hub):
    url, token = hub["url"], hub["token"]
    names = [f"learner-{i}" for i in range(1, LEARNERS + 1)]
    status, body = request(f"{url}/hub/api/users", token, method="POST", body={"usernames": names})
    assert status == 201, (status, body)
    status, service = request(f"{url}/hub/api/services/idle-culler", token)
    assert status == 200 and service["command"][1:3] == ["-m", "jupyterhub_idle_culler"], service  # the shipped culler
    status, _ = request(f"{url}/hub/api/users/{names[0]}/tokens", method="POST",
                        body={"auth": {"username": names[0], "password": "not the password"}})
    assert status == 403  # the authenticator refuses a wrong password

    async def everyone():
        return await asyncio.gather(*(learner(hub, name) for name in names))

    results = dict(zip(names, asyncio.run(everyone())))
    exercises = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    for name, got in results.items():
        assert got["correct_01"] == got["all_01"] and got["correct_04"] == got["all_04"], (name, got)
        # quick mode from the kernel spec's WORKSHOP_QUICK=1 (the banner is printed once per kernel, by 01)
        assert got["banner"] and got["facts"]["run"] == ["04_cnn_mnist", True], got
        assert got["workspace"] == exercises, (name, got["workspace"])  # prepared before the server started
        assert (hub["homes"] / name / "keras-workshop" / "01_warmup.ipynb").is_file()  # in the learner's own home
        facts = got["facts"]
        assert facts["intra"] == 1, facts  # the kernel spec's --threads 1 reached TensorFlow
        assert facts["rc"] == 0 and "no second JupyterLab is started" in facts["lab"], facts
        assert f"Open your notebooks at /user/{name}/lab/tree/keras-workshop" in facts["lab"], facts
        assert facts["home"] == str(hub["homes"] / name)
    print("\n" + "\n".join(f"{name}: server ready after {got['server_ready']:.0f} s, 01 and 04 done after "
                           f"{got['seconds']:.0f} s" for name, got in results.items()))
