"""Notebook parameters: the ``parameters`` cell, then the environment, then the command line.

A notebook's ``parameters`` cell (papermill's convention) holds the defaults::

    quick = None      # None: the mode comes from WORKSHOP_QUICK or --quick/--full
    seed = 42
    epochs = None     # None: the notebook's quick/full choice
    batch_size = 128

and hands them to ``helpers.setup(quick=quick, seed=seed, epochs=epochs, batch_size=batch_size)``.
Each value can be overridden, the later source winning:

1. the ``parameters`` cell (or ``papermill -p epochs 3``);
2. the environment variable ``WORKSHOP_<NAME>``, e.g. ``WORKSHOP_EPOCHS=3``;
3. in a script made with ``jupyter nbconvert --to script``, the option ``--<name>``,
   e.g. ``python 04_cnn_mnist.py --epochs 3 --quick``; ``--help`` lists them all.

Inside a Jupyter kernel the command line is never read: there ``sys.argv`` holds
the kernel's ``-f <connection file>``.
"""

import argparse
import contextlib
import math
import os
import sys

from .. import config
from ..data.images import IMAGE_SETS
from ..errors import ConfigError

__all__ = ["KNOWN", "RANGES", "CHOICES", "env_name", "option_name", "build_parser", "resolve", "forced"]

#: Parameters with a fixed type and help text.  Others take the type of their default.
KNOWN = {
    "quick": (bool, "quick mode: small data and few epochs (--quick / --full)"),
    "seed": (int, "random seed for Python, NumPy and Keras"),
    "epochs": (int, "training epochs (default: the notebook's quick/full choice)"),
    "batch_size": (int, "mini-batch size"),
    "learning_rate": (float, "the optimizer's learning rate"),
    "dataset": (str, "image data set: " + " or ".join(f"{name} ({row.about})" for name, row in IMAGE_SETS.items())),
    "max_trials": (int, "trials of a hyperparameter search (default: the notebook's quick/full choice)"),
    "figures_dir": (str, "folder where a script saves its figures (default ./figures)"),
    "output_dir": (str, "folder where a script writes its JSON summary (default ./outputs)"),
}
#: Ranges checked wherever a value is read (cell, environment, command line), so a value that parses
#: cannot break later (NumPy refusing a seed after the TensorFlow import, Keras replacing ``batch_size=0``
#: by its default while the summary records 0): ``name: (test, what is accepted)``.
RANGES = {
    "seed": (lambda v: 0 <= v <= 2**32 - 1, "a whole number from 0 to 4294967295 (NumPy's seed range)"),
    "epochs": (lambda v: 1 <= v <= 10_000, "a whole number from 1 to 10000"),
    "batch_size": (lambda v: 1 <= v <= 2**20, "a whole number from 1 to 1048576"),
    "learning_rate": (lambda v: v > 0, "a number > 0"),
    "max_trials": (lambda v: v >= 1, "a whole number >= 1"),
}
#: Parameters every script accepts, even when the notebook does not pass them to setup().
ALWAYS = ("quick", "seed", "figures_dir", "output_dir")
#: Parameters that take one of a few values, checked whatever their source (cell, environment, command line).
CHOICES = {"dataset": tuple(IMAGE_SETS)}


#: Values that win over every source while a :func:`forced` block runs (innermost last).
_FORCED = []


@contextlib.contextmanager
def forced(**values):
    """Within this block the resolver takes ``values`` over every other source and reads no command line.

    Catching up replays a solution's cells this way, in quick mode whatever ``WORKSHOP_QUICK`` or a
    script's own ``--full`` say, without touching ``os.environ`` or ``sys.argv``::

        with params.forced(quick=True):
            helpers.setup("04_cnn_mnist", quick=None)   # quick mode
    """
    _FORCED.append(dict(values))
    try:
        yield
    finally:
        _FORCED.pop()


def env_name(name):
    """``"batch_size"`` → ``"WORKSHOP_BATCH_SIZE"``."""
    return "WORKSHOP_" + name.upper()


