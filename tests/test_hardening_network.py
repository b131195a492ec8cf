"""Issue 17, downloads: no hang beyond the deadline, no endless body on disk, retries only what can recover,
no temporary file left for ever by a killed download.  Against the loopback mirror and the replaceable
transport seam (helpers.data.transport), with sub-second timeouts."""

import dataclasses
import faulthandler
import hashlib
import os
import re
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from helpers.data import fetch as dl
from helpers.data import transport
from helpers.errors import DownloadError
from helpers.data.registry import RemoteFile

ROOT = Path(__file__).resolve().parent.parent
BODY = b"synthetic payload " * 4096  # 73,728 bytes


def remote(name, body=BODY, size=True, urls=()):
    return RemoteFile(name, hashlib.sha256(body).hexdigest(), tuple(urls), len(body) if size else None)


def parts(folder):
    return sorted(p.name for p in Path(folder).rglob("*.part"))


@pytest.fixture
def watchdog():
    """A hang kills the run with a traceback instead of blocking CI."""
    faulthandler.dump_traceback_later(60, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def test_trickling_server_stops_at_the_files_deadline_and_shows_progress(mirror, env, tmp_path, capfd, watchdog):
    body = bytes(range(256)) * 8  # 2,048 bytes at one byte per 20 ms: 41 s if nothing stops it
    r = remote("trickle.bin", body)
    mirror.add(r.filename, body, mode="trickle")
    env.setenv("WORKSHOP_TIMEOUT", "0.3")  # every byte arrives well within the per-read timeout
    deadline = transport.deadline_for(len(body), 0.3)
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        dl.fetch_file(r)
    elapsed = time.monotonic() - start
    assert elapsed < deadline + 0.3 + 1.0, f"ran {elapsed:.1f} s, deadline {deadline:.2f} s"
    received = re.search(r"too slow: ([\d,]+) of 2,048 bytes after [\d.]+ s, past this file's deadline", str(info.value))
    assert received and 0 < int(received.group(1).replace(",", "")) < len(body), str(info.value)
    assert mirror.hits[r.filename] == 1  # a trickle is not retried on the same mirror
    assert re.search(r"trickle\.bin:\s+\d+%", capfd.readouterr().err)  # the progress bar was shown
    assert parts(tmp_path) == [] and not (tmp_path / "cache" / r.filename).exists()


def test_endless_body_from_the_mirror_is_cut_at_the_registered_size(mirror, tmp_path, watchdog):
    r = remote("endless.bin")
    mirror.add(r.filename, BODY, mode="endless")  # zeros, no Content-Length, for ever
    with pytest.raises(DownloadError, match="sent more than the 73,728 bytes the file can have"):
        dl.fetch_file(r)
    assert parts(tmp_path) == [] and not (tmp_path / "cache" / r.filename).exists()


class FakeResponse:
    """A transport response for tests: a fixed ``length`` and a body made by ``make(n)``."""

    def __init__(self, length, make, watch=None):
        self.length, self.make, self.watch = length, make, watch
        self.bytes_read, self.largest_temp = 0, 0

    def read(self, n):
        if self.watch is not None:  # what is on disk while the body keeps coming
            sizes = [p.stat().st_size for p in Path(self.watch).rglob("*.part")]
            self.largest_temp = max([self.largest_temp, *sizes])
        block = self.make(n)
        self.bytes_read += len(block)
        return block

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_endless_body_through_the_transport_seam_never_puts_more_than_the_size_on_disk(env, tmp_path):
    r = remote("e.bin", urls=["http://mirror.invalid/e.bin"])
    seen = []

    def endless(url, timeout):
        seen.append(FakeResponse(None, bytes, watch=tmp_path / "dest"))
        return seen[-1]

    with pytest.raises(DownloadError, match="more than the 73,728 bytes"):
        dl.download(r, tmp_path / "dest", transport=endless)
    assert len(seen) == 1  # not retried: the same server would send the same endless body
    assert seen[0].bytes_read <= r.size + transport.CHUNK and seen[0].largest_temp <= r.size
    assert parts(tmp_path) == [] and not (tmp_path / "dest" / "e.bin").exists()


def test_disagreeing_content_length_is_refused_before_anything_is_written(mirror, env, tmp_path):
    r = remote("lie.bin", urls=["http://mirror.invalid/lie.bin"])
    env.delenv("WORKSHOP_MIRROR")

    def lying(url, timeout):
        return FakeResponse(300_000_000, lambda n: pytest.fail("the body was read"))

    with pytest.raises(DownloadError, match="announces 300,000,000 bytes .* the file has 73,728; nothing was written"):
        dl.download(r, tmp_path / "dest", transport=lying)
    env.setenv("WORKSHOP_MIRROR", mirror.url)
    mirror.add(r.filename, BODY, mode="lie")  # the same through urllib and a real socket
    with pytest.raises(DownloadError, match="announces 300,000,000 bytes"):
        dl.fetch_file(dataclasses.replace(r, urls=()))
    assert parts(tmp_path) == []


@pytest.mark.parametrize("error, retried", [
    (urllib.error.HTTPError("u", 404, "Not Found", {}, None), False),
    (urllib.error.HTTPError("u", 403, "Forbidden", {}, None), False),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), False),
    (urllib.error.HTTPError("u", 503, "Service Unavailable", {}, None), True),
    (urllib.error.URLError(TimeoutError("timed out")), True),
    (ConnectionResetError(104, "Connection reset by peer"), True),
], ids=["404", "403", "refused", "503", "timeout", "reset"])
def test_only_failures_that_can_recover_are_retried(env, tmp_path, error, retried):
    env.setenv("WORKSHOP_RETRIES", "2")
    r = remote("r.bin", urls=["http://one.invalid/r.bin", "http://two.invalid/r.bin"])
    calls = []

    def failing(url, timeout):
        calls.append(url)
        raise error

    with pytest.raises(DownloadError) as info:
        dl.download(r, tmp_path / "dest", transport=failing)
    per_url = 2 if retried else 1
    assert calls == ["http://one.invalid/r.bin"] * per_url + ["http://two.invalid/r.bin"] * per_url
    assert str(info.value).count("(attempt") == 2 * per_url


