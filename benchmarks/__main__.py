"""Benchmark: time and quality of each solution against reference models, side by side in one run.

Usage (repo root, data reachable, e.g. WORKSHOP_DATA_DIR=../shared/data)::

    python -m benchmarks            # quick mode: writes benchmarks/results-quick.{md,json}
    python -m benchmarks --full     # full mode (needs mnist.npz: python -m helpers prefetch)
    python -m benchmarks --tiny --out /tmp/b   # 1 epoch, a few hundred samples: a smoke test
    python -m benchmarks --distributed   # samples/s for 1 and 2 replicas and 2 workers (benchmarks/distributed.py)
    python -m benchmarks --full --dataset fashion   # 03 and 04 at full scale: results-full-fashion.{md,json}
    python -m benchmarks --room 1 2 4 8  # N learners' servers and kernels at once (benchmarks/room.py): results-room.*,
                                         # and the sizing table of the instructor guide, README and hub/z2jh-values.yaml

Without ``--dataset`` every solution runs (08's recurrent network is reported beside 04's CNN on the same
split, and 09's search with its retrained test accuracy); with ``--dataset mnist|fashion`` the two image notebooks
(03 and 04) run on that data set, beside reference models on the same split, published figures,
and the cost growth of the CNN with the number of training images (one fresh process per size).

Every solution runs as a plain script (nbconvert) in a fresh process; the
reference models train in this process on the same splits.  No target is
asserted: each is reported as met or missed, with the numbers.
"""

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from .compare import cnn_comparison, load_saved_run, time_to_reach  # noqa: F401  (time_to_reach: tests)

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def targets(res, quick):
    """The issue's quick-mode targets, each as (text, measured, met)."""
    out = []
    for name, sol in res["solutions"].items():
        out.append((f"{name} end to end ≤ 60 s", f"{sol['wall_seconds']:.1f} s", sol["wall_seconds"] <= 60))
    cnn = res["cnn"]
    ours = cnn["ours_time_to_reference"]
    out.append(("our CNN reaches the keras.io reference's final accuracy in ≤ ⅓ its time",
                f"{ours} s vs {cnn['reference']['train_seconds']} s" if ours is not None
                else "never reached", ours is not None and ours <= cnn["reference"]["train_seconds"] / 3))
    acc = res["solutions"].get("04_cnn_mnist", {}).get("metrics", {}).get("test_accuracy")
    floor = 0.985 if quick else 0.99
    out.append((f"CNN test accuracy ≥ {floor:.1%}", f"{acc:.2%}" if acc is not None else "n/a",
                acc is not None and acc >= floor))
    mae = res["solutions"].get("05_abalone_regression", {}).get("metrics", {}).get("test_mae")
    hgb = res["abalone"]["HistGradientBoostingRegressor"]["mae"]
    out.append(("abalone NN MAE ≤ HistGradientBoosting MAE", f"{mae:.3f} vs {hgb:.3f}" if mae is not None else "n/a",
                mae is not None and mae <= hgb))
    slowest = max(res["data_loads"].values())
    out.append(("cached data load ≤ 0.5 s", f"{slowest:.3f} s (slowest)", slowest <= 0.5))
    imp = res["startup"]["import helpers"]
    out.append(("`import helpers` without TensorFlow ≤ 0.3 s", f"{imp:.3f} s", imp <= 0.3))
    return out


