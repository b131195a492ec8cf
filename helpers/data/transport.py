"""Getting a file's bytes from a URL: the transport, and the guarded copy into a temporary file.

A *transport* is any callable ``transport(url, timeout)`` returning a context manager with

* ``length``: the announced size (``Content-Length``) or None, and
* ``read(n)``: up to ``n`` bytes, returning as soon as some arrive (``b""`` at the end).

:func:`urllib_transport` is the default; it gives the status line and headers a deadline of their own
(``2 × timeout`` from the request's start, the shortest deadline any file has), enforced on the socket
whatever pace the bytes come at, so a server that drips its headers cannot hold a run for ever; tests pass their own (endless, lying or failing bodies) to
:func:`helpers.data.fetch.download`.  :func:`copy_stream` does the copying with the guarantees the kit
promises: it stops at the file's deadline (so a trickling server cannot hold a run for ever), it never
writes a byte past the registered size (so an endless body cannot fill the disk), it refuses a
``Content-Length`` that disagrees with the registry before writing anything, and it shows progress.
:func:`transient` says which failures are worth another attempt at the same URL.  A download
locks its temporary file while it lives (:func:`hold`), so :func:`clean_stale` can remove the ones
that killed downloads left behind without touching those in progress.
"""

import http.client
import os
import re
import socket
import stat
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..files import TEMP_SUFFIX

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, no stale-file cleaning
    fcntl = None

__all__ = ["CHUNK", "MIN_RATE", "TransferError", "urllib_transport", "deadline_for", "copy_stream", "transient",
           "hold", "clean_stale"]

CHUNK = 1 << 16
#: Bytes per second below which a transfer counts as trickling (16 KiB/s = 128 kbit/s).
MIN_RATE = 16 * 1024


class TransferError(OSError):
    """One transfer failed; ``transient`` says whether the same URL may work on another attempt.

    Internal: :func:`helpers.data.fetch.download` collects these into one ``DownloadError``.
    """

    def __init__(self, message, transient=False):
        super().__init__(message)
        self.transient = transient


class _UrllibResponse:
    """Adapts an ``urlopen`` response to the transport protocol."""

    def __init__(self, response):
        self._response = response
        announced = response.headers.get("Content-Length")
        self.length = int(announced) if announced and announced.strip().isdigit() else None
        self._read = getattr(response, "read1", response.read)

    def read(self, n):
        return self._read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._response.close()


class _Watchdog:
    """Shuts a request's sockets down at an absolute time, however slowly the bytes trickle in."""

    def __init__(self, seconds):
        self.seconds, self.at, self.expired = seconds, time.monotonic() + seconds, False
        self._timer = None

    def connect(self, *args, **kwargs):
        """``socket.create_connection`` that arms the watchdog on the new socket (redirects included)."""
        sock = socket.create_connection(*args, **kwargs)
        self.cancel()
        self._timer = threading.Timer(max(0.0, self.at - time.monotonic()), self._fire, (sock,))
        self._timer.daemon = True
        self._timer.start()
        return sock

    def _fire(self, sock):
        self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)  # a blocked recv returns at once
        except OSError:
            pass

    def cancel(self):
        if self._timer is not None:
            self._timer.cancel()


def _opener(watchdog):
    """A urllib opener whose HTTP(S) connections are watched by ``watchdog``."""
    def watched(base):
        class Connection(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._create_connection = watchdog.connect
        return Connection

    http_conn, https_conn = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_conn, req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_conn, req, context=self._context)

    return urllib.request.build_opener(HTTP, HTTPS)


def urllib_transport(url, timeout):
    """Open ``url`` with :mod:`urllib` (HTTP(S), ``file:``), each socket operation waiting at most ``timeout`` s.

    The answer's status line and headers must all arrive within ``2 × timeout`` of the call (the
    body then runs under :func:`copy_stream`'s deadline, counted from the same start).

    Raises:
        urllib.error.URLError: refused, unknown host, timeout; ``HTTPError`` for 4xx/5xx answers.
        TransferError: the headers did not arrive within their deadline (not transient).
    """
    request = urllib.request.Request(url, headers={"User-Agent": "keras-workshop-helpers"})
    watchdog = _Watchdog(deadline_for(0, timeout))
    try:
        return _UrllibResponse(_opener(watchdog).open(request, timeout=timeout))
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.expired:
            raise TransferError(f"no complete answer (status line and headers) within {watchdog.seconds:.1f} s, "
                                f"past this request's deadline (2 x WORKSHOP_TIMEOUT): the server is too slow") from exc
        raise
    finally:
        watchdog.cancel()


