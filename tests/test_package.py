"""Package-wide rules: typed errors, env read per call, cheap import, docstrings, module size."""

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import helpers
from helpers import config, errors
ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p for p in (ROOT / "helpers").rglob("*.py") if p.name != "__init__.py")

BUILTINS = {
    "ConfigError": ValueError, "UnknownDatasetError": LookupError, "DataNotFoundError": FileNotFoundError,
    "DownloadError": ConnectionError, "ChecksumError": ValueError, "CorruptDataError": ValueError,
    "CacheNotWritableError": PermissionError, "DataNotReadableError": PermissionError,
    "BlankNotFilledError": NotImplementedError,
    "CheckFailedError": AssertionError, "NotebookSourceError": ValueError,
    "OutputNotWritableError": PermissionError, "MetricTypeError": TypeError,
    "DeviceConfigError": RuntimeError, "WorkerFailedError": RuntimeError, "TrainerNotFoundError": FileNotFoundError,
    "WorkspaceError": OSError, "RunDirBusyError": BlockingIOError, "PortInUseError": OSError,
}


@pytest.mark.parametrize("name, builtin", BUILTINS.items())
def test_errors_derive_from_workshop_error_and_a_builtin(name, builtin):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.WorkshopError) and issubclass(cls, builtin)
    assert getattr(helpers, name) is cls
    assert set(errors.__all__) == set(BUILTINS) | {"WorkshopError"}


def test_import_helpers_is_cheap():
    code = ("import helpers, sys; print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'sklearn', "
            "'matplotlib', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_config_reads_environment_on_every_call(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_CACHE_DIR", str(tmp_path / "a"))
    assert config.cache_dir() == tmp_path / "a"
    monkeypatch.setenv("WORKSHOP_CACHE_DIR", str(tmp_path / "b"))
    assert config.cache_dir() == tmp_path / "b"
    monkeypatch.delenv("WORKSHOP_CACHE_DIR")
    assert "keras-workshop" in str(config.cache_dir())
    monkeypatch.setenv("WORKSHOP_OFFLINE", "yes")
    assert config.offline() is True
    monkeypatch.setenv("WORKSHOP_OFFLINE", "0")
    assert config.offline() is False


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_are_small_documented_and_export_all(path):
    source = path.read_text()
    assert len(source.splitlines()) <= 300, "split the module: keep each concern under ~300 lines"
    tree = ast.parse(source)
    assert ast.get_docstring(tree), "module docstring"
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), "__all__"
    for export in module.__all__:
        obj = getattr(module, export)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name}.{export} needs a docstring"
    assert "assert " not in "\n".join(l for l in source.splitlines() if not l.strip().startswith("#")), \
        "validation must raise typed errors, not assert"


def test_no_bare_exception_raised_anywhere():
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                assert getattr(target, "id", None) != "Exception", f"bare Exception raised in {path.name}"
