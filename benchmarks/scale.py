"""The image notebooks at scale: 03 and 04 on one data set, references, published figures, cost growth.

``python -m benchmarks --full --dataset fashion`` fills its results with :func:`run` and reports
them with :func:`markdown`; ``--tiny --dataset fashion`` runs the same code paths on a few hundred
images (the test suite does this).
"""

from pathlib import Path

from . import growth, measure, references
from .compare import cnn_comparison, load_saved_run

__all__ = ["IMAGE_NOTEBOOKS", "TARGETS", "CNN_TRAIN_BUDGET", "run", "targets", "markdown"]

ROOT = Path(__file__).resolve().parent.parent
IMAGE_NOTEBOOKS = ("03_fnn_mnist", "04_cnn_mnist")  # the notebooks with a ``dataset`` parameter
#: Full-mode test-accuracy targets per data set, (CNN, FNN): Fashion-MNIST's are the issue's.
TARGETS = {"fashion": (0.925, 0.885), "mnist": (0.99, 0.97)}
CNN_TRAIN_BUDGET = 300  # seconds of training for the full-mode CNN on 2 CPU cores
LINEAR_TOLERANCE = 0.25  # seconds per image may differ this much (relative) across sizes and still count as linear
FLAT_MEMORY = 0.15  # peak memory may grow this much (relative) from the smallest to the largest size
NAMES = {"fashion": "Fashion-MNIST", "mnist": "MNIST"}


def run(res, quick, tiny, dataset, solution_runs=None):
    """Measure everything of the scale report into ``res`` (a dict that already holds the machine)."""
    mode = res["mode"]
    res["data_loads"] = measure.data_loads(quick, dataset)
    res["solutions"] = {}
    for name in IMAGE_NOTEBOOKS:
        print(f"[{mode} {dataset}] {name}", flush=True)
        res["solutions"][name] = measure.run_solution(ROOT / "solutions" / f"{name}.ipynb", quick,
                                                      epochs=1 if tiny else None, dataset=dataset,
                                                      reuse=load_saved_run(solution_runs, name))
        res["load"][name] = measure.machine_load()
    limit = 300 if tiny else None
    print(f"[{mode} {dataset}] references", flush=True)
    ref = references.keras_io_convnet(quick, epochs=1 if tiny else 15, limit=limit, dataset=dataset)
    res["cnn"] = cnn_comparison(ref, res["solutions"]["04_cnn_mnist"])
    res["fnn"] = references.fnn_references(quick, epochs=1 if tiny else 5,
                                           hidden_epochs=1 if tiny else (8 if quick else 20), limit=limit,
                                           dataset=dataset)
    res["sklearn"] = references.sklearn_references(quick, limit=limit, dataset=dataset, max_iter=20 if tiny else 200)
    res["published"] = references.PUBLISHED.get(dataset, {})
    res["load"]["references"] = measure.machine_load()
    sizes = growth.TINY_SIZES if tiny else ((1000, 2000, 4000, 8000) if quick else growth.SIZES)
    print(f"[{mode} {dataset}] cost growth {sizes}", flush=True)
    res["growth"] = growth.cost_growth(sizes, epochs=2 if tiny else 3, dataset=dataset, quick=quick)
    res["load"]["growth"] = measure.machine_load()
    res["targets"] = targets(res, dataset)
    return res


