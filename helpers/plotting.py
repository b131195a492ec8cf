"""Figure plumbing: show-or-save, training curves, digit grids.

In JupyterLab figures appear inline as usual.  In a script (after
``jupyter nbconvert --to script``) :func:`show` saves each figure as
``<run id>-<name>.png`` in ``WORKSHOP_FIGURES_DIR`` (default ``./figures``)
instead of trying to open a window; ``helpers.setup`` selects the Agg backend there.
The run id starts with the notebook's name (``04_cnn_mnist-quick-3f9a2c``, see
:func:`helpers.run.setup.run_id`), so parallel runs into one folder keep all their figures.
"""

import re

from . import config
from .run import state
from .errors import OutputNotWritableError
from .files import atomic_write

__all__ = ["show", "describe_figure", "plot_history", "show_images"]

_unnamed = {"n": 0}


def describe_figure(fig):
    """What a reader can know of a figure without seeing it: titles and axis labels.

    Returns:
        dict: ``{"suptitle": str, "axes": [{"title", "xlabel", "ylabel", "visible", "images", "data"}]}``
        where ``visible`` is False for axes turned off, ``images`` counts images (a digit grid) and
        ``data`` says whether lines, bars or points were drawn.
    """
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    axes = []
    for ax in fig.get_axes():
        axes.append({"title": ax.get_title() or ax.get_title("left") or ax.get_title("right"),
                     "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "visible": bool(ax.axison),
                     "images": len(ax.images), "data": bool(ax.lines or ax.collections or ax.patches)})
    return {"suptitle": suptitle, "axes": axes}


def show(name=None, fig=None, alt=None):
    """Display the current figure (Jupyter) or save it as PNG (script), with its alt text.

    Args:
        name: Figure name used when saving, e.g. ``"loss_curves"``; the file is
            ``<run id>-<name>.png`` (``<notebook>-<name>.png`` outside a run started by ``helpers.setup``).
        fig: The figure; default the current one.
        alt: One sentence saying what the figure shows, for readers who cannot see it.  In Jupyter
            it goes into the output's metadata; in a script into the run summary.

    Returns:
        pathlib.Path | None: where the PNG was saved in a script, else None.

    Raises:
        OutputNotWritableError: the figures folder cannot be written.
    """
    import matplotlib.pyplot as plt

    fig = fig or plt.gcf()
    if state.is_muted():
        plt.close(fig)
        return None
    run = state.active_run()
    if name is None:
        _unnamed["n"] += 1
        name = f"figure_{_unnamed['n']:02d}"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    record = {"name": stem, "file": None, "alt": alt or "", **describe_figure(fig)}
    if state.in_kernel():
        _display(fig, alt)
        if run is not None:
            run.record_figure(record)
        return None
    out_dir = config.figures_dir()
    prefix = getattr(run, "name", None) or state.notebook_name()
    path = out_dir / f"{prefix}-{stem}.png"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as fh:  # never a half-written PNG under the real name
            fig.savefig(fh, dpi=100, bbox_inches="tight", format="png")
    except OSError as err:
        raise OutputNotWritableError(f"Could not save figure {path}: {err.strerror or err}. "
                                     f"Fix: point WORKSHOP_FIGURES_DIR (or --figures-dir) at a writable folder.") from None
    finally:
        plt.close(fig)
    record["file"] = path.name
    if run is not None:
        run.record_figure(record)
    print(f"[figure saved: {path}]")
    return path


def _display(fig, alt):
    """Show ``fig`` in the notebook, its alt text in the output's metadata."""
    import matplotlib
    import matplotlib.pyplot as plt

    if "inline" not in matplotlib.get_backend():  # e.g. an interactive widget backend
        plt.show()
        return
    from IPython.display import display

    display(fig, metadata={"image/png": {"alt": alt}} if alt else None)
    plt.close(fig)


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
