"""The decks' npm assets: fetched by the kit's one downloader, verified where they are installed.

The tarballs of reveal.js, require.js, jQuery and MathJax are pinned (version, SHA-256, size) in
``slides-assets.lock.json`` and downloaded with :func:`helpers.data.fetch.download`, the data sets'
own code (temporary file, size limit, SHA-256 check, ``os.replace``, deadline, retries): from
``WORKSHOP_MIRROR`` first when set, then from the npm registry (``npm_config_registry``, default
``https://registry.npmjs.org``).  They are cached in ``<kit>/build/slides-npm``, or in the user
cache (``WORKSHOP_CACHE_DIR``/``slides-npm``) when the kit's folder cannot be written (a shared
read-only install).

:func:`copy_assets` checks every installed file against the verified tarball on every build and
rebuilds a package's folder when anything differs (a changed, missing or extra file, a link);
links are removed, never written through.
"""

import hashlib
import json
import os
import shutil
import stat
import tarfile
import tempfile
from pathlib import Path

from .. import config
from ..data.fetch import download
from ..data.registry import RemoteFile
from ..data.verify import sha256sum
from ..errors import OutputNotWritableError
from ..files import atomic_write
from ..paths import kit_dir

__all__ = ["LOCK_FILE", "REGISTRY", "FILES", "locked_packages", "npm_cache", "fetch_assets", "copy_assets"]

LOCK_FILE = Path(__file__).resolve().parent / "slides-assets.lock.json"
#: The npm registry used when ``npm_config_registry`` is not set.
REGISTRY = "https://registry.npmjs.org"
#: npm package -> folder under assets/, and the files or folders (ending in "/") a deck needs.
FILES = {
    "reveal.js": ("reveal.js", ["LICENSE", "dist/reveal.css", "dist/reset.css", "dist/reveal.js", "dist/theme/",
                                "plugin/notes/notes.js"]),
    "requirejs": ("requirejs", ["require.js"]),
    "jquery": ("jquery", ["LICENSE.txt", "dist/jquery.min.js"]),
    "mathjax": ("mathjax", ["LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                            "extensions/", "jax/input/TeX/", "jax/output/CommonHTML/", "jax/element/",
                            "localization/en/", "fonts/HTML-CSS/TeX/woff/", "fonts/HTML-CSS/TeX/otf/"]),
}


def locked_packages():
    """The pinned npm packages: ``{name: {"version": ..., "sha256": ..., "size": ...}}`` from the lock file."""
    return json.loads(LOCK_FILE.read_text())["packages"]


def _writable(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".workshop-probe-"):
            return True
    except OSError:
        return False


def npm_cache():
    """Where the tarballs are kept: ``<kit>/build/slides-npm``, else (not writable) the user cache's ``slides-npm``."""
    kit = kit_dir() / "build" / "slides-npm"
    return kit if _writable(kit) else config.cache_dir() / "slides-npm"


def _remote(name, pin):
    registry = (os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or REGISTRY).rstrip("/")
    filename = f"{name}-{pin['version']}.tgz"
    return RemoteFile(filename, pin["sha256"], (f"{registry}/{name}/-/{filename}",), pin.get("size"))


def fetch_assets(cache=None, names=None):
    """Make sure every locked npm tarball (or those in ``names``) is in ``cache`` with the right SHA-256.

    Args:
        cache: Folder for the tarballs; default :func:`npm_cache`.
        names: Only these packages (default: all).

    Returns:
        dict[str, pathlib.Path]: package name -> verified tarball.

    Raises:
        DownloadError: a tarball is missing or damaged and no mirror gives the locked file.
        CacheNotWritableError: the cache cannot be written.
    """
    cache = Path(cache) if cache else npm_cache()
    tarballs = {}
    for name, pin in locked_packages().items():
        if names is not None and name not in names:
            continue
        remote = _remote(name, pin)
        path = cache / remote.filename
        try:
            good = stat.S_ISREG(os.lstat(path).st_mode) and sha256sum(path) == pin["sha256"]
        except OSError:
            good = False
        tarballs[name] = path if good else download(remote, cache)  # never trusts a cached copy unverified
    return tarballs


def _wanted(relative, patterns):
    return any(relative == p or (p.endswith("/") and relative.startswith(p)) for p in patterns)


def _members(tarball, patterns):
    """``{relative path: bytes}`` of the files a deck needs from ``tarball``."""
    found = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            relative = member.name.split("/", 1)[-1]
            if member.isfile() and ".." not in Path(relative).parts and _wanted(relative, patterns):
                found[relative] = tar.extractfile(member).read()
    return found


def _installed_ok(dest, expected):
    """True when ``dest`` is a real folder holding exactly ``expected``: no link, no extra or changed file."""
    if os.path.islink(dest) or not dest.is_dir():
        return False
    seen = set()
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink():
                return False
            if name in files:
                seen.add(path.relative_to(dest).as_posix())
    if seen != set(expected):
        return False
    return all(hashlib.sha256(data).hexdigest() == sha256sum(dest / rel) for rel, data in expected.items())


def _remove(path):
    """Remove a link (not what it points to), a file or a folder tree (links inside are removed, not followed)."""
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def _check_out(out_dir):
    out = Path(out_dir)
    if os.path.lexists(out) and not out.is_dir():
        what = f"a link to {os.readlink(out)}, not a folder" if out.is_symlink() else "a file, not a folder"
        raise OutputNotWritableError(f"--out {out} is {what}. Nothing was written. Fix: pass a folder, e.g. "
                                     f"`python -m helpers slides --out slides`, or move {out} away.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputNotWritableError(f"--out {out} cannot be created: {err.strerror or err}. Fix: pass a folder you "
                                     f"may write, e.g. `--out $HOME/slides`.") from None
    return out


def copy_assets(tarballs, out_dir):
    """Install the files a deck needs from the verified tarballs into ``out_dir/assets``, verifying what is there.

    Returns:
        pathlib.Path: the assets folder.

    Raises:
        OutputNotWritableError: ``out_dir`` is a file or a link to one, or cannot be created.
    """
    assets = _check_out(out_dir) / "assets"
    if os.path.islink(assets) or (os.path.lexists(assets) and not assets.is_dir()):
        _remove(assets)  # the kit's own output folder: a link there is replaced, never followed
    assets.mkdir(exist_ok=True)
    for name, tarball in tarballs.items():
        folder, patterns = FILES[name]
        dest, expected = assets / folder, _members(tarball, patterns)
        if _installed_ok(dest, expected):
            continue
        _remove(dest)
        for relative, data in expected.items():
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target, "wb") as fh:
                fh.write(data)
    return assets
