"""Figure plumbing: show-or-save, training curves, digit grids.

In JupyterLab figures appear inline as usual.  In a script (after
``jupyter nbconvert --to script``) :func:`show` saves each figure as
``<notebook>-<name>.png`` in ``WORKSHOP_FIGURES_DIR`` (default ``./figures``)
instead of trying to open a window; ``helpers.setup`` selects the Agg backend there.
"""

import contextlib
import os
import re

from . import config

__all__ = ["show", "saved_figures", "plot_history", "show_images"]

_counter = {"n": 0}
_saved = []


def saved_figures():
    """Paths of the figures :func:`show` saved in this process, oldest first."""
    return list(_saved)


def show(name=None, fig=None):
    """Display the current figure (Jupyter) or save it as PNG (script).

    Args:
        name: Figure name used when saving, e.g. ``"loss_curves"``; the file is
            ``<notebook>-<name>.png``.
        fig: The figure; default the current one.

    Returns:
        pathlib.Path | None: where the PNG was saved in a script, else None.

    Raises:
        OutputNotWritableError: the figures folder cannot be written.
    """
    import matplotlib.pyplot as plt

    from .errors import OutputNotWritableError
    from .runtime import in_kernel, notebook_name

    fig = fig or plt.gcf()
    if in_kernel():
        plt.show()
        return None
    _counter["n"] += 1
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name or f"figure_{_counter['n']:02d}")
    out_dir = config.figures_dir()
    path = out_dir / f"{notebook_name()}-{stem}.png"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fig.savefig(tmp, dpi=100, bbox_inches="tight", format="png")
        os.replace(tmp, path)  # never leave a half-written PNG under the real name
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputNotWritableError(f"Could not save figure {path}: {err.strerror or err}. "
                                     f"Fix: point WORKSHOP_FIGURES_DIR (or --figures-dir) at a writable folder.") from None
    finally:
        plt.close(fig)
    _saved.append(path)
    print(f"[figure saved: {path}]")
    return path


def plot_history(history, metrics=("loss",), title=None, ax=None):
    """Plot training and validation curves from ``model.fit``'s History.

    Args:
        history: A ``keras.callbacks.History`` or its ``.history`` dict.
        metrics: Names to plot, e.g. ``("loss", "accuracy")``; one panel each.
        title: Optional figure title.
        ax: Optional axes (one metric only).

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from matplotlib.ticker import MaxNLocator

    hist = getattr(history, "history", history)
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if ax is not None:
        axes, fig = [ax], ax.figure
    else:
        fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
        axes = axes[0]
    for metric, axis in zip(metrics, axes):
        epochs = range(1, len(hist[metric]) + 1)
        axis.plot(epochs, hist[metric], "o-", label=f"training {metric}")
        if f"val_{metric}" in hist:
            axis.plot(epochs, hist[f"val_{metric}"], "s--", label=f"validation {metric}")
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(metric)
        axis.grid(True, alpha=0.3)
        axis.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(images, labels=None, predictions=None, ncols=10, size=1.2, cmap="gray"):
    """Grid of images with optional ``label`` / ``label→prediction`` captions.

    Wrong predictions are captioned in red.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import numpy as np

    images = np.asarray(images)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15), squeeze=False)
    for i, axis in enumerate(axes.flat):
        axis.axis("off")
        if i >= n:
            continue
        axis.imshow(images[i].squeeze(), cmap=cmap)
        if labels is not None and predictions is not None:
            wrong = labels[i] != predictions[i]
            axis.set_title(f"{labels[i]}→{predictions[i]}", fontsize=9, color="red" if wrong else "black")
        elif labels is not None:
            axis.set_title(str(labels[i]), fontsize=9)
    fig.tight_layout()
    return fig
