"""``python -m helpers doctor``: one readable report of what a notebook needs.

Exit status 0 means every notebook can run in the chosen mode; 1 means
something is missing, and the report says how to fix it.
"""

import importlib.metadata
import platform
import tempfile
import urllib.request
from pathlib import Path

from .. import __version__, config
from ..data.fetch import dataset_status
from ..errors import ConfigError
from ..data.registry import DATASETS, needed_datasets
from ..data.verify import describe

__all__ = ["cache_writable", "network_reachable", "report"]


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
    """True when ``url`` answers within ``timeout`` seconds (a HEAD request)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


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


def _data_sets(quick, offline, writable, cache, probe_network, out, problems):
    """One line per registered file: where it is, or why it cannot be used; each problem gets its fix."""
    mode = "quick" if quick else "full"
    needed = needed_datasets(quick)
    out("")
    out(f"Data sets ({mode} mode needs: {', '.join(needed)})")
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
                note = "" if name in needed else f" ({ds.note or f'not needed in {mode} mode'})"
                out(f"  {tag} {name:<13} {filename:<40}{note}")
            if name in needed and name not in missing_needed:
                missing_needed.append(name)
    if missing_needed:
        fetch_cmd = f"python -m helpers prefetch {' '.join(missing_needed)}"
        if offline:
            problems.append(f"Needed data is missing and WORKSHOP_OFFLINE=1. Fix: on a machine with internet run "
                            f"`{fetch_cmd} --dest DIR`, then `export WORKSHOP_DATA_DIR=DIR` here.")
        elif not writable:
            problems.append(f"Needed data is missing and the cache {cache} is not writable. Fix: "
                            f"`export WORKSHOP_CACHE_DIR=/a/writable/dir`, then `{fetch_cmd}`.")
        elif probe_network and not any(network_reachable(DATASETS[n].files[0].urls[0]) for n in missing_needed):
            problems.append(f"Needed data is missing and no mirror answered. Fix: run `{fetch_cmd}` where there "
                            f"is internet (add `--dest DIR`, then `export WORKSHOP_DATA_DIR=DIR`), or set WORKSHOP_MIRROR.")
        else:
            out(f"  Missing data will be downloaded on first use; to fetch it now: `{fetch_cmd}`.")
    for name, ds in DATASETS.items():
        if name not in needed and ds.modes and all(row[1] is None for row in dataset_status(name)):
            out(f"  For {'full' if quick else 'quick'} mode you would also need {name}: "
                f"`python -m helpers prefetch {name}`.")


def report(quick, probe_network=True, out=print):
    """Print the doctor report and return the exit status (0 ready, 1 not ready).

    A problem with one file or setting (unreadable, corrupt, a folder where a file should be, a
    value out of range) is reported on its line and in the list at the end; the report goes on.

    Args:
        quick: Check for quick mode (True) or full mode (False).
        probe_network: When online and data is missing, test whether a mirror answers.
        out: Where lines go (``print`` by default).
    """
    problems = []
    out("Keras workshop kit: doctor")
    out(f"  Python      {platform.python_version()} ({platform.system()} {platform.machine()})")
    tf_version = _version("tensorflow") or _version("tensorflow-cpu")
    out(f"  TensorFlow  {tf_version or 'NOT INSTALLED'}")
    out(f"  Keras       {_version('keras') or 'NOT INSTALLED'}")
    out(f"  helpers     {__version__}")
    for dist in ("numpy", "pandas", "scikit-learn", "matplotlib", "keras-tuner"):
        if _version(dist) is None:
            problems.append(f"Python package {dist} is missing. Fix: `pip install -r requirements.txt`.")
    if tf_version and _version("keras"):
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
    out(f"  Mode        {mode}" + (" (small data, few epochs)" if quick else " (complete data, full training)"))
    offline = _settings(out, problems)
    _data_dir(out, problems)
    cache = config.cache_dir()
    writable = cache_writable(cache)
    out(f"  Cache       {cache} ({'writable' if writable else 'NOT writable'})")
    _data_sets(quick, offline, writable, cache, probe_network, out, problems)
    out("")
    if problems:
        out("NOT READY:")
        for p in problems:
            out(f"  - {p}")
        return 1
    out(f"READY: every notebook can run in {mode} mode.")
    return 0
