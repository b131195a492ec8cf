"""A multi-worker job's description, checked before TensorFlow starts: ``TF_CONFIG`` and this worker's port.

TensorFlow accepts a ``TF_CONFIG`` whose worker list is a string, whose index is ``"1"`` or ``0.7``,
or whose ports are not numbers, and then fails far away (or waits for ever).  :func:`parse_tf_config`
refuses each of those with a :class:`~helpers.errors.ConfigError` saying what is wrong;
:func:`check_port_free` turns "the gRPC server could not start" into the port and the fix.
"""

import errno
import json
import socket

from .errors import ConfigError, PortInUseError

__all__ = ["EXAMPLE", "parse_tf_config", "own_address", "check_port_free"]

#: A valid ``TF_CONFIG``, shown in every message about a bad one.
EXAMPLE = ('{"cluster": {"worker": ["host1:20000", "host2:20000"]}, "task": {"type": "worker", "index": 0}}')


def _refuse(raw, why):
    return ConfigError(f"TF_CONFIG={raw[:200]!r} is not a valid cluster description: {why}. Fix: set it to JSON "
                       f"like {EXAMPLE} (index = this process's place in its list, a whole number), or unset it "
                       f"for a single process.")


def _address(raw, job, address):
    host, sep, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
    if not (sep and host and port.isdigit() and 1 <= int(port) <= 65535):
        raise _refuse(raw, f"{job} address {address!r} is not \"host:port\" with a port from 1 to 65535")
    return host, int(port)


def parse_tf_config(raw):
    """Check ``TF_CONFIG`` strictly and return it as a dict.

    Every job's list must be a list of ``"host:port"`` texts with whole-number ports (1 to 65535);
    the task's ``type`` must name one of the jobs and its ``index`` must be a whole number (not
    ``True``, ``0.7`` or ``"1"``) within that job's list.

    Raises:
        ConfigError: the first thing that is wrong, with a valid example.
    """
    try:
        config = json.loads(raw)
    except ValueError as exc:
        raise _refuse(raw, f"it is not JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not config["cluster"]:
        raise _refuse(raw, "it needs a non-empty \"cluster\" object")
    for job, addresses in config["cluster"].items():
        if not isinstance(addresses, list) or not addresses:
            raise _refuse(raw, f"the {job!r} list must be a list of \"host:port\" texts, not {type(addresses).__name__}")
        for address in addresses:
            _address(raw, job, address)
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") not in config["cluster"]:
        jobs = ", ".join(repr(j) for j in config["cluster"])
        raise _refuse(raw, f"\"task\" must name one of the jobs ({jobs}) as its \"type\", not "
                           f"{task.get('type') if isinstance(task, dict) else task!r}")
    index, size = task.get("index"), len(config["cluster"][task["type"]])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise _refuse(raw, f"the task's index {index!r} must be a whole number from 0 to {size - 1}")
    return config


def own_address(config):
    """``(host, port)`` of this task in a checked ``TF_CONFIG`` dict."""
    task = config["task"]
    return _address(json.dumps(config), task["type"], config["cluster"][task["type"]][task["index"]])


def check_port_free(port, where):
    """Raise :class:`~helpers.errors.PortInUseError` when another process listens on ``port``.

    Args:
        port: The port this worker's server is about to listen on (all interfaces, as TensorFlow does).
        where: Where the port was configured, for the message (``"TF_CONFIG"``).
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free for gRPC too
        probe.bind(("", port))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return
        raise PortInUseError(f"port {port} (from {where}) is already in use on this machine, so this worker cannot "
                             f"listen there. Nothing was trained. Fix: stop what uses it (`ss -ltnp 'sport = :{port}'` "
                             f"shows it: often a trainer from an earlier run), or give the workers other ports "
                             f"in {where}.") from None
    finally:
        probe.close()