def targets(res, dataset):
    """The full-mode targets, each as (text, measured, met); in quick or tiny mode they are reported, not expected."""
    cnn_floor, fnn_floor = TARGETS[dataset]
    cnn, fnn = res["solutions"]["04_cnn_mnist"], res["solutions"]["03_fnn_mnist"]
    cnn_acc, fnn_acc = cnn["metrics"].get("test_accuracy"), fnn["metrics"].get("test_accuracy")
    summary = res["growth"]["summary"]
    out = [
        (f"04 CNN test accuracy ≥ {cnn_floor:.1%}", _pct(cnn_acc), cnn_acc is not None and cnn_acc >= cnn_floor),
        (f"04 CNN training ≤ {CNN_TRAIN_BUDGET} s", f"{cnn['train_seconds']:.0f} s",
         cnn["train_seconds"] is not None and cnn["train_seconds"] <= CNN_TRAIN_BUDGET),
        (f"03 FNN test accuracy ≥ {fnn_floor:.1%}", _pct(fnn_acc), fnn_acc is not None and fnn_acc >= fnn_floor),
        (f"time per epoch linear in the images (CPU seconds per image vary by ≤ {LINEAR_TOLERANCE:.0%} of their mean)",
         f"spread {summary['per_image_cpu_spread']:.0%} (wall time: {summary['per_image_time_spread']:.0%})",
         summary["per_image_cpu_spread"] <= LINEAR_TOLERANCE),
        (f"peak memory flat (≤ {FLAT_MEMORY:.0%} growth from the smallest to the largest size)",
         f"{summary['memory_growth_fraction']:+.1%} ({summary['memory_growth_mib']:+d} MiB)",
         summary["memory_growth_fraction"] <= FLAT_MEMORY),
    ]
    return out


def _pct(value, digits=2):
    return f"{value:.{digits}%}" if value is not None else "n/a"


def _per_epoch(sol):
    secs = sol["epoch_seconds"]
    later = secs[1:] or secs
    return sum(later) / len(later) if later else None


def growth_sentence(g):
    """The cost-growth result in words, computed from the numbers."""
    rows, s = g["rows"], g["summary"]
    linear = "grows linearly" if s["per_image_cpu_spread"] <= LINEAR_TOLERANCE else "does not grow linearly"
    flat = "stays flat" if s["memory_growth_fraction"] <= FLAT_MEMORY else "does not stay flat"
    return (f"From {rows[0]['size']:,} to {rows[-1]['size']:,} training images ({s['size_ratio']:g}×), the CPU time "
            f"per epoch grew {s['epoch_cpu_ratio']:g}× and the wall time {s['epoch_time_ratio']:g}×; the CPU seconds "
            f"per 1,000 images varied across the sizes by {s['per_image_cpu_spread']:.0%} of their mean (largest "
            f"minus smallest), the wall seconds by {s['per_image_time_spread']:.0%}: time {linear} with the number "
            f"of images. The peak memory while training grew by {s['memory_growth_mib']} MiB "
            f"({s['memory_growth_fraction']:+.1%}), of which the images themselves (uint8) are "
            f"{s['images_growth_mib']:g} MiB: memory {flat}.")