def markdown(res):
    """The results as a Markdown report."""
    m = res["machine"]
    lines = [f"# Benchmark, {res['mode']} mode", "",
             f"Machine: {m['platform']}, {m['cpus']} CPU cores usable ({m['threads']} threads), {m['device']}.  ",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
             "## Solutions (each run as a script after nbconvert)", "",
             "| notebook | wall time (s) | training (s) | peak memory (MiB) | result |", "|---|---|---|---|---|"]
    for name, sol in res["solutions"].items():
        shown = ", ".join(f"{k} {v:.4g}" for k, v in sol["metrics"].items() if v is not None)
        train = f"{sol['train_seconds']:.1f}" if sol["train_seconds"] is not None else "not tracked"
        lines.append(f"| {name} | {sol['wall_seconds']:.1f} | {train} "
                     f"| {sol['peak_memory_mib']} | {shown} |")
    cnn, ref = res["cnn"], res["cnn"]["reference"]
    lines += ["", "## CNN: our 04 vs the keras.io \"Simple MNIST convnet\" (same split)", "",
              "| model | epochs | training (s) | final val. accuracy | test accuracy |", "|---|---|---|---|---|",
              f"| keras.io convnet (Adam, batch 128) | {len(ref['epoch_seconds'])} | {ref['train_seconds']:.1f} "
              f"| {ref['final_val_accuracy']:.4f} | {ref['test_accuracy']:.4f} |",
              f"| our 04 solution | {cnn['ours_epochs']} | {cnn['ours_train_seconds'] or 0:.1f} "
              f"| {cnn['ours_final_val_accuracy']:.4f} | {cnn['ours_test_accuracy']:.4f} |", "",
              "Reference validation accuracy per epoch: " + ", ".join(f"{a:.4f}" for a in ref["val_accuracy_per_epoch"]),
              "", (f"Our CNN reached the reference's final validation accuracy ({ref['final_val_accuracy']:.4f}) "
                   f"after epoch {cnn['ours_epoch_to_reference']}, in {cnn['ours_time_to_reference']} s of training: "
                   f"{cnn['ratio']:.2f}× the reference's {ref['train_seconds']:.1f} s."
                   if cnn["ours_time_to_reference"] is not None else
                   f"Our CNN did not reach the reference's final validation accuracy ({ref['final_val_accuracy']:.4f})."),
              "", "## FNN references (03's split)", "", "| model | epochs | training (s) | test accuracy |",
              "|---|---|---|---|"]
    for name, r in res["fnn"].items():
        lines.append(f"| {name} | {r['epochs']} | {r['train_seconds']:.1f} | {r['test_accuracy']:.4f} |")
    fnn = res["solutions"].get("03_fnn_mnist")
    if fnn:
        lines.append(f"| our 03 solution | {fnn['epochs_run']} | {fnn['train_seconds'] or 0:.1f} "
                     f"| {fnn['metrics']['test_accuracy']:.4f} |")
    lines += ["", "## Abalone (05's split; error in years = rings)", "", "| model | MAE | RMSE |", "|---|---|---|"]
    for name, r in res["abalone"].items():
        lines.append(f"| {name} | {r['mae']:.3f} | {r['rmse']:.3f} |")
    ab = res["solutions"].get("05_abalone_regression")
    if ab:
        lines.append(f"| our 05 network | {ab['metrics']['test_mae']:.3f} | {ab['metrics']['test_rmse']:.3f} |")
    from . import sequences

    lines += sequences.markdown(res)
    lines += ["", "## Start-up and data", "", "| what | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in {**res["startup"], **res["data_loads"]}.items()]
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {'yes' if ok else '**missed**'} |" for t, v, ok in res["targets"]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="full mode (complete data, full epochs)")
    mode.add_argument("--tiny", action="store_true", help="smoke test: 1 epoch, a few hundred samples")
    parser.add_argument("--dataset", choices=("mnist", "fashion"),
                        help="only the image notebooks 03 and 04, on this data set, with reference models, "
                             "published figures and the cost growth of the CNN (results-<mode>-<dataset>.md)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks", help="folder for results-<mode>.md/.json")
    parser.add_argument("--solution-runs", type=Path, metavar="DIR",
                        help="reuse script runs saved as DIR/<notebook>.json (helpers.tools.scripts.ScriptRun) "
                             "instead of running the solutions again (the test suite does this)")
    parser.add_argument("--distributed", action="store_true",
                        help="only the distributed benchmark: 1 vs 2 replicas and 2 loopback workers")
    parser.add_argument("--room", type=int, nargs="+", metavar="N",
                        help="only the room benchmark: N learners at once, each a Jupyter server and a kernel running "
                             "01 then 04 (quick); writes results-room.{md,json} (with --tiny: 01 only, results-room-tiny)")
    parser.add_argument("--compare", type=int, default=4, metavar="K",
                        help="with --room: kernels running 04 at once for the default-vs-sized threads comparison")
    args = parser.parse_args(argv)
    if args.room:
        return room_main(args)
    if args.distributed:
        from . import distributed

        return distributed.main(args.out, tiny=args.tiny)
    quick = not args.full
    mode = "tiny" if args.tiny else ("quick" if quick else "full")
    sys.path.insert(0, str(ROOT))
    import helpers
    from helpers.run.device import import_tensorflow, versions

    from . import measure, scale

    tf = import_tensorflow()
    res = {"mode": mode, "machine": {
        "platform": f"{platform.system()} {platform.machine()}", "cpus": len(os.sched_getaffinity(0)),
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or "TensorFlow default",
        "device": helpers.device_report(tf).replace("\n", "; "), "versions": versions(),
        "memory_gib": _memory_gib()}, "load": {"start": measure.machine_load()}}
    if args.dataset:
        res["dataset"] = args.dataset
        scale.run(res, quick=quick, tiny=args.tiny, dataset=args.dataset, solution_runs=args.solution_runs)
        report, stem = scale.markdown(res), f"results-{mode}-{args.dataset}"
    else:
        run_all(res, quick=quick, tiny=args.tiny, solution_runs=args.solution_runs)
        report, stem = markdown(res), f"results-{mode}"
    res["load"]["end"] = measure.machine_load()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.md").write_text(report, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(report)
    print(f"written: {args.out / f'{stem}.md'} and .json")
    return 0


def room_main(args):
    """``--room N ...``: measure, write the report and, for a full run into benchmarks/, the sizing in the docs."""
    from . import room, room_docs

    if min(args.room) < 1 or args.compare < 1:
        raise SystemExit("error: --room and --compare take whole numbers >= 1, e.g. --room 1 2 4 8")
    res = room.run(sorted(set(args.room)), tiny=args.tiny, compare=args.compare)
    res["targets"] = [list(t) for t in room_docs.targets(res)]
    res["sizing"] = room_docs.sizing(res)
    stem = "results-room-tiny" if args.tiny else "results-room"
    args.out.mkdir(parents=True, exist_ok=True)
    report = room_docs.markdown(res)
    (args.out / f"{stem}.md").write_text(report, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(report)
    print(f"written: {args.out / f'{stem}.md'} and .json")
    if not args.tiny and args.out.resolve() == (ROOT / "benchmarks").resolve():
        for path in room_docs.update_docs(res):
            print(f"updated the sizing in {path.relative_to(ROOT)}")
    return 0


def _memory_gib():
    """Total memory of the machine in GiB (Linux), or None."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def run_all(res, quick, tiny, solution_runs):
    """Every solution, the references of the quick report, start-up and data loads, into ``res``."""
    from . import measure, references

    mode = res["mode"]
    print(f"[{mode}] start-up and data loads", flush=True)
    res["startup"] = measure.startup_costs(repeat=1 if tiny else 3)
    res["data_loads"] = measure.data_loads(quick)
    res["solutions"] = {}
    for path in SOLUTIONS:
        print(f"[{mode}] {path.stem}", flush=True)
        res["solutions"][path.stem] = measure.run_solution(path, quick, epochs=1 if tiny else None,
                                                           reuse=load_saved_run(solution_runs, path.stem))
    limit = 300 if tiny else None
    print(f"[{mode}] references", flush=True)
    ref = references.keras_io_convnet(quick, epochs=1 if tiny else 15, limit=limit)
    res["cnn"] = cnn_comparison(ref, res["solutions"]["04_cnn_mnist"])
    res["fnn"] = references.fnn_references(quick, epochs=1 if tiny else 5,
                                           hidden_epochs=1 if tiny else (8 if quick else 20), limit=limit)
    res["abalone"] = references.abalone_references()
    from . import sequences

    res["sequences"] = sequences.sequence_comparison(res["solutions"])  # 08 vs 04's CNN, from their own runs
    res["search"] = sequences.search_summary(res["solutions"])
    res["targets"] = targets(res, quick)


if __name__ == "__main__":
    sys.exit(main())