def test_a_503_then_success_is_retried_and_a_404_is_asked_once(mirror):
    ok, gone = remote("flaky503.bin"), remote("gone404.bin")
    mirror.add(ok.filename, BODY, mode="flaky500")
    assert dl.fetch_file(ok).read_bytes() == BODY and mirror.hits[ok.filename] == 2
    mirror.add(gone.filename, BODY, mode="404")
    with pytest.raises(DownloadError, match="404"):
        dl.fetch_file(gone)
    assert mirror.hits[gone.filename] == 1


def test_part_file_of_a_killed_download_is_removed_by_the_next_attempt(mirror, tmp_path, watchdog):
    r = remote("killed.bin")
    mirror.add(r.filename, BODY, mode="partial")  # half the body, then silence: the download waits
    dest = tmp_path / "dest"
    code = ("import sys; from helpers.data import fetch as dl; from helpers.data.registry import RemoteFile; "
            "dl.download(RemoteFile('killed.bin', sys.argv[1], (), int(sys.argv[2])), sys.argv[3])")
    proc = subprocess.Popen([sys.executable, "-c", code, r.sha256, str(r.size), str(dest)], cwd=ROOT,
                            env={**os.environ, "WORKSHOP_TIMEOUT": "30"})
    try:
        for _ in range(300):
            found = list(dest.glob(".killed.bin.*.part"))
            if found:
                break
            time.sleep(0.05)
    finally:
        proc.kill()  # SIGKILL: no chance to clean up
        proc.wait(timeout=30)
    assert len(found) == 1, "the killed download should have left its temporary file"
    assert found[0].exists()
    mirror.mode[r.filename] = "ok"
    assert dl.fetch_file(r, dest=dest).read_bytes() == BODY
    assert parts(dest) == []


def test_temporary_file_of_a_download_in_progress_is_kept(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    target = tmp_path / "x.bin"
    live, stale = tmp_path / ".x.bin.abcdefgh.part", tmp_path / ".x.bin.12345678.part"
    other = tmp_path / ".y.bin.12345678.part"  # another target's file is not touched either
    for path in (live, stale, other):
        path.write_bytes(b"partial")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a living download holds (transport.hold)
        assert transport.clean_stale(target) == [stale]
    finally:
        os.close(fd)
    assert live.exists() and other.exists() and not stale.exists()


# Issue 23 §2: the deadline covers the whole request, headers included; a FIFO in the cache hangs nothing.

def test_a_mirror_that_sends_its_headers_slowly_stops_at_the_deadline(mirror, env, tmp_path, watchdog):
    r = remote("slowheaders.bin")
    mirror.add(r.filename, BODY, mode="slowheaders")  # a byte every 50 ms: no single read ever times out
    env.setenv("WORKSHOP_TIMEOUT", "0.3")
    env.setenv("WORKSHOP_RETRIES", "1")
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"headers") as info:
        dl.fetch_file(r)
    elapsed = time.monotonic() - start
    deadline = transport.deadline_for(len(BODY), 0.3)
    assert elapsed < deadline + 1.5, f"ran {elapsed:.1f} s; the headers alone take 20 s"
    assert "deadline" in str(info.value) and parts(tmp_path) == []


def test_a_fifo_under_a_downloads_temporary_name_does_not_hang_the_download(mirror, tmp_path):
    r = remote("fifo.bin")
    mirror.add(r.filename, BODY)
    dest = tmp_path / "shared-cache"
    dest.mkdir()
    planted = dest / ".fifo.bin.abcdefgh.part"  # the name pattern of the kit's temporary files
    os.mkfifo(planted)
    code = ("import sys; from helpers.data import fetch as dl; from helpers.data.registry import RemoteFile; "
            "print(dl.download(RemoteFile('fifo.bin', sys.argv[1], (), int(sys.argv[2])), sys.argv[3]))")
    try:
        proc = subprocess.run([sys.executable, "-c", code, r.sha256, str(r.size), str(dest)], cwd=ROOT,
                              env={**os.environ, "WORKSHOP_MIRROR": mirror.url, "WORKSHOP_TIMEOUT": "5"},
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the download hung on the planted FIFO")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (dest / "fifo.bin").read_bytes() == BODY


def test_doctor_says_why_a_fifo_data_file_cannot_be_used(env, tmp_path):
    from helpers.tools import doctor

    data = tmp_path / "data"
    data.mkdir()
    os.mkfifo(data / "abalone.data")
    env.setenv("WORKSHOP_DATA_DIR", str(data))
    env.setenv("WORKSHOP_OFFLINE", "1")
    lines = []
    doctor._data_sets(True, True, True, tmp_path / "cache", False, lines.append, [])
    (line,) = [l for l in lines if "abalone.data" in l]
    assert "not a regular file" in line and "FIFO" in line and str(data / "abalone.data") in line, line