def option_name(name):
    """``"batch_size"`` → ``"--batch-size"``."""
    return "--" + name.replace("_", "-")


def _kind(name, default):
    if name in KNOWN:
        return KNOWN[name][0]
    return type(default) if isinstance(default, (bool, int, float, str)) else str


def _check_range(name, value, where):
    """Raise ConfigError when ``value`` is outside ``RANGES[name]`` (or a float that is nan/inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    test, wanted = RANGES.get(name, (lambda v: True, "a finite number"))
    if not math.isfinite(value) or not test(value):
        raise ConfigError(f"{where}={value!r} is out of range: expected {wanted}. Fix: set another value, "
                          f"or remove it to use the notebook's default.")
    return value


def _convert(kind, raw, where, name=None):
    """Turn the text ``raw`` into ``kind`` and check its range; ``where`` names its source for the error message."""
    value = _parse(kind, raw, where)
    return _check_range(name, value, where)


_WANTED = {bool: "a yes/no value: True/False, 1 or 0, or the text true/false, yes/no, on/off",
           int: "a whole number", float: "a number", str: "a text"}


def _from_cell(name, value):
    """Type a value of the ``parameters`` cell like any other source, and check its range.

    papermill's ``-p`` passes numbers as numbers and anything else as text (``-p quick false`` is
    ``"false"``): text is parsed as the environment's would be, a whole float (``3.0``) becomes ``3``,
    and anything else of the wrong type is refused here, before TensorFlow is imported.
    """
    where = f"parameters cell: {name}"
    kind = KNOWN.get(name, (None,))[0]
    if value is None or kind is None:
        return _check_range(name, value, where)
    if isinstance(value, str):
        try:
            return _check_range(name, _parse(kind, value, where), where)
        except ConfigError as err:
            if "out of range" in str(err):
                raise
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is bool and (isinstance(value, bool) or (number and value in (0, 1))):
        return bool(value)
    if kind is int and number and float(value).is_integer():
        return _check_range(name, int(value), where)
    if kind is float and number:
        return _check_range(name, float(value), where)
    if kind is str and isinstance(value, str) and value.strip():
        return value
    example = {bool: "True", int: "3", float: "0.001", str: "'out'"}[kind]
    raise ConfigError(f"The parameters cell's {name}={value!r} (or papermill's `-p {name} {value}`) is not valid: "
                      f"expected {_WANTED[kind]}. Fix: e.g. `{name} = {example}` in the cell (`-p {name} "
                      f"{example.strip(chr(39))}`), or `{name} = None` for the notebook's default.")


def _parse(kind, raw, where):
    text = str(raw).strip()
    try:
        if kind is bool:
            value = config.parse_flag(text, where)
            if value is None:
                raise ValueError(text)
            return value
        if kind is int:
            value = int(text)
            if value < 0:
                raise ValueError(text)
            return value
        if kind is float:
            return float(text)
        if not text:
            raise ValueError(text)
        return text
    except (ValueError, ConfigError):
        wanted = {bool: "1 or 0", int: "a whole number ≥ 0", float: "a number", str: "a non-empty text"}[kind]
        raise ConfigError(f"{where}={raw!r} is not valid: expected {wanted}. "
                          f"Fix: set it to e.g. {where}={ {bool: '1', int: '3', float: '0.001', str: 'out'}[kind] }, "
                          f"or remove it to use the notebook's default.") from None


def build_parser(cell, prog=None):
    """An ``argparse`` parser with one option per parameter (for ``--help`` and scripts).

    Args:
        cell: ``{name: default}`` from the notebook's ``parameters`` cell.
        prog: Program name shown in ``--help``.
    """
    parser = argparse.ArgumentParser(
        prog=prog, allow_abbrev=False, description="Workshop notebook run as a script. Each option overrides the environment "
        "variable WORKSHOP_<NAME>, which overrides the notebook's parameters cell.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=None,
                      help=KNOWN["quick"][1] + " [WORKSHOP_QUICK]")
    mode.add_argument("--full", dest="quick", action="store_false", help="full mode: complete data and training")
    for name, default in cell.items():
        if name == "quick":
            continue
        kind = _kind(name, default)
        text = KNOWN.get(name, (None, f"notebook parameter {name!r}"))[1]
        helptext = f"{text} [{env_name(name)}" + ("]" if name in ALWAYS and default is None
                                                 else f"; cell: {default!r}]")
        if kind is bool:
            parser.add_argument(option_name(name), dest=name, action=argparse.BooleanOptionalAction,
                                default=None, help=helptext)
        else:
            parser.add_argument(option_name(name), dest=name, default=None, metavar=name.upper(),
                                type=lambda raw, k=kind, n=name: _argtype(k, raw, option_name(n), n),
                                help=helptext)
    return parser


def _argtype(kind, raw, option, name=None):
    try:
        return _convert(kind, raw, option, name)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def resolve(cell, argv=None, use_cli=True, prog=None, warn_unknown=True):
    """Resolve every parameter: cell value, then ``WORKSHOP_<NAME>``, then ``--<name>``.

    This is the kit's one resolver: ``helpers.setup`` and ``helpers.quick_mode`` both use it, so the
    order is the same everywhere.  An empty environment variable counts as unset.

    Args:
        cell: ``{name: value}`` as written in the ``parameters`` cell.
        argv: Command-line arguments (default ``sys.argv[1:]``).
        use_cli: False inside a Jupyter kernel.
        prog: Program name for ``--help``.
        warn_unknown: Print a line about command-line arguments that are not parameters.

    Returns:
        tuple[dict, dict]: the values, and where each came from (``"cell"``, ``"env"``, ``"cli"``, or
        ``"forced"`` inside a :func:`forced` block, which also leaves the command line unread).

    Raises:
        ConfigError: a value (cell, papermill ``-p``, environment) has the wrong type or is out of range
            (:data:`RANGES`),
            or a parameter with :data:`CHOICES` (``dataset``) holds none of them.
        SystemExit: ``--help`` (exit 0) or a bad command-line value (exit 2), as argparse does.
    """
    cell = {**{name: None for name in ALWAYS}, **cell}
    values, sources = {}, {}
    for name, default in cell.items():
        values[name], sources[name] = _from_cell(name, default), "cell"
        raw = os.environ.get(env_name(name))
        if raw is not None and raw.strip() != "":
            values[name], sources[name] = _convert(_kind(name, default), raw, env_name(name), name), "env"
    for overrides in _FORCED:
        for name, value in overrides.items():
            values[name], sources[name] = value, "forced"
    parser = None
    if use_cli and not _FORCED:
        parser = build_parser(cell, prog=prog)
        args, unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
        for name, value in vars(args).items():
            if value is not None:
                values[name], sources[name] = value, "cli"
        if unknown and warn_unknown:
            print(f"Ignoring unknown command-line arguments {unknown}; --help lists the parameters.",
                  file=sys.stderr)
    for name, allowed in CHOICES.items():
        try:
            _check_choice(name, values.get(name), allowed, sources.get(name))
        except ConfigError as err:
            if parser is not None and sources.get(name) == "cli":
                parser.error(str(err))  # a bad option: usage line and exit 2, like any other bad option
            raise
    return values, sources


def _check_choice(name, value, allowed, source):
    """Raise ConfigError when ``value`` is set but not one of ``allowed``; the message names its source."""
    if value is None or value in allowed:
        return
    where = {"env": env_name(name), "cli": option_name(name)}.get(source, f"the parameters cell's {name}")
    options = " or ".join(repr(a) for a in allowed)
    raise ConfigError(f"{where}={value!r} is not a known {name}: expected {options}. "
                      f"Fix: use one of them, e.g. {option_name(name)} {allowed[-1]} or {env_name(name)}={allowed[-1]}, "
                      f"or remove it to use the notebook's default.")
