"""Environment variables and paths, read fresh on every call.

Nothing here is cached: changing ``os.environ`` (or a papermill parameter that
sets it) takes effect on the next call.

==========================  =====================================================
Variable                    Meaning
==========================  =====================================================
``WORKSHOP_DATA_DIR``       Read-only, pre-fetched data directory (never written).
``WORKSHOP_CACHE_DIR``      Writable download cache (default: user cache dir).
``WORKSHOP_OFFLINE``        ``1`` = never touch the network.
``WORKSHOP_QUICK``          ``1`` = small data and few epochs (quick mode).
``WORKSHOP_MIRROR``         Base URL tried before the public mirrors.
``WORKSHOP_TIMEOUT``        Network timeout in seconds, 0.1-3600 (default 30).
``WORKSHOP_RETRIES``        Attempts per URL, 1-20 (default 3).
``WORKSHOP_STRICT``         ``1`` = a failed check raises even inside Jupyter; ``0`` = it
                            never raises, not even in a script (default: raise in scripts).
``WORKSHOP_FIGURES_DIR``    Where scripts save figures (default ``./figures``).
``WORKSHOP_OUTPUT_DIR``     Where scripts write their JSON summary (default ``./outputs``).
``WORKSHOP_THREADS``        CPU threads for TensorFlow and BLAS, 0-1024 (default: the CPUs this process
                            may use; ``0`` = leave TensorFlow's own defaults).
``WORKSHOP_GPU_MEMORY``     MiB of each GPU one kernel may use, 256-1048576 (default: grow on demand).
``WORKSHOP_<PARAMETER>``    A notebook parameter, e.g. ``WORKSHOP_EPOCHS=3`` (see :mod:`helpers.run.params`).
==========================  =====================================================
"""

import math
import os
from pathlib import Path

from .errors import ConfigError

__all__ = [
    "parse_flag",
    "env_flag",
    "env_number",
    "parse_number",
    "absolute_path",
    "data_dir",
    "cache_dir",
    "offline",
    "quick_from_env",
    "strict",
    "mirror",
    "timeout",
    "retries",
    "figures_dir",
    "output_dir",
    "threads",
    "gpu_memory",
]

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def parse_flag(raw, where):
    """The kit's one yes/no parser, for environment variables and command-line values alike.

    Args:
        raw: The text, e.g. ``"1"``, ``"off"``; ``None`` or an empty/blank text means *not set*.
        where: What holds the value, for the error message (``"WORKSHOP_QUICK"``, ``"--quick"``).

    Returns:
        bool | None: True, False, or None when not set.

    Raises:
        ConfigError: The value is not one of 1/0, true/false, yes/no, on/off.
    """
    if raw is None or str(raw).strip() == "":
        return None
    value = str(raw).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(
        f"{where}={raw!r} is not a yes/no value. Fix: `export {where}=1` (on) or `export {where}=0` (off), "
        f"or unset it."
    )


def env_flag(name, default=False):
    """Read a yes/no environment variable with :func:`parse_flag`; ``default`` when unset or empty.

    Raises:
        ConfigError: The value is not one of 1/0, true/false, yes/no, on/off.
    """
    value = parse_flag(os.environ.get(name), name)
    return default if value is None else value


def parse_number(raw, name, default, minimum=0.0, maximum=None, integer=False, example=None):
    """Check a numeric setting's text (from the environment or a command line) where it is read.

    ``nan``, ``inf`` and values outside ``[minimum, maximum]`` are refused here, so they cannot
    pass validation and break later (a timeout of ``nan`` seconds, retries for ever).

    Args:
        raw: The text; ``None`` or blank means *not set*.
        name: What holds it, for the message (``"WORKSHOP_TIMEOUT"``).
        default: The value when it is not set; its type is the result's type.
        minimum: The smallest value accepted.
        maximum: The largest value accepted (None: no upper bound).
        integer: Only whole numbers are accepted (``3``, not ``2.5``).
        example: The value the fix suggests (default: ``default``).

    Raises:
        ConfigError: The value is not a number, not finite, not whole when it must be, or out of range.
    """
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    ok = (value is not None and math.isfinite(value) and value >= minimum
          and (maximum is None or value <= maximum) and (not integer or value == int(value)))
    if not ok:
        kind = "a whole number" if integer else "a number"
        span = f"between {_plain(minimum)} and {_plain(maximum)}" if maximum is not None else f">= {_plain(minimum)}"
        raise ConfigError(
            f"{name}={raw!r} is not valid: expected {kind} {span}. "
            f"Fix: e.g. `export {name}={_plain(default if example is None else example)}`, or unset it."
        )
    return type(default)(value)


