"""Run notebooks top to bottom and store clean outputs (``python -m helpers execute``).

Stored outputs in ``solutions/`` and ``notebooks/`` come from a clean run in
quick mode.  This module runs each notebook in a fresh kernel with nbclient,
removes Keras timings from progress lines, and refuses to store outputs that
leak machine paths or TensorFlow log noise: fix the cause, don't hide it.
"""

import os
import re
from pathlib import Path

from ..errors import NotebookSourceError
from ..files import atomic_write

__all__ = ["execute_notebook", "sanitize", "output_problems", "NOISE_PATTERNS"]

_TIMING = re.compile(r" - \d+(?:\.\d+)?(?:s|ms|us|µs)(?:/step)?(?= - |$)", re.MULTILINE)
NOISE_PATTERNS = [
    r"[IWEF]0000 00:00", r"cuda_(?:platform|dnn|blas|fft)", r"All log messages before absl",
    r"oneDNN custom operations", r"cpu_feature_guard", r"TF_ENABLE_ONEDNN_OPTS",
    r"site-packages/", r"/tmp/tmp", r'"/root/', r"/home/[^/\s]+/",
]


def sanitize(nb):
    """Strip per-epoch timings (``- 2s - 8ms/step``) from stream outputs, in place."""
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _TIMING.sub("", out["text"])
    return nb


def output_problems(nb, extra=()):
    """Describe outputs that leak paths or TensorFlow noise; empty list when clean."""
    patterns = [re.compile(p) for p in NOISE_PATTERNS] + [re.compile(re.escape(e)) for e in extra if e]
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            texts = [out.get("text", "")] + [str(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
            texts.append("\n".join(out.get("traceback", [])))
            for text in texts:
                for pat in patterns:
                    if pat.search(text):
                        problems.append(f"cell {i}: output matches {pat.pattern!r}: {text.strip()[:160]!r}")
    return problems


def execute_notebook(path, quick=True, timeout=600, write=True):
    """Execute ``path`` in a fresh kernel and store sanitised outputs.

    Args:
        path: The ``.ipynb`` file.
        quick: Run with ``WORKSHOP_QUICK=1`` (stored outputs are quick-mode).
        timeout: Per-cell timeout in seconds.
        write: Write the result back to ``path`` (atomically).

    Returns:
        nbformat.NotebookNode: the executed notebook.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell failed.
        NotebookSourceError: outputs leak paths or TensorFlow noise.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in ("WORKSHOP_QUICK", "WORKSHOP_FIGURES_DIR")}
    os.environ["WORKSHOP_QUICK"] = "1" if quick else "0"
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    sanitize(nb)
    problems = output_problems(nb, extra=(str(path.parent.parent), os.path.expanduser("~") + "/"))
    if problems:
        raise NotebookSourceError(f"{path.name}: outputs are not clean, nothing was written:\n  - "
                                  + "\n  - ".join(problems)
                                  + "\nFix: remove the cause (print relative paths, silence the warning), then re-run.")
    if write:
        with atomic_write(path, "w") as fh:
            nbformat.write(nb, fh)
    return nb
