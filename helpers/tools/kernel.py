"""``python -m helpers kernel install``: the kit as a named Jupyter kernel, "Keras workshop".

One shared install serves a whole room: an admin installs the kit once (a read-only environment and
kit folder) and registers this environment's Python as a kernel.  Its kernel spec carries the kit's
settings, so every learner's kernel finds the kit's folder, the shared data folder, offline mode and
the thread and GPU limits, whatever the learner's own shell sets::

    python -m helpers kernel install --sys-prefix --data-dir /shared/workshop-data --offline --threads 2

Each setting is taken from its flag, else from the installer's environment (``WORKSHOP_DATA_DIR=...
python -m helpers kernel install``), else left out; ``WORKSHOP_KIT_DIR`` is always written (the
folder of this kit), so an installed ``helpers`` package finds the notebooks.  The spec is written
with ipykernel's own installer (``ipykernel.kernelspec.install``), so ``jupyter kernelspec list``
shows it like any other kernel.
"""

import os
from pathlib import Path

from .. import config
from ..data.verify import describe
from ..errors import ConfigError
from ..paths import KIT_ENV, kit_dir

__all__ = ["KERNEL_NAME", "DISPLAY_NAME", "SETTINGS", "spec_env", "install"]

KERNEL_NAME = "keras-workshop"
DISPLAY_NAME = "Keras workshop"
#: The settings a kernel spec carries, in the order ``kernel.json`` lists them.
SETTINGS = (KIT_ENV, "WORKSHOP_DATA_DIR", "WORKSHOP_OFFLINE", "WORKSHOP_QUICK", "WORKSHOP_THREADS",
            "WORKSHOP_GPU_MEMORY")
#: The command-line flag of each setting, for messages about a value given as a flag.
FLAGS = {KIT_ENV: "--kit-dir", "WORKSHOP_DATA_DIR": "--data-dir", "WORKSHOP_OFFLINE": "--offline",
         "WORKSHOP_QUICK": "--quick", "WORKSHOP_THREADS": "--threads", "WORKSHOP_GPU_MEMORY": "--gpu-memory"}


def _check(name, value):
    """Validate one setting the way the kit reads it, so a bad value stops the install, not a learner."""
    if name == "WORKSHOP_DATA_DIR":
        folder = config.absolute_path(value)
        kind, text = describe(folder, want="folder")
        if kind != "ok":
            raise ConfigError(f"The data folder {folder} {text}. Fix: fill it first with `python -m helpers "
                              f"prefetch --dest {folder}`, then install the kernel (or leave --data-dir out).")
        return str(folder)
    if name in ("WORKSHOP_OFFLINE", "WORKSHOP_QUICK"):
        return "1" if config.parse_flag(value, name) else "0"
    if name == "WORKSHOP_THREADS":
        return str(config.parse_number(value, name, 0, minimum=0, maximum=1024, integer=True, example=2))
    if name == "WORKSHOP_GPU_MEMORY":
        return str(config.parse_number(value, name, 0, minimum=256, maximum=1048576, integer=True, example=4096))
    return value


def spec_env(overrides=None, environ=None):
    """The ``env`` of the kernel spec: each setting from ``overrides``, else ``environ``, checked.

    Args:
        overrides: ``{variable: value}`` from the command line (None values are ignored).
        environ: The installer's environment (default ``os.environ``).

    Returns:
        dict[str, str]: ``WORKSHOP_KIT_DIR`` (always) and every other setting that was given.

    Raises:
        ConfigError: a value the kit would refuse (a missing data folder, ``--threads -1``, ...), or
            no kit folder can be found.
    """
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    env = {}
    for name in SETTINGS:
        value = str(overrides.get(name, environ.get(name, ""))).strip()
        if not value:
            continue
        try:
            env[name] = _check(name, value)
        except ConfigError as exc:
            if name not in overrides:
                raise
            flag = FLAGS[name]  # the value came from a flag: say so, and give the fix as a flag
            raise ConfigError(str(exc).replace(f"{name}={value!r}", f"{flag} {value}")
                              .replace(f"`export {name}=", f"`{flag} ").replace("or unset it", "or leave it out")) from None
    if KIT_ENV in env:
        folder = Path(env[KIT_ENV]).expanduser().resolve()
        if not (folder / "solutions").is_dir():
            raise ConfigError(f"{env[KIT_ENV]} holds no solutions/ folder, so it is not the kit's folder. "
                              f"Fix: --kit-dir /path/to/keras-workshop (the folder with solutions/ and exercises/).")
        env[KIT_ENV] = str(folder)
    else:
        env[KIT_ENV] = str(kit_dir())
    return {name: env[name] for name in SETTINGS if name in env}


def install(env, user=False, prefix=None, name=KERNEL_NAME, display_name=DISPLAY_NAME):
    """Write the kernel spec for this Python with ``env``; returns the folder it was written to.

    Args:
        env: From :func:`spec_env`.
        user: Install for the current user (``~/.local/share/jupyter/kernels``).
        prefix: Install under ``PREFIX/share/jupyter/kernels`` (``sys.prefix`` for ``--sys-prefix``).
        name: The kernel's name (what notebooks store and ``jupyter kernelspec list`` shows).
        display_name: What the launcher and the kernel menu show.

    Raises:
        ConfigError: the kernels folder cannot be written (the message names it and the fix).
    """
    from ipykernel.kernelspec import install as ipykernel_install

    try:
        return Path(ipykernel_install(user=user, prefix=prefix, kernel_name=name, display_name=display_name,
                                      env=dict(env)))
    except OSError as err:
        where = err.filename or prefix or "the system-wide kernels folder"
        raise ConfigError(f"Cannot write the kernel spec into {where}: {err.strerror or err}. Fix: run it as the "
                          f"owner of that folder, or choose another place: --user (only you), --sys-prefix (this "
                          f"environment) or --prefix DIR.") from None
