"""Distributed benchmark: training samples per second for 1 and 2 replicas, on this machine.

    python -m benchmarks --distributed           # writes benchmarks/results-distributed.{md,json}
    python -m benchmarks --distributed --tiny    # a smoke test: 2 short epochs

Each configuration runs ``hpc/train_distributed.py`` in fresh processes on the quick
MNIST split with 64 examples per replica per step (the global batch grows with the
replicas, as in real data-parallel training); two one-device rows use a batch of 128,
the global batch of the two-replica rows, to separate the batch-size effect.  The first epoch (tracing, warm-up) is
left out; samples per second is the median of the other epochs.  Without GPUs the
replicas are logical CPU devices or processes sharing the same cores, so no gain is
expected: the numbers show the overhead of the all-reduce, not a speed-up.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINER = ROOT / "hpc" / "train_distributed.py"

#: (name, replicas, loop, how, batch per replica): how = ("devices", n) for one process, ("workers", n) for
#: loopback workers.  The batch-128 row has the global batch of the 2-replica rows on one device.
CONFIGS = [
    ("1 logical CPU device, fit", 1, "fit", ("devices", 1), 64),
    ("1 logical CPU device, fit, batch 128", 1, "fit", ("devices", 1), 128),
    ("2 logical CPU devices, fit", 2, "fit", ("devices", 2), 64),
    ("1 logical CPU device, custom loop", 1, "custom", ("devices", 1), 64),
    ("1 logical CPU device, custom loop, batch 128", 1, "custom", ("devices", 1), 128),
    ("2 logical CPU devices, custom loop", 2, "custom", ("devices", 2), 64),
    ("2 loopback workers (MultiWorkerMirroredStrategy), custom loop", 2, "custom", ("workers", 2), 64),
]
#: Only where a GPU is visible (issue 15's GPU measurements): (name, loop, batch, extra trainer arguments).
#: Large batches, as mixed precision pays off when the GPU is busy; the pipeline rows compare tf.data settings.
GPU_CONFIGS = [
    ("1 GPU, fit, float32, batch 512", "fit", 512, []),
    ("1 GPU, fit, mixed_float16, batch 512", "fit", 512, ["--mixed-precision"]),
    ("1 GPU, custom loop, plain batches", "custom", 512, ["--pipeline", "plain"]),
    ("1 GPU, custom loop, prefetch", "custom", 512, ["--pipeline", "prefetch"]),
    ("1 GPU, custom loop, cache + prefetch", "custom", 512, ["--pipeline", "cache"]),
]


def samples_per_second(summary):
    """Median samples/s over the epochs after the first, from a trainer summary."""
    steady = summary["epoch_seconds"][1:] or summary["epoch_seconds"]
    return round(summary["samples_per_epoch"] / statistics.median(steady), 1)


def _measure(loop, how, batch, epochs, limit, folder, extra=()):
    from helpers import distribute
    args = [str(TRAINER), "--quick", "--loop", loop, "--epochs", str(epochs), "--batch-size", str(batch),
            "--run-dir", str(folder), *extra]
    args += ["--limit", str(limit)] if limit else []
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG" and not k.startswith("SLURM_")}
    kind, n = how
    if kind == "workers":
        distribute.run_local_workers(args, workers=n, env={}, cwd=ROOT)
        return json.loads((folder / "summary-worker-0.json").read_text())
    proc = subprocess.run([sys.executable, *args, "--cpu-devices", str(n)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads((folder / "summary-single.json").read_text())


def measure(epochs=4, limit=0):
    """Run every configuration; returns one row per configuration with samples/s and the ratio to 1 replica."""
    rows = []
    for name, replicas, loop, how, batch in CONFIGS:
        print(f"[distributed] {name}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
            summary = _measure(loop, how, batch, epochs, limit, Path(tmp))
        if summary["replicas"] != replicas:
            raise RuntimeError(f"{name}: expected {replicas} replicas, the run had {summary['replicas']}")
        rows.append({"configuration": name, "replicas": replicas, "loop": loop,
                     "global_batch_size": summary["global_batch_size"], "epoch_seconds": summary["epoch_seconds"],
                     "devices": summary["devices"],
                     "samples_per_second": samples_per_second(summary)})
    for row in rows:
        base = rows[0] if row["loop"] == "fit" else next(r for r in rows if r["loop"] == "custom")
        row["vs_1_replica"] = round(row["samples_per_second"] / base["samples_per_second"], 2)
    return rows


def measure_gpu(epochs=4, limit=0):
    """Mixed precision and input-pipeline rows on one GPU; ``[]`` without a GPU (nothing to measure)."""
    from helpers.run.device import nvidia_smi

    if not nvidia_smi():
        print("[distributed] no GPU visible: mixed-precision and pipeline rows skipped", flush=True)
        return []
    rows = []
    for name, loop, batch, extra in GPU_CONFIGS:
        print(f"[distributed] {name}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
            summary = _measure(loop, ("devices", 1), batch, epochs, limit, Path(tmp), extra)
        rows.append({"configuration": name, "loop": loop, "devices": summary["devices"],
                     "samples_per_second": samples_per_second(summary)})
    speed = {r["configuration"]: r["samples_per_second"] for r in rows}
    for row in rows:
        base = GPU_CONFIGS[0][0] if row["loop"] == "fit" else GPU_CONFIGS[2][0]
        row["vs_baseline"] = round(row["samples_per_second"] / speed[base], 2)
    return rows


def markdown(res):
    """The results as a Markdown report."""
    lines = [f"# Distributed benchmark ({res['mode']})", "",
             f"Machine: {res['machine']}.  Versions: {res['versions']}.", "",
             "| configuration | replicas | devices (per process) | global batch | samples/s | vs 1 replica, batch 64 (same loop) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['configuration']} | {r['replicas']} | {', '.join(d.split('/')[-1] for d in r['devices'])} "
              f"| {r['global_batch_size']} | {r['samples_per_second']:.0f} "
              f"| {r['vs_1_replica']:.2f}× |" for r in res["rows"]]
    lines += ["", "Samples/s: median over the epochs after the first (the first traces the step function); "
              "training steps only (no validation pass). Without GPUs the replicas share the same "
              "CPU cores, so no speed-up is expected: the ratio shows the cost of splitting the batch and "
              "all-reducing the gradients."]
    if res.get("gpu_rows"):
        lines += ["", "## One GPU: mixed precision and the input pipeline", "",
                  "| configuration | devices | samples/s | vs float32 fit / plain batches |", "|---|---|---|---|"]
        lines += [f"| {r['configuration']} | {', '.join(r['devices'])} | {r['samples_per_second']:.0f} "
                  f"| {r['vs_baseline']:.2f}× |" for r in res["gpu_rows"]]
    else:
        lines += ["", "No GPU was visible, so the mixed-precision and input-pipeline rows were not measured."]
    return "\n".join(lines) + "\n"


def main(out, tiny=False):
    """Measure, write ``results-distributed[-tiny].{md,json}`` in ``out``, print the report."""
    sys.path.insert(0, str(ROOT))
    from helpers.run.device import versions as installed

    versions = ", ".join(f"{d} {v}" for d, v in installed(("tensorflow", "keras")).items() if d != "python")
    mode = "tiny" if tiny else "quick"
    res = {"mode": mode, "machine": f"{platform.system()} {platform.machine()}, {len(os.sched_getaffinity(0))} CPU "
                                    f"cores usable", "versions": versions,
           "rows": measure(epochs=2 if tiny else 4, limit=512 if tiny else 0),
           "gpu_rows": measure_gpu(epochs=2 if tiny else 4, limit=2048 if tiny else 0)}
    name = "results-distributed" + ("-tiny" if tiny else "")
    out.mkdir(parents=True, exist_ok=True)
    report = markdown(res)
    (out / f"{name}.md").write_text(report, encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(report)
    print(f"written: {out / (name + '.md')} and .json")
    return 0
