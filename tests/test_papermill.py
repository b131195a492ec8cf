"""A solution run through papermill's command line with ``-p`` parameters, in a Jupyter kernel.

One run of 04 with ``-p dataset fashion -p seed 7`` serves as the kernel ("notebook") client of the
``dataset`` parameter and as the papermill client: the parameters take effect, and the run summary
is named after the notebook, not papermill's ``notebook.json``.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "solutions" / "04_cnn_mnist.ipynb"


def _joined(text):
    """A notebook file stores multi-line text as a list of lines or as one string."""
    return "".join(text) if isinstance(text, list) else str(text)


def _stream_text(nb):
    return "".join(_joined(out.get("text", "")) for cell in nb["cells"] if cell["cell_type"] == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def _html_text(nb):
    return "".join(_joined(out.get("data", {}).get("text/html", "")) for cell in nb["cells"] if cell["cell_type"] == "code"
                   for out in cell.get("outputs", []))


@pytest.mark.slow
def test_papermill_parameters_take_effect_and_the_summary_is_named_after_the_notebook(tmp_path):
    out_dir = tmp_path / "outputs"
    executed = tmp_path / "04-fashion.ipynb"
    env = {k: v for k, v in os.environ.items() if k not in ("WORKSHOP_DATASET", "WORKSHOP_SEED", "WORKSHOP_EPOCHS")}
    env.update(WORKSHOP_QUICK="1", WORKSHOP_OUTPUT_DIR=str(out_dir), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(executed),
                           "-p", "dataset", "fashion", "-p", "seed", "7", "--kernel", "python3",
                           "--cwd", str(tmp_path), "--log-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    nb = json.loads(executed.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(injected) == 1 and 'dataset = "fashion"' in "".join(injected[0]["source"])

    # the summary: written from the kernel because WORKSHOP_OUTPUT_DIR is set, named after the notebook
    (summary_path,) = out_dir.glob("*.json")
    assert summary_path.name.startswith("04_cnn_mnist-quick-") and summary_path.name != "notebook.json"
    summary = json.loads(summary_path.read_text())
    assert summary["notebook"] == "04_cnn_mnist" and summary_path.stem == summary["run_id"]
    assert summary["params"]["dataset"] == "fashion" and summary["seed"] == 7 and summary["mode"] == "quick"
    quick_epochs = int(re.search(r"epochs = run\.epochs or run\.pick\(quick=(\d+)", NOTEBOOK.read_text()).group(1))
    assert summary["epochs_run"] == quick_epochs and len(summary["epoch_seconds"]) == quick_epochs  # quick mode's

    # the parameters took effect in the kernel: Fashion-MNIST was loaded, checked and shown by class name
    text = _stream_text(nb) + _html_text(nb)
    assert "train: (7000, 28, 28, 1) uint8" in text
    assert "Fashion-MNIST, quick mode" in text  # q4 measured against the Fashion-MNIST floor
    for q in ("q1", "q2", "q3", "q4", "q5"):
        assert f"{q} · Correct" in text, q
    figures = {f["name"]: f for f in summary["figures"]}
    assert "of fashion" in figures["examples"]["suptitle"] and figures["examples"]["alt"]
    accuracy = summary["metrics"]["test_accuracy"]
    from helpers.data.images import floor_for

    assert floor_for("04_cnn_mnist", "fashion", True) <= accuracy < floor_for("04_cnn_mnist", "mnist", True), accuracy


def test_papermill_values_of_the_wrong_type_stop_at_setup_with_a_typed_error(tmp_path):
    """Issue 23 §2: ``-p epochs 2.5`` used to reach ``model.fit`` and fail there with a raw TypeError."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_") or k == "WORKSHOP_DATA_DIR"}
    env.update(WORKSHOP_OFFLINE="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "papermill", str(ROOT / "solutions" / "01_warmup.ipynb"),
                           str(tmp_path / "out.ipynb"), "-p", "quick", "false", "-p", "epochs", "2.5",
                           "--kernel", "python3", "--cwd", str(tmp_path), "--log-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    nb = json.loads((tmp_path / "out.ipynb").read_text())
    errors = [out for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "ConfigError", errors
    assert "epochs=2.5" in errors[0]["evalue"] and "a whole number" in errors[0]["evalue"]
    failed = next(c for c in nb["cells"] if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert "helpers.setup(" in "".join(failed["source"]), "the error comes from setup, before any training"
