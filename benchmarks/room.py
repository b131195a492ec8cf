"""Room benchmark: N learners at once, each with a Jupyter server and one kernel running 01 then 04 (quick).

    python -m benchmarks --room 1 2 4 8            # writes benchmarks/results-room.{md,json} and the sizing
                                                   # table of docs/instructor-guide.md, README.md, hub/z2jh-values.yaml
    python -m benchmarks --room 1 --tiny --out DIR # smoke test: 01 only, one kernel per thread setting; docs untouched

For each N, N Jupyter servers start (one per learner, as JupyterHub gives each learner one); then all N
learners at once start a kernel through their server's REST API and run, over the kernel's websocket,
every code cell of ``solutions/01_warmup`` and then of ``solutions/04_cnn_mnist`` in quick mode, in that
one kernel.  Through a kernel, not as scripts: a room runs kernels, so ipykernel, the server relaying
outputs and the wait for a kernel's start are part of what a learner pays for.

Every 0.5 s each kernel's and each server's ``/proc/<pid>/smaps_rollup`` is read (Pss, Private_Clean +
Private_Dirty, Rss) and its thread count; CPU seconds are ``utime + stime`` from ``/proc/<pid>/stat``.
Per learner: peak PSS and private memory of the kernel, of the server, and of both together (at the
same moment), CPU seconds, the time from the kernel's spawn to its first cell done and to the last cell
done, and to its setup cell done (``helpers.setup``: TensorFlow imported, ready to train).  PSS divides each shared page (TensorFlow's libraries) among the processes mapping it, so the
learners' PSS adds up to the memory the room really uses; RSS counts shared pages in full for each.

Threads: each kernel gets ``WORKSHOP_THREADS = max(1, CPUs // N)``, what the instructor guide tells an
admin to put in the kernel spec for N learners on one node.  The thread-sizing measurement runs 04
alone in K kernels at once (default K = 4) twice: with ``WORKSHOP_THREADS=0`` (TensorFlow's own pools)
and with ``max(1, CPUs // K)``, and compares the slowest learner's wall time and the CPU seconds in total.
Nothing is asserted on time; targets are reported as met or missed.
"""

import asyncio
import datetime
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from .jupyter_api import connect_kernel, outputs_text, request, start_server

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"01": ROOT / "solutions" / "01_warmup.ipynb", "04": ROOT / "solutions" / "04_cnn_mnist.ipynb"}
TICK = os.sysconf("SC_CLK_TCK")
INTERVAL = 0.5

__all__ = ["memory", "cpu_seconds", "Sampler", "measure_room", "compare_threads", "run", "machine"]


def memory(pid):
    """``{"pss", "private", "rss", "threads"}`` of a process in MiB (threads: a count), or None when it is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kb = {line.split()[0].rstrip(":"): int(line.split()[1]) for line in rollup if len(line.split()) >= 2}
    threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
    return {"pss": kb["Pss"] / 1024, "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
            "rss": kb["Rss"] / 1024, "threads": threads}


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``), or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


class Sampler(threading.Thread):
    """Reads every watched process every 0.5 s and keeps each learner's peaks (kernel, server, both at once)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.pids, self.peaks, self.last, self.samples = {}, {}, {}, 0
        self.room_peak = {"pss": 0, "private": 0}  # all learners' memory at one moment, the largest seen
        self.lock, self.done = threading.Lock(), threading.Event()

    def watch(self, learner, role, pid):
        with self.lock:
            self.pids[(learner, role)] = pid

    def forget(self, learner, role):
        with self.lock:
            self.pids.pop((learner, role), None)

    def sample(self):
        with self.lock:
            pids = dict(self.pids)
        seen = {key: memory(pid) for key, pid in pids.items()}
        totals = {}
        for (learner, role), mem in seen.items():
            if mem is None:
                continue
            self.last[(learner, role)] = mem
            peak = self.peaks.setdefault((learner, role), dict.fromkeys(mem, 0))
            for key, value in mem.items():
                peak[key] = max(peak[key], value)
            total = totals.setdefault(learner, {"pss": 0, "private": 0, "rss": 0})
            for key in total:
                total[key] += mem[key]
        for learner, total in totals.items():
            peak = self.peaks.setdefault((learner, "both"), dict.fromkeys(total, 0))
            for key, value in total.items():
                peak[key] = max(peak[key], value)
        for key in self.room_peak:
            self.room_peak[key] = max(self.room_peak[key], sum(t[key] for t in totals.values()))
        self.samples += 1

    def run(self):
        while not self.done.wait(INTERVAL):
            self.sample()

    def stop(self):
        self.done.set()
        self.join()
        self.sample()


