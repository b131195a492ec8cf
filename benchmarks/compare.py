"""Comparisons shared by the benchmark's reports: our runs against the references."""

__all__ = ["time_to_reach", "cnn_comparison", "load_saved_run"]


def time_to_reach(target, accuracies, epoch_seconds):
    """Seconds of training until ``accuracies`` first reaches ``target`` (None if never), and that epoch.

    Accuracies are compared at 4 decimals: Keras reports float32 values such as 0.97899997 for 979/1000.
    """
    total = 0.0
    for epoch, (acc, secs) in enumerate(zip(accuracies, epoch_seconds), start=1):
        total += secs
        if round(acc, 4) >= round(target, 4):
            return round(total, 2), epoch
    return None, None


def load_saved_run(solution_runs, name):
    """The ``ScriptRun`` saved as ``<solution_runs>/<name>.json``, or None."""
    from helpers.tools.scripts import ScriptRun

    saved = solution_runs / f"{name}.json" if solution_runs else None
    return ScriptRun.from_json(saved.read_text()) if saved and saved.exists() else None


def cnn_comparison(ref, ours):
    """Our 04 run against the keras.io reference: when it first reached the reference's final accuracy."""
    reach, epoch = time_to_reach(ref["final_val_accuracy"], ours["history"]["val_accuracy"], ours["epoch_seconds"])
    return {"reference": ref, "ours_time_to_reference": reach, "ours_epoch_to_reference": epoch,
            "ratio": round(reach / ref["train_seconds"], 3) if reach is not None else None,
            "ours_epochs": ours["epochs_run"], "ours_train_seconds": ours["train_seconds"],
            "ours_final_val_accuracy": ours["history"]["val_accuracy"][-1],
            "ours_test_accuracy": ours["metrics"]["test_accuracy"]}