def markdown(res):
    """The scale report as Markdown."""
    m, dataset = res["machine"], res["dataset"]
    name = NAMES[dataset]
    lines = [f"# Benchmark, {res['mode']} mode, {name}", "",
             f"Machine: {m['platform']}, {m['cpus']} CPU cores usable ({m['threads']} threads), "
             f"{m.get('memory_gib')} GiB RAM, {m['device']}.  ",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".  ",
             "Other load on the machine (load average over 1/5/15 min; busiest other processes): " + "; ".join(
                 f"{when} {'/'.join(str(v) for v in load['loadavg'])}" for when, load in res["load"].items()) + ".", ""]
    busiest = sorted({p for load in res["load"].values() for p in load.get("busiest", [])})
    if busiest:
        lines += ["Other processes seen using ≥ 5 % CPU during the run: " + "; ".join(f"`{p}`" for p in busiest[:8]), ""]
    lines += [f"## Solutions 03 and 04 on {name} (scripts after nbconvert, `--{res['mode'] if res['mode'] != 'tiny' else 'quick'} "
              f"--dataset {dataset}`)", "",
              "| notebook | epochs | wall time (s) | training (s) | per epoch (s) | peak memory (MiB) | test accuracy |",
              "|---|---|---|---|---|---|---|"]
    for nb, sol in res["solutions"].items():
        per = _per_epoch(sol)
        lines.append(f"| {nb} | {sol['epochs_run']} | {sol['wall_seconds']:.1f} | {sol['train_seconds'] or 0:.1f} "
                     f"| {per:.2f} | {sol['peak_memory_mib']} | {_pct(sol['metrics'].get('test_accuracy'))} |")
    lines += ["", "Per epoch: the mean of the epochs after the first (the first also builds the graph); training "
              "includes each epoch's validation pass.", "",
              "## Reference models on the same split", "",
              "| model | source | epochs | training (s) | test accuracy |", "|---|---|---|---|---|"]
    ref = res["cnn"]["reference"]
    lines.append(f"| keras.io \"Simple MNIST convnet\" (Adam, batch 128) | measured, 04's split | "
                 f"{len(ref['epoch_seconds'])} | {ref['train_seconds']:.1f} | {_pct(ref['test_accuracy'])} |")
    for model, r in res["fnn"].items():
        lines.append(f"| {model} | measured, 03's split | {r['epochs']} | {r['train_seconds']:.1f} "
                     f"| {_pct(r['test_accuracy'])} |")
    for model, r in res["sklearn"].items():
        note = "" if r["converged"] else " (stopped at max_iter)"
        lines.append(f"| scikit-learn {model}{note} | measured, 03's split | – | {r['train_seconds']:.1f} "
                     f"| {_pct(r['test_accuracy'])} |")
    for nb, label in (("03_fnn_mnist", "our 03 FNN"), ("04_cnn_mnist", "our 04 CNN")):
        sol = res["solutions"][nb]
        lines.append(f"| **{label}** | measured, this run | {sol['epochs_run']} | {sol['train_seconds'] or 0:.1f} "
                     f"| **{_pct(sol['metrics'].get('test_accuracy'))}** |")
    for model, acc in res["published"].items():
        lines.append(f"| {model} | published (Fashion-MNIST benchmark table), not measured here | – | – | {_pct(acc, 1)} |")
    cnn = res["cnn"]
    lines += ["", (f"Our CNN reached the keras.io convnet's final validation accuracy ({ref['final_val_accuracy']:.4f}) "
                   f"after epoch {cnn['ours_epoch_to_reference']}, in {cnn['ours_time_to_reference']} s of training: "
                   f"{cnn['ratio']:.2f}× the reference's {ref['train_seconds']:.1f} s."
                   if cnn["ours_time_to_reference"] is not None else
                   f"Our CNN did not reach the keras.io convnet's final validation accuracy "
                   f"({ref['final_val_accuracy']:.4f})."), ""]
    g = res["growth"]
    lines += [f"## Cost growth: the 04 CNN on more and more training images ({g['mode']} data, {g['epochs']} epochs, "
              "one fresh process per size, no validation pass)", "",
              "| training images | images (MiB, uint8) | time per epoch (s) | CPU time per epoch (s) "
              "| CPU s per 1,000 images | memory before training (MiB) | peak memory while training (MiB) |",
              "|---|---|---|---|---|---|---|"]
    for r in g["rows"]:
        lines.append(f"| {r['size']:,} | {r['images_mib']:g} | {r['steady_epoch_seconds']:.2f} "
                     f"| {r['steady_epoch_cpu_seconds']:.2f} | {r['cpu_seconds_per_1000_images']:.3f} "
                     f"| {r['rss_before_training_mib']} | {r['peak_memory_mib']} |")
    lines += ["", "Time per epoch: the median of the epochs after the first (CPU time: all threads of the process). "
              "Peak memory while training: the process's peak resident memory, reset just before `fit` (the whole "
              "data set is loaded before, the same for every size). " + growth_sentence(g), "",
              "## Data loads (cached, checksums verified)", "", "| call | seconds |", "|---|---|"]
    lines += [f"| `{k}` | {v:.3f} |" for k, v in res["data_loads"].items()]
    lines += ["", "## Targets" + ("" if res["mode"] == "full" else " (full-mode targets: this run is not full mode)"),
              "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {'yes' if ok else '**missed**'} |" for t, v, ok in res["targets"]]
    return "\n".join(lines) + "\n"