def deadline_for(size, timeout):
    """Seconds one transfer of ``size`` bytes may take: ``2 × timeout + size ÷ MIN_RATE``."""
    return 2 * timeout + (size or 0) / MIN_RATE


def _check_announced(length, expected, limit):
    if length is None:
        return
    if expected is not None and length != expected:
        raise TransferError(f"the server announces {length:,} bytes (Content-Length) but the file has {expected:,}; "
                            f"nothing was written")
    if limit is not None and length > limit:
        raise TransferError(f"the server announces {length:,} bytes (Content-Length), more than the {limit:,} the "
                            f"file can have; nothing was written")


def copy_stream(response, out, *, label, deadline, expected=None, limit=None, started=None, clock=time.monotonic):
    """Copy ``response`` into the open file ``out`` under the kit's guarantees.

    Args:
        response: An open transport response (``length``, ``read(n)``).
        out: A binary file open for writing.
        label: Name shown on the progress bar.
        deadline: Seconds the whole transfer may take, counted from ``started``.
        expected: The exact size, when it is known (raw files); a disagreeing ``Content-Length`` is refused.
        limit: The most bytes accepted; reading stops, and nothing more is written, past it.
        started: ``clock()`` when the transfer began (default: now).
        clock: Monotonic clock (tests may pass a fake one).

    Returns:
        int: bytes written.

    Raises:
        TransferError: Content-Length refused, body too long, deadline passed (not transient), or
            the connection closed early (transient).
    """
    from tqdm import tqdm

    started = clock() if started is None else started
    _check_announced(response.length, expected, limit)
    total = response.length or expected
    received = 0
    with tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, mininterval=0.5,
              leave=False) as bar:
        while True:
            block = response.read(CHUNK)
            if not block:
                break
            if limit is not None and received + len(block) > limit:
                raise TransferError(f"the server sent more than the {limit:,} bytes the file can have; "
                                    f"stopped reading there")
            out.write(block)
            received += len(block)
            bar.update(len(block))
            elapsed = clock() - started
            if elapsed > deadline:
                of = f" of {total:,}" if total else ""
                raise TransferError(f"too slow: {received:,}{of} bytes after {elapsed:.1f} s, past this file's "
                                    f"deadline of {deadline:.1f} s")
    if response.length is not None and received != response.length:
        raise TransferError(f"connection closed after {received:,} of {response.length:,} bytes", transient=True)
    return received


def transient(exc):
    """True when another attempt at the same URL can succeed: timeouts, 5xx/408/429, resets, short bodies.

    Refused connections, unknown hosts, 404 and other 4xx answers, bodies of the wrong size and
    transfers past their deadline are not retried: the next mirror is tried instead.
    """
    if isinstance(exc, TransferError):
        return exc.transient
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    return isinstance(exc, (TimeoutError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                            http.client.IncompleteRead))


def hold(path):
    """Lock a temporary file for as long as this download lives (the lock dies with the process)."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def clean_stale(target):
    """Remove temporary files of ``target`` left by killed downloads; keep those a living process holds.

    A download holds an advisory lock on its temporary file until it has renamed it; the kernel drops
    the lock when the process dies (even by ``kill -9``), so an unlockable file is in use.

    Returns:
        list[Path]: the files removed.
    """
    if fcntl is None:
        return []
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}$")
    removed = []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.match(p.name)]
    except OSError:
        return removed
    for path in candidates:
        try:  # never block on a FIFO planted under such a name in a shared cache; only regular files count
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass  # locked: a download in progress (or not ours to remove)
        finally:
            os.close(fd)
    return removed