def code_cells(keys):
    """Every code cell of the named solutions, in order, as (notebook, source)."""
    return [(key, cell.source) for key in keys for cell in nbformat.read(NOTEBOOKS[key], as_version=4).cells
            if cell.cell_type == "code"]


def _kernel_pid(server_pid, before, deadline=60):
    """The pid of the kernel the server just started (its new ipykernel child)."""
    import psutil

    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for child in psutil.Process(server_pid).children():
            if child.pid not in before and "ipykernel" in " ".join(child.cmdline()):
                return child.pid
        time.sleep(0.05)
    raise RuntimeError(f"no new kernel process under the server {server_pid} within {deadline} s")


async def _learner(index, server, cells, sampler, loop):
    """One learner: spawn a kernel, run the cells, record times and CPU; returns the learner's record."""
    import psutil

    proc, base, token = server

    async def call(*args, **kwargs):
        return await loop.run_in_executor(None, lambda: request(*args, **kwargs))

    before = {c.pid for c in psutil.Process(proc.pid).children()}
    spawned = time.monotonic()
    status, model = await call(f"{base}/api/kernels", token, method="POST", body={"name": "python3"})
    if status != 201:
        raise RuntimeError(f"learner {index}: the server refused a kernel: {status} {model}")
    pid = await loop.run_in_executor(None, _kernel_pid, proc.pid, before)
    sampler.watch(index, "kernel", pid)
    kernel = await connect_kernel(base, model["id"], token, user=f"learner-{index}")
    record = {"learner": index}
    try:
        previous = None
        for i, (notebook, source) in enumerate(cells):
            if previous == "01" and notebook != "01":
                record["kernel_pss_after_01_mib"] = round(sampler.last.get((index, "kernel"), {}).get("pss", 0))
            outputs, reply = await kernel.run(source, timeout=1800)
            if reply["status"] != "ok" or any(o["output_type"] == "error" for o in outputs):
                raise RuntimeError(f"learner {index}, {notebook}, cell {i} failed:\n{source[:500]}\n---\n"
                                   f"{outputs_text(outputs)[-2000:]}")
            if i == 0:
                record["first_cell_seconds"] = round(time.monotonic() - spawned, 2)
            if "setup_seconds" not in record and "helpers.setup(" in source:  # TensorFlow imported: ready to work
                record["setup_seconds"] = round(time.monotonic() - spawned, 2)
                record["start_cpu_seconds"] = round(cpu_seconds(pid), 2)
            previous = notebook
        record["last_cell_seconds"] = round(time.monotonic() - spawned, 2)
        record["kernel_cpu_seconds"] = round(cpu_seconds(pid), 2)
    finally:
        kernel.close()
    sampler.sample()
    sampler.forget(index, "kernel")
    await call(f"{base}/api/kernels/{model['id']}", token, method="DELETE")
    return record


