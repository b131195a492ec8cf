"""Offline-first lookup and safe downloads (helpers.data.fetch), against a loopback mirror."""

import dataclasses
import gzip
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.data import fetch as dl
from helpers.errors import (CacheNotWritableError, ChecksumError, ConfigError, DataNotFoundError, DownloadError,
                            UnknownDatasetError, WorkshopError)
from helpers.data.registry import DATASETS, RemoteFile, get_dataset

ROOT = Path(__file__).resolve().parent.parent
BODY = b"synthetic payload " * 4096


def remote(name="file.bin", body=BODY):
    return RemoteFile(name, hashlib.sha256(body).hexdigest(), ())


def snapshot(folder):
    """Every entry under ``folder``, subfolders included: relative path -> (kind, mode, mtime, SHA-256 of a file)."""
    folder = Path(folder)
    state = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
        state[path.relative_to(folder).as_posix()] = ("dir" if path.is_dir() else "file", info.st_mode,
                                                        info.st_mtime_ns, digest)
    return state


def test_snapshot_sees_changes_inside_subfolders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.bin").write_bytes(b"one")
    before = snapshot(tmp_path)
    assert "sub/a.bin" in before and before["sub"][0] == "dir"
    (tmp_path / "sub" / "a.bin").write_bytes(b"two")
    assert snapshot(tmp_path) != before
    (tmp_path / "sub" / "new.part").write_bytes(b"")
    assert "sub/new.part" in snapshot(tmp_path)


def leftovers(folder):
    return [p.name for p in Path(folder).glob("*") if p.name.startswith(".") or p.suffix == ".part"]


def test_search_order_argument_then_data_dir_then_cache(env, tmp_path):
    r = remote()
    arg, data, cache = (tmp_path / n for n in ("arg", "data", "cache"))
    for d in (arg, data, cache):
        d.mkdir(exist_ok=True)
        (d / r.filename).write_bytes(BODY)
    env.setenv("WORKSHOP_DATA_DIR", str(data))
    assert dl.fetch_file(r, arg) == arg / r.filename
    assert dl.fetch_file(r) == data / r.filename
    env.delenv("WORKSHOP_DATA_DIR")  # re-read on every call
    assert dl.fetch_file(r) == cache / r.filename
    env.setenv("WORKSHOP_CACHE_DIR", str(tmp_path / "other"))
    env.setenv("WORKSHOP_OFFLINE", "1")
    with pytest.raises(DataNotFoundError):
        dl.fetch_file(r)


def test_offline_without_data_names_dataset_file_places_and_fix(env, tmp_path):
    env.setenv("WORKSHOP_OFFLINE", "1")
    env.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataNotFoundError) as info:
        dl.fetch("abalone", tmp_path / "arg")
    err, msg = info.value, str(info.value)
    assert isinstance(err, FileNotFoundError) and isinstance(err, WorkshopError)
    for text in ("abalone", "abalone.data", str(tmp_path / "arg"), str(tmp_path / "data"),
                 str(tmp_path / "cache"), "python -m helpers prefetch abalone", "WORKSHOP_DATA_DIR"):
        assert text in msg


def test_download_verifies_and_places_file_atomically(mirror, tmp_path):
    r = remote()
    mirror.add(r.filename, BODY)
    path = dl.fetch_file(r)
    assert path == tmp_path / "cache" / r.filename and path.read_bytes() == BODY
    assert leftovers(path.parent) == []
    assert dl.fetch_file(r) == path and mirror.hits[r.filename] == 1  # cached: no second request


def test_every_mirror_failing_gives_download_error_with_urls_and_fix(mirror, tmp_path):
    r = RemoteFile("gone.bin", "0" * 64, ("http://127.0.0.1:9/gone.bin",))
    with pytest.raises(DownloadError) as info:
        dl.fetch_file(r)
    msg = str(info.value)
    assert isinstance(info.value, ConnectionError)
    assert f"{mirror.url}/gone.bin" in msg and "127.0.0.1:9/gone.bin" in msg
    assert "prefetch" in msg and "WORKSHOP_DATA_DIR" in msg
    assert not (tmp_path / "cache" / "gone.bin").exists() and leftovers(tmp_path / "cache") == []


def test_stalled_server_times_out_instead_of_hanging(mirror, env, tmp_path):
    import faulthandler

    r = remote("stall.bin")
    mirror.add(r.filename, BODY, mode="stall")
    env.setenv("WORKSHOP_TIMEOUT", "0.5")
    env.setenv("WORKSHOP_RETRIES", "1")
    faulthandler.dump_traceback_later(60, exit=True)  # safety net: a hang kills the run instead of blocking CI
    try:
        with pytest.raises(DownloadError, match="(?i)timed out"):
            dl.fetch_file(r)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert leftovers(tmp_path / "cache") == []


def test_retry_after_interrupted_transfer_succeeds(mirror):
    r = remote("flaky.bin")
    mirror.add(r.filename, BODY, mode="flaky")
    assert dl.fetch_file(r).read_bytes() == BODY
    assert mirror.hits[r.filename] == 2


def test_interrupted_download_leaves_no_partial_file(mirror, tmp_path):
    r = remote("cut.bin")
    mirror.add(r.filename, BODY, mode="truncate")
    with pytest.raises(DownloadError, match="closed after"):
        dl.fetch_file(r)
    cache = tmp_path / "cache"
    assert not (cache / r.filename).exists() and leftovers(cache) == []


