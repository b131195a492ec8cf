"""The benchmark's report on notebooks 08 (sequences) and 09 (hyperparameter search).

Both numbers come from the solutions' own script runs (their JSON summaries): 08 trains its recurrent
network and, on the same split, the CNN of notebook 04 as 04 trains it, timing both epochs the same way;
09 records its search.  Notebook 04's own run is shown beside them, so the CNN trained inside 08 can be
compared with the CNN of 04's run (same split, same seed).
"""

__all__ = ["sequence_comparison", "search_summary", "markdown"]


def sequence_comparison(solutions):
    """08's recurrent network next to 04's CNN on the same split, or None when 08 did not run.

    Args:
        solutions: ``res["solutions"]``: per notebook, what :func:`benchmarks.measure.run_solution` returned.

    Returns:
        dict: ``rows`` (one per network: epochs, seconds per epoch, training seconds, test accuracy) and
        ``ratio`` (recurrent seconds per epoch / CNN seconds per epoch, both measured in 08's run).
    """
    seq = solutions.get("08_sequences")
    if not seq:
        return None
    m = seq["metrics"]
    rows = [
        {"model": "08 recurrent network (LSTM), in 08's run", "epochs": seq["epochs_run"],
         "seconds_per_epoch": m.get("seconds_per_epoch"), "train_seconds": seq["train_seconds"],
         "test_accuracy": m.get("test_accuracy")},
        {"model": "04's CNN, trained inside 08's run (same split)", "epochs": m.get("cnn_epochs"),
         "seconds_per_epoch": m.get("cnn_seconds_per_epoch"), "train_seconds": m.get("cnn_train_seconds"),
         "test_accuracy": m.get("cnn_test_accuracy")},
    ]
    cnn = solutions.get("04_cnn_mnist")
    if cnn:
        times = cnn["epoch_seconds"] or []
        later = sorted(times[1:]) if len(times) > 1 else times
        median = later[len(later) // 2] if later else None
        rows.append({"model": "04's CNN, notebook 04's own run", "epochs": cnn["epochs_run"],
                     "seconds_per_epoch": median, "train_seconds": cnn["train_seconds"],
                     "test_accuracy": cnn["metrics"].get("test_accuracy")})
    recurrent, inside = rows[0]["seconds_per_epoch"], rows[1]["seconds_per_epoch"]
    ratio = round(recurrent / inside, 3) if recurrent and inside else None
    return {"rows": rows, "ratio": ratio, "dataset": (seq.get("params") or {}).get("dataset", "mnist")}


def search_summary(solutions):
    """09's search: trials, search time, best validation accuracy, retrained test accuracy (None without 09)."""
    search = solutions.get("09_hyperparameter_search")
    if not search:
        return None
    m = search["metrics"]
    return {"trials": m.get("trials"), "epochs_per_trial": search["epochs_run"],
            "search_seconds": m.get("search_seconds"), "best_val_accuracy": m.get("best_val_accuracy"),
            "retrain_seconds": search["train_seconds"], "test_accuracy": m.get("test_accuracy"),
            "wall_seconds": search["wall_seconds"]}


def _cell(value, spec):
    return format(value, spec) if isinstance(value, (int, float)) else "–"


def markdown(res):
    """The two sections as Markdown lines (empty when neither notebook ran)."""
    lines = []
    seq = res.get("sequences")
    if seq:
        lines += ["", f"## Sequences: 08's recurrent network vs 04's CNN ({seq['dataset']}, 04's split)", "",
                  "| model | epochs | s per epoch (median after the first) | training (s) | test accuracy |",
                  "|---|---|---|---|---|"]
        for row in seq["rows"]:
            lines.append(f"| {row['model']} | {_cell(row['epochs'], '.0f')} | {_cell(row['seconds_per_epoch'], '.2f')} "
                         f"| {_cell(row['train_seconds'], '.1f')} | {_cell(row['test_accuracy'], '.2%')} |")
        if seq["ratio"] is not None:
            lines += ["", f"One epoch of the recurrent network took {seq['ratio']:.2f}× one epoch of the CNN "
                          f"(both timed in 08's run)."]
    search = res.get("search")
    if search:
        lines += ["", "## Hyperparameter search (09: KerasTuner RandomSearch over 03's network)", "",
                  "| trials | epochs per trial | search (s) | best validation accuracy | retraining (s) "
                  "| test accuracy, retrained | notebook wall time (s) |", "|---|---|---|---|---|---|---|",
                  f"| {_cell(search['trials'], '.0f')} | {_cell(search['epochs_per_trial'], '.0f')} "
                  f"| {_cell(search['search_seconds'], '.1f')} | {_cell(search['best_val_accuracy'], '.4f')} "
                  f"| {_cell(search['retrain_seconds'], '.1f')} | {_cell(search['test_accuracy'], '.2%')} "
                  f"| {_cell(search['wall_seconds'], '.1f')} |"]
    return lines