def measure_room(n, keys, threads, workdir):
    """N learners at once; returns ``{"threads_per_kernel", "learners": [...], "summary": {...}}``."""
    sampler = Sampler()
    env = {k: v for k, v in os.environ.items() if k not in ("WORKSHOP_STRICT", "WORKSHOP_THREADS")}
    env.update(WORKSHOP_QUICK="1", WORKSHOP_THREADS=str(threads), PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    servers, started = [], time.monotonic()
    try:
        for i in range(n):
            folder = Path(workdir) / f"learner-{i + 1}"
            folder.mkdir(parents=True)
            servers.append(start_server(folder, env, folder.parent / f"server-{i + 1}.log"))
            sampler.watch(i + 1, "server", servers[-1][0].pid)
        server_seconds = round(time.monotonic() - started, 2)
        server_cpu = [cpu_seconds(s[0].pid) for s in servers]
        sampler.start()
        cells = code_cells(keys)

        async def everyone():
            loop = asyncio.get_running_loop()
            return await asyncio.gather(*(_learner(i + 1, s, cells, sampler, loop) for i, s in enumerate(servers)))

        learners = asyncio.run(everyone())
        for i, (record, server) in enumerate(zip(learners, servers)):
            record["server_cpu_seconds"] = round(cpu_seconds(server[0].pid) - server_cpu[i], 2)
            record["server_start_cpu_seconds"] = round(server_cpu[i], 2)
    finally:
        sampler.done.set()
        if sampler.is_alive():
            sampler.join()
        for proc, _base, _token in servers:
            proc.terminate()
        for proc, _base, _token in servers:
            try:
                proc.wait(timeout=60)
            except Exception:  # noqa: BLE001 – a server that does not stop is killed
                proc.kill()
    for record in learners:
        i = record["learner"]
        for role in ("kernel", "server", "both"):
            peak = sampler.peaks.get((i, role), {})
            name = "learner" if role == "both" else role
            for key in ("pss", "private", "rss"):
                record[f"{name}_peak_{key}_mib"] = round(peak.get(key, 0))
        record["kernel_peak_threads"] = sampler.peaks.get((i, "kernel"), {}).get("threads", 0)
        record["cpu_seconds"] = round(record["kernel_cpu_seconds"] + record["server_cpu_seconds"], 2)
    return {"learners": n, "notebooks": keys, "threads_per_kernel": threads, "servers_started_seconds": server_seconds,
            "samples": sampler.samples, "per_learner": learners, "summary": summarise(learners),
            "room_peak_pss_mib": round(sampler.room_peak["pss"]), "room_peak_private_mib": round(sampler.room_peak["private"])}


def summarise(learners):
    """Mean and max over the learners of each number."""
    keys = [k for k in learners[0] if k != "learner" and isinstance(learners[0][k], (int, float))]
    out = {}
    for key in keys:
        values = [r[key] for r in learners if key in r]
        out[key] = {"mean": round(sum(values) / len(values), 2), "max": round(max(values), 2)}
    out["total_cpu_seconds"] = round(sum(r["cpu_seconds"] for r in learners), 2)
    return out


def compare_threads(k, keys, workdir):
    """04 alone in ``k`` kernels at once: TensorFlow's own thread pools vs pools sized to CPUs // k."""
    cpus = len(os.sched_getaffinity(0))
    out = {"kernels": k, "notebooks": keys}
    for name, threads in (("default", 0), ("sized", max(1, cpus // k))):
        print(f"[room] threads: {k} kernels, {name} ({threads or 'TensorFlow default'})", flush=True)
        room = measure_room(k, keys, threads, Path(workdir) / f"threads-{name}")
        out[name] = {"threads_per_kernel": threads, "slowest_seconds": room["summary"]["last_cell_seconds"]["max"],
                     "total_cpu_seconds": room["summary"]["total_cpu_seconds"],
                     "peak_threads": room["summary"]["kernel_peak_threads"]["max"],
                     "learner_peak_pss_mib": room["summary"]["learner_peak_pss_mib"]["max"]}
    return out


def machine():
    """The machine, the date and the versions, for the report."""
    from importlib import metadata

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    versions = {"python": platform.python_version()}
    for dist in ("tensorflow", "keras", "jupyter_server", "ipykernel", "jupyterhub"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {"platform": f"{platform.system()} {platform.machine()}", "cpu": model,
            "cpus": len(os.sched_getaffinity(0)), "memory_gib": memory_gib, "gpu": "none visible",
            "date": datetime.date.today().isoformat(), "versions": versions}


def run(ns, tiny=False, compare=4):
    """The whole benchmark: every N in ``ns``, then the thread comparison; returns the results dict."""
    from . import measure

    keys = ["01"] if tiny else ["01", "04"]
    compare = 1 if tiny else compare
    res = {"mode": "tiny" if tiny else "quick", "machine": machine(), "load": {"start": measure.machine_load()},
           "rooms": {}}
    with tempfile.TemporaryDirectory(prefix="room-") as tmp:
        for n in ns:
            print(f"[room] {n} learner(s) at once", flush=True)
            threads = max(1, res["machine"]["cpus"] // n)
            res["rooms"][str(n)] = measure_room(n, keys, threads, Path(tmp) / f"n{n}")
        res["load"]["rooms"] = measure.machine_load()
        res["threads"] = compare_threads(compare, ["01"] if tiny else ["04"], Path(tmp))
    res["load"]["end"] = measure.machine_load()
    return res