def _plain(number):
    """``3``, ``0.1``, ``1048576``: a bound as people write it (``:g`` would print 1.04858e+06)."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def env_number(name, default, minimum=0.0, maximum=None, integer=False, example=None):
    """Read a numeric environment variable (seconds, counts) with :func:`parse_number`.

    Raises:
        ConfigError: The value is not a number, not finite, not whole when it must be, or out of range.
    """
    return parse_number(os.environ.get(name), name, default, minimum, maximum, integer, example)


def absolute_path(raw):
    """``raw`` as an absolute path (``~`` expanded), resolved once against the current folder.

    A relative ``WORKSHOP_DATA_DIR=../data`` then keeps meaning the same folder after a ``cd``
    (a batch job changing into its run folder), and every message shows the full path.
    """
    return Path(os.path.abspath(os.path.expanduser(raw)))


def data_dir():
    """The read-only data directory from ``WORKSHOP_DATA_DIR`` as an absolute path, or ``None``."""
    raw = os.environ.get("WORKSHOP_DATA_DIR", "").strip()
    return absolute_path(raw) if raw else None


def cache_dir():
    """The writable download cache, absolute: ``WORKSHOP_CACHE_DIR`` or the user cache directory.

    On Linux the default is ``~/.cache/keras-workshop`` (``$XDG_CACHE_HOME``
    respected), on macOS ``~/Library/Caches/keras-workshop``.
    """
    raw = os.environ.get("WORKSHOP_CACHE_DIR", "").strip()
    if raw:
        return absolute_path(raw)
    import platformdirs

    return Path(platformdirs.user_cache_dir("keras-workshop", appauthor=False))


def offline():
    """True when ``WORKSHOP_OFFLINE`` forbids network access."""
    return env_flag("WORKSHOP_OFFLINE")


def quick_from_env():
    """``True``/``False`` from ``WORKSHOP_QUICK``, or ``None`` when it is unset or empty."""
    return parse_flag(os.environ.get("WORKSHOP_QUICK"), "WORKSHOP_QUICK")


def strict():
    """``WORKSHOP_STRICT``: True = failed checks always raise, False = never, None (unset/empty) = only in scripts."""
    return parse_flag(os.environ.get("WORKSHOP_STRICT"), "WORKSHOP_STRICT")


def mirror():
    """Base URL from ``WORKSHOP_MIRROR`` (no trailing slash), or ``None``."""
    raw = os.environ.get("WORKSHOP_MIRROR", "").strip()
    return raw.rstrip("/") or None


def timeout():
    """Network timeout in seconds for each connect and read (``WORKSHOP_TIMEOUT``, 0.1 to 3600, default 30).

    A whole file's transfer also has a deadline derived from it (:func:`helpers.data.transport.deadline_for`).
    """
    return env_number("WORKSHOP_TIMEOUT", 30.0, minimum=0.1, maximum=3600)


def retries():
    """Attempts per URL for failures that can recover (``WORKSHOP_RETRIES``, 1 to 20, default 3)."""
    return env_number("WORKSHOP_RETRIES", 3, minimum=1, maximum=20, integer=True)


def figures_dir():
    """Where scripts save figures: ``WORKSHOP_FIGURES_DIR`` or ``./figures``."""
    return Path(os.environ.get("WORKSHOP_FIGURES_DIR", "").strip() or "figures")


def output_dir():
    """Where scripts write their JSON run summary: ``WORKSHOP_OUTPUT_DIR`` or ``./outputs``."""
    return Path(os.environ.get("WORKSHOP_OUTPUT_DIR", "").strip() or "outputs")


def threads():
    """``WORKSHOP_THREADS``: CPU threads for TensorFlow and BLAS (0-1024), or None when unset.

    ``0`` means *leave TensorFlow's and the BLAS libraries' own defaults* (no sizing at all);
    unset means *size them to the CPUs this process may use* (:mod:`helpers.run.threads`).
    """
    value = env_number("WORKSHOP_THREADS", -1, minimum=0, maximum=1024, integer=True, example=2)
    return None if value < 0 else value


def gpu_memory():
    """``WORKSHOP_GPU_MEMORY``: MiB of each GPU one process may use (256-1048576), or None when unset."""
    value = env_number("WORKSHOP_GPU_MEMORY", 0, minimum=256, maximum=1048576, integer=True, example=4096)
    return value or None
