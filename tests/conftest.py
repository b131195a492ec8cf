"""Fixtures for the helpers tests: no outside network, isolated env, loopback mirror, real data."""

import os
import socket
from pathlib import Path

import pytest

from mirror import Mirror, is_loopback

ROOT = Path(__file__).resolve().parent.parent
_ORIGINAL_DATA_DIR = os.environ.get("WORKSHOP_DATA_DIR")
_ENV = ("WORKSHOP_DATA_DIR", "WORKSHOP_CACHE_DIR", "WORKSHOP_OFFLINE", "WORKSHOP_MIRROR",
        "WORKSHOP_TIMEOUT", "WORKSHOP_RETRIES", "WORKSHOP_FIGURES_DIR")


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Sockets may only connect to loopback addresses."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
            raise OSError(f"network blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def fresh_context():
    """Each test starts and ends with no notebook name, no fixed mode and no current run."""
    from helpers.run import state
    state.reset()
    yield
    state.reset()


@pytest.fixture(scope="module")
def keras():
    """Keras with TensorFlow imported quietly (``helpers.run.device``), seeded once per test module."""
    from helpers.run.device import import_tensorflow

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    return keras


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean WORKSHOP_* environment with an empty cache under tmp_path."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKSHOP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKSHOP_TIMEOUT", "5")
    monkeypatch.setenv("WORKSHOP_RETRIES", "2")
    return monkeypatch


@pytest.fixture
def shared_data():
    """The real offline data (../shared/data or WORKSHOP_DATA_DIR); CI always has it."""
    path = Path(_ORIGINAL_DATA_DIR) if _ORIGINAL_DATA_DIR else ROOT.parent / "shared" / "data"
    if not (path / "SHA256SUMS").is_file():
        pytest.fail(f"offline test data not found at {path}: set WORKSHOP_DATA_DIR to the shared data folder")
    return path


@pytest.fixture
def mirror(env):
    server = Mirror()
    env.setenv("WORKSHOP_MIRROR", server.url)
    yield server
    server.close()