def test_corrupt_cached_file_is_downloaded_again(mirror, tmp_path):
    r = remote()
    mirror.add(r.filename, BODY)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / r.filename).write_bytes(b"garbage")
    assert dl.fetch_file(r).read_bytes() == BODY
    assert mirror.hits[r.filename] == 1


def test_wrong_checksum_in_data_dir_raises_and_leaves_file_untouched(env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    r = remote()
    (data / r.filename).write_bytes(b"tampered")
    before = snapshot(data)
    env.setenv("WORKSHOP_DATA_DIR", str(data))
    with pytest.raises(ChecksumError) as info:
        dl.fetch_file(r)
    assert isinstance(info.value, ValueError)
    assert str(data / r.filename) in str(info.value) and "untouched" in str(info.value)
    assert snapshot(data) == before


def test_truncated_gzip_from_mirror_is_rejected(mirror, shared_data, tmp_path):
    """Refused by its announced size before anything is written; without a registered size, by the checksum."""
    images = get_dataset("mnist-quick").files[0]
    good = (shared_data / images.filename).read_bytes()
    mirror.add(images.filename, good[: len(good) // 3])
    with pytest.raises(DownloadError, match="announces 549,625 bytes"):
        dl.fetch_file(images)
    with pytest.raises(DownloadError, match=f"SHA-256 [0-9a-f]{{64}}, expected {images.sha256}"):
        dl.fetch_file(dataclasses.replace(images, size=None))
    assert not (tmp_path / "cache" / images.filename).exists() and leftovers(tmp_path / "cache") == []


def test_two_processes_prefetching_the_same_file_both_succeed(mirror, shared_data, tmp_path):
    abalone = get_dataset("abalone").files[0]
    mirror.add(abalone.filename, (shared_data / abalone.filename).read_bytes(), mode="slow")
    dest = tmp_path / "dest"
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "helpers", "prefetch", "abalone", "--dest", str(dest)]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert dl.sha256sum(dest / abalone.filename) == abalone.sha256
    assert leftovers(dest) == []
    assert mirror.hits[abalone.filename] == 2  # they really overlapped: neither found the other's file


def test_unwritable_cache_gives_typed_error_but_data_dir_still_works(env, shared_data, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file where the cache folder should be")
    env.setenv("WORKSHOP_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(CacheNotWritableError) as info:
        dl.fetch("abalone")
    assert isinstance(info.value, PermissionError) and "WORKSHOP_CACHE_DIR" in str(info.value)
    env.setenv("WORKSHOP_DATA_DIR", str(shared_data))
    before = snapshot(shared_data)
    assert dl.fetch("abalone") == [shared_data / "abalone.data"]
    assert snapshot(shared_data) == before


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(UnknownDatasetError) as info:
        dl.fetch("cifar")
    assert isinstance(info.value, LookupError)
    for name in DATASETS:
        assert name in str(info.value)


@pytest.mark.parametrize("var, value", [("WORKSHOP_TIMEOUT", "abc"), ("WORKSHOP_RETRIES", "-1"),
                                        ("WORKSHOP_OFFLINE", "maybe")])
def test_bad_environment_values_raise_config_error(env, var, value):
    env.setenv(var, value)
    env.setenv("WORKSHOP_DATA_DIR", "/nonexistent")
    with pytest.raises(ConfigError) as info:
        dl.fetch_file(remote())
    assert isinstance(info.value, ValueError) and var in str(info.value)


def test_progress_bar_is_printed(mirror, capfd):
    r = remote("bar.bin")
    mirror.add(r.filename, BODY)
    dl.fetch_file(r)
    assert "bar.bin" in capfd.readouterr().err


def _sums(path):
    return {name.lstrip("*"): digest for digest, name in (line.split() for line in path.read_text().splitlines() if line)}


def test_registry_checksums_are_one_sha256sums_file_that_matches_the_shared_folders(shared_data):
    """helpers/data/SHA256SUMS and the shared folder's SHA256SUMS files agree line by line, and every line is used."""
    from helpers.data import registry
    ours = _sums(registry.SUMS_FILE)
    theirs = {**_sums(shared_data / "SHA256SUMS"),
              **{f"fashion-mnist/{k}": v for k, v in _sums(shared_data / "fashion-mnist" / "SHA256SUMS.uncompressed").items()}}
    for name in ("abalone.data", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                 "fashion-mnist/train-images-idx3-ubyte", "fashion-mnist/t10k-labels-idx1-ubyte"):
        assert ours[name] == theirs[name], name
    assert set(ours) - set(theirs) == {"mnist.npz"}  # the one file not on these machines...
    readme = (shared_data / "README.md").read_text()  # ...whose published SHA-256 its README quotes
    assert f"mnist.npz` (SHA-256 {ours['mnist.npz']})" in readme
    files = [f for ds in DATASETS.values() for f in ds.files]
    assert sorted(f.sums_name for f in files) == sorted(ours)
    assert all(f.sha256 == ours[f.sums_name] and f.size and url.startswith("https://") for f in files for url in f.urls)
    assert (shared_data / "abalone.data").stat().st_size == get_dataset("abalone").files[0].size
