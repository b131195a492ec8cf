"""``python -m helpers doctor``: one readable report of what a notebook needs.

Exit status 0 means every notebook (or, with ``--notebook NB``, that one) can run in the chosen
mode; 1 means something is missing, and the report says how to fix it.  Data that is missing but
can be downloaded is named with what will happen: downloaded on first use from a mirror that
answered, or, with ``--no-network``, that the network was not checked.
"""

import json
import os
import platform
import re
import tempfile
from pathlib import Path

from .. import __version__, config
from ..data.fetch import dataset_status, mirror_urls
from ..data.transport import urllib_transport
from ..errors import ConfigError, NotebookSourceError
from ..data.registry import DATASETS, needed_datasets
from ..data.verify import describe
from ..run.device import versions

__all__ = ["cache_writable", "network_reachable", "notebook_datasets", "report", "threads_line", "workspace_line"]

_LOADS = re.compile(r"load_(mnist|abalone|fashion_mnist|images)\(([^)]*)\)")


def cache_writable(directory=None):
    """True when the download cache can be created and written to.

    Args:
        directory: The cache directory; default :func:`helpers.config.cache_dir`.
    """
    directory = Path(directory) if directory else config.cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            pass
        return True
    except OSError:
        return False


def network_reachable(url, timeout=5.0):
    """True when ``url`` answers with its file within ``timeout`` seconds (the download's own transport)."""
    try:
        with urllib_transport(url, timeout):
            return True
    except (OSError, ValueError):
        return False


