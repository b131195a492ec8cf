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
``WORKSHOP_TIMEOUT``        Network timeout in seconds (default 30).
``WORKSHOP_RETRIES``        Attempts per URL (default 3).
``WORKSHOP_STRICT``         ``1`` = a failed check raises even inside Jupyter; ``0`` = it
                            never raises, not even in a script (default: raise in scripts).
``WORKSHOP_FIGURES_DIR``    Where scripts save figures (default ``./figures``).
``WORKSHOP_OUTPUT_DIR``     Where scripts write their JSON summary (default ``./outputs``).
``WORKSHOP_<PARAMETER>``    A notebook parameter, e.g. ``WORKSHOP_EPOCHS=3`` (see :mod:`helpers.params`).
==========================  =====================================================
"""

import os
from pathlib import Path

from .errors import ConfigError

__all__ = [
    "parse_flag",
    "env_flag",
    "env_number",
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


def env_number(name, default, minimum=0.0):
    """Read a numeric environment variable (seconds, counts).

    Raises:
        ConfigError: The value is not a number or is below ``minimum``.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ConfigError(
            f"{name}={raw!r} is not a number >= {minimum}. Fix: e.g. `export {name}={default}`, or unset it."
        )
    return type(default)(value)


def data_dir():
    """The read-only data directory from ``WORKSHOP_DATA_DIR``, or ``None``."""
    raw = os.environ.get("WORKSHOP_DATA_DIR", "").strip()
    return Path(raw).expanduser() if raw else None


def cache_dir():
    """The writable download cache: ``WORKSHOP_CACHE_DIR`` or the user cache directory.

    On Linux the default is ``~/.cache/keras-workshop`` (``$XDG_CACHE_HOME``
    respected), on macOS ``~/Library/Caches/keras-workshop``.
    """
    raw = os.environ.get("WORKSHOP_CACHE_DIR", "").strip()
    if raw:
        return Path(raw).expanduser()
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
    """Network timeout in seconds (``WORKSHOP_TIMEOUT``, default 30)."""
    return env_number("WORKSHOP_TIMEOUT", 30.0, minimum=0.1)


def retries():
    """Attempts per URL (``WORKSHOP_RETRIES``, default 3)."""
    return env_number("WORKSHOP_RETRIES", 3, minimum=1)


def figures_dir():
    """Where scripts save figures: ``WORKSHOP_FIGURES_DIR`` or ``./figures``."""
    return Path(os.environ.get("WORKSHOP_FIGURES_DIR", "").strip() or "figures")


def output_dir():
    """Where scripts write their JSON run summary: ``WORKSHOP_OUTPUT_DIR`` or ``./outputs``."""
    return Path(os.environ.get("WORKSHOP_OUTPUT_DIR", "").strip() or "outputs")
