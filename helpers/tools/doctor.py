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
from ..download import dataset_status
from ..registry import DATASETS, needed_datasets

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


def report(quick, probe_network=True, out=print):
    """Print the doctor report and return the exit status (0 ready, 1 not ready).

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
    for dist in ("numpy", "pandas", "scikit-learn", "matplotlib"):
        if _version(dist) is None:
            problems.append(f"Python package {dist} is missing. Fix: `pip install -r requirements.txt`.")
    if tf_version and _version("keras"):
        try:
            from ..device import device_report

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
    offline = config.offline()
    out(f"  Network     {'off (WORKSHOP_OFFLINE=1)' if offline else 'allowed (downloads on first use)'}")
    data_dir = config.data_dir()
    out(f"  Data dir    {data_dir if data_dir else '(WORKSHOP_DATA_DIR not set)'}")
    cache = config.cache_dir()
    writable = cache_writable(cache)
    out(f"  Cache       {cache} ({'writable' if writable else 'NOT writable'})")

    needed = needed_datasets(quick)
    out("")
    out(f"Data sets ({mode} mode needs: {', '.join(needed)})")
    missing_needed = []
    for name, ds in DATASETS.items():
        rows = dataset_status(name)
        for filename, path, detail in rows:
            if path is not None:
                where = detail.split("; ")[-1]
                out(f"  [ok]      {name:<12} {filename:<27} {where}")
            else:
                tag = "[MISSING]" if name in needed else "[missing]"
                note = "" if name in needed else f" (not needed in {mode} mode)"
                out(f"  {tag} {name:<12} {filename:<27}{note}")
                if detail.startswith("BAD CHECKSUM"):
                    problems.append(detail)
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
    other = [n for n in DATASETS if n not in needed]
    for name in other:
        if all(path is None for _, path, _ in dataset_status(name)):
            out(f"  For {'full' if quick else 'quick'} mode you would also need {name}: "
                f"`python -m helpers prefetch {name}`.")
    out("")
    if problems:
        out("NOT READY:")
        for p in problems:
            out(f"  - {p}")
        return 1
    out(f"READY: every notebook can run in {mode} mode.")
    return 0