def _code(path):
    """The code of a notebook (its code cells) or of a script, as one text."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        if str(path).endswith(".ipynb"):
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "code")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotebookSourceError(f"Cannot read {path} to see which data it needs: {exc}. Fix: pass a notebook or "
                                  f"script of the kit, e.g. `--notebook solutions/04_cnn_mnist.ipynb`.") from None
    return text


def notebook_datasets(path, quick):
    """The data sets a notebook (or script) loads in this mode, read from its ``helpers.load_*`` calls.

    ``load_images(run.dataset, ...)`` follows the parameter's value: ``WORKSHOP_DATASET`` when set,
    else the parameters cell's (``"fashion"`` is Fashion-MNIST, ``"mnist"`` the MNIST of the mode);
    a call with ``quick=True`` needs the quick files even in full mode.
    """
    text, names = _code(path), []
    for kind, args in _LOADS.findall(text):
        small = quick or "quick=True" in args.replace(" ", "")
        mnist = "mnist-quick" if small else "mnist"
        if kind in ("abalone", "fashion_mnist", "mnist"):
            names.append({"abalone": "abalone", "fashion_mnist": "fashion-mnist", "mnist": mnist}[kind])
            continue
        first = args.split(",")[0].strip().removeprefix("run.")
        value = first.strip("'\"")
        if value == first:  # a parameter: the environment, else the cell's literal
            cell = re.search(rf"^{re.escape(first)}\s*=\s*['\"](\w+)['\"]", text, re.MULTILINE)
            value = os.environ.get(f"WORKSHOP_{first.upper()}", "").strip() or (cell.group(1) if cell else "mnist")
        names.append("fashion-mnist" if value == "fashion" else mnist)
    return list(dict.fromkeys(names))


def _settings(out, problems):
    """Print the network line; a setting that cannot be used is reported, not raised.  Returns offline."""
    try:
        offline = config.offline()
    except ConfigError as exc:
        problems.append(str(exc))
        offline = True
    out(f"  Network     {'off (WORKSHOP_OFFLINE=1)' if offline else 'allowed (downloads on first use)'}")
    for read in (config.timeout, config.retries):
        try:
            read()
        except ConfigError as exc:
            problems.append(str(exc))
    return offline


def threads_line(problems):
    """``Threads     2 (from the CPU affinity: ...)``: what ``helpers.setup()`` will give TensorFlow and BLAS."""
    from ..run.threads import cpu_budget

    try:
        return f"  Threads     {cpu_budget().reason}"
    except ConfigError as exc:
        problems.append(str(exc))
        return "  Threads     (WORKSHOP_THREADS is not valid, see below)"


def workspace_line(problems):
    """``Workspace   <folder> (writable)``: where the learner's copies of the exercises go.

    A folder that cannot be written is a problem only when ``WORKSHOP_WORKSPACE`` chose it; the
    default one gets its fix on the line (notebooks still run; only the copies need a home).
    """
    import os

    from .workspace import workspace_dir

    chosen = bool(os.environ.get("WORKSHOP_WORKSPACE", "").strip())
    fix = "Fix: `export WORKSHOP_WORKSPACE=$HOME/keras-workshop` (any folder you may write)"
    try:
        folder = workspace_dir()
    except ConfigError as exc:
        return f"  Workspace   (none: {str(exc).split('. Fix:')[0]}). {fix}"
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        problem = f"{probe} is not a folder"
    elif not os.access(probe, os.W_OK | os.X_OK):
        problem = f"{probe} is not writable for this user"
    else:
        state = "exists" if folder.is_dir() else "will be created"
        return f"  Workspace   {folder} (writable, {state}{'; from WORKSHOP_WORKSPACE' if chosen else ''})"
    if chosen:
        problems.append(f"WORKSHOP_WORKSPACE={os.environ['WORKSHOP_WORKSPACE']}: {problem}. {fix}.")
        return f"  Workspace   {folder} (NOT usable, see below)"
    return f"  Workspace   {folder} (NOT usable: {problem}). {fix}"


def _data_dir(out, problems):
    """Print the data folder line; a folder that is missing, a file or unreadable is a problem."""
    data_dir = config.data_dir()
    if data_dir is None:
        out("  Data dir    (WORKSHOP_DATA_DIR not set)")
        return
    kind, text = describe(data_dir, want="folder")
    out(f"  Data dir    {data_dir}" + ("" if kind == "ok" else f" ({text})"))
    if kind != "ok":
        problems.append(f"WORKSHOP_DATA_DIR={data_dir} {text}. Fix: point it at the folder that "
                        f"`python -m helpers prefetch --dest DIR` filled (`export WORKSHOP_DATA_DIR=DIR`)"
                        + (", and ask its owner to run `chmod -R a+rX` on it" if kind == "denied" else "")
                        + ", or unset it.")


def _data_sets(quick, offline, writable, cache, probe_network, out, problems, needed=None, who=None):
    """One line per registered file: where it is, or why it cannot be used; each problem gets its fix.

    Returns:
        str | None: what will happen to needed data that is missing but can be downloaded, or None.
    """
    mode = "quick" if quick else "full"
    needed = needed_datasets(quick) if needed is None else needed
    out("")
    out(f"Data sets ({who or f'{mode} mode'} needs: {', '.join(needed) or 'none'})")
    missing_needed = []
    for name, ds in DATASETS.items():
        for filename, path, detail, problem in dataset_status(name):
            if path is not None:
                out(f"  [ok]      {name:<13} {filename:<40} {detail.split('; ')[-1]}")
                continue
            if problem:
                problems.append(problem)
                out(f"  [PROBLEM] {name:<13} {filename:<40} (see below)")
            else:
                tag = "[MISSING]" if name in needed else "[missing]"
                note = "" if name in needed else f" ({f'not needed by {who}' if who else ds.note or f'not needed in {mode} mode'})"
                found = [s for s in detail.split("; ") if s and not s.endswith(("(missing)", "not set"))]
                note += "".join(f" ({s})" for s in found)  # why a file that is there cannot be used
                out(f"  {tag} {name:<13} {filename:<40}{note}")
            if name in needed and name not in missing_needed:
                missing_needed.append(name)
    pending = None
    if missing_needed:
        fetch_cmd = f"python -m helpers prefetch {' '.join(missing_needed)}"
        urls = [url for n in missing_needed[:1] for url in mirror_urls(DATASETS[n].files[0])]
        if offline:
            problems.append(f"Needed data is missing and WORKSHOP_OFFLINE=1. Fix: on a machine with internet run "
                            f"`{fetch_cmd} --dest DIR`, then `export WORKSHOP_DATA_DIR=DIR` here.")
        elif not writable:
            problems.append(f"Needed data is missing and the cache {cache} is not writable. Fix: "
                            f"`export WORKSHOP_CACHE_DIR=/a/writable/dir`, then `{fetch_cmd}`.")
        elif not probe_network:
            pending = (f"{', '.join(missing_needed)} will be downloaded into {cache} on first use; the network was "
                       f"not checked (--no-network). Check it with `python -m helpers doctor`, or fetch now: `{fetch_cmd}`")
        else:
            try:
                wait = min(5.0, config.timeout())
            except ConfigError:  # already reported by _settings
                wait = 5.0
            answered = next((u for u in urls if network_reachable(u, timeout=wait)), None)
            if answered is None:
                problems.append(f"Needed data is missing and no mirror answered ({', '.join(urls)}). Fix: run "
                                f"`{fetch_cmd}` where there is internet (add `--dest DIR`, then `export "
                                f"WORKSHOP_DATA_DIR=DIR`), or set WORKSHOP_MIRROR.")
            else:
                pending = (f"{', '.join(missing_needed)} will be downloaded into {cache} on first use "
                           f"({answered} answered); to fetch it now: `{fetch_cmd}`")
        if pending:
            out(f"  Missing data: {pending}.")
    if who is None:
        for name, ds in DATASETS.items():
            if name not in needed and ds.modes and all(row[1] is None for row in dataset_status(name)):
                out(f"  For {'full' if quick else 'quick'} mode you would also need {name}: "
                    f"`python -m helpers prefetch {name}`.")
    return pending


def report(quick, probe_network=True, out=print, notebook=None):
    """Print the doctor report and return the exit status (0 ready, 1 not ready).

    A problem with one file or setting (unreadable, corrupt, a folder where a file should be, a
    value out of range) is reported on its line and in the list at the end; the report goes on.

    Args:
        quick: Check for quick mode (True) or full mode (False).
        probe_network: When online and data is missing, test whether a mirror answers.
        out: Where lines go (``print`` by default).
        notebook: Check only the data this notebook or script needs (:func:`notebook_datasets`),
            e.g. in a batch job that runs one notebook.
    """
    problems = []
    out("Keras workshop kit: doctor")
    out(f"  Python      {platform.python_version()} ({platform.system()} {platform.machine()})")
    found = versions(("tensorflow", "keras", "numpy", "pandas", "scikit-learn", "matplotlib", "keras-tuner"))
    out(f"  TensorFlow  {found.get('tensorflow', 'NOT INSTALLED')}")
    out(f"  Keras       {found.get('keras', 'NOT INSTALLED')}")
    out(f"  helpers     {__version__}")
    for dist in ("numpy", "pandas", "scikit-learn", "matplotlib", "keras-tuner"):
        if dist not in found:
            problems.append(f"Python package {dist} is missing. Fix: `pip install -r requirements.txt`.")
    if "tensorflow" in found and "keras" in found:
        try:
            from ..run.device import device_report

            lines = device_report().splitlines()
        except ImportError as exc:
            lines = [f"cannot import TensorFlow: {exc}"]
            problems.append("TensorFlow does not import. Fix: `pip install -r requirements.txt` in a fresh venv.")
        out(f"  Device      {lines[0]}")
        for line in lines[1:]:
            out(f"              {line}")
    else:
        problems.append("TensorFlow/Keras are not installed. Fix: `pip install -r requirements.txt`.")
    mode = "quick" if quick else "full"
    out(threads_line(problems))
    out(f"  Mode        {mode}" + (" (small data, few epochs)" if quick else " (complete data, full training)"))
    offline = _settings(out, problems)
    _data_dir(out, problems)
    cache = config.cache_dir()
    writable = cache_writable(cache)
    out(f"  Cache       {cache} ({'writable' if writable else 'NOT writable'})")
    out(workspace_line(problems))
    needed = notebook_datasets(notebook, quick) if notebook else None
    who = Path(notebook).stem if notebook else None
    pending = _data_sets(quick, offline, writable, cache, probe_network, out, problems, needed, who)
    out("")
    if problems:
        out("NOT READY:")
        for p in problems:
            out(f"  - {p}")
        return 1
    what = f"{who} can" if who else "every notebook can"
    if pending and not probe_network:
        out(f"READY if the download works: {what} run in {mode} mode once {pending}.")
    elif pending:
        out(f"READY: {what} run in {mode} mode; {pending}.")
    else:
        out(f"READY: {what} run in {mode} mode.")
    return 0
