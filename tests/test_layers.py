"""The helpers package is a house with floors: a module imports only modules on lower floors.

Every module of ``helpers/`` must appear in :data:`FLOORS`; a new module gets a floor here on purpose.
Imports inside functions count too (a lazy import is still a dependency), so there can be no circle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"

#: floor number per module; ``questions.*`` / ``tools.*`` stand for every module of that subpackage.
FLOORS = {
    "errors": 0, "run": 0, "data": 0, "checks": 0,  # the wings' __init__ files import nothing
    "config": 1, "files": 1, "cluster": 1, "blanks": 1, "data.registry": 1, "data.verify": 1,
    "paths": 2, "run.params": 2, "data.transport": 2, "data.images": 1, "run.threads": 2,
    "run.state": 3,
    "data.fetch": 4, "run.device": 4,
    "data.loaders": 5, "run.summary": 5, "plotting": 5, "checks.feedback": 5, "distribute": 5, "checks.catch_up": 5,
    "checks.question": 6,
    "checks.model_facts": 7, "run.kernel": 7, "checks.kinds": 7,
    "questions": 8, "questions.*": 8,
    "run.setup": 9, "tools.slide_assets": 9,
    "tools": 10, "tools.*": 10,
    "tools.doctor": 11,  # it reports the workspace (tools.workspace)
    "__main__": 12,
}
#: ``helpers/__init__.py`` only re-exports lazily (by name, in a dict), so it imports nothing itself; importing
#: it from inside the package (``import helpers``) reaches every floor, so it counts as above all of them.
EXEMPT = {"__init__"}
FLOORS["__init__"] = max(FLOORS.values()) + 1


def module_name(path):
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def floor(name):
    if name in FLOORS:
        return FLOORS[name]
    head = name.split(".")[0]
    return FLOORS.get(f"{head}.*")


def imports_of(path):
    """Names of the helpers modules that ``path`` imports (relative or absolute, anywhere in the file)."""
    name = module_name(path)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "helpers":
                target = node.module.split(".")[1:]
            else:
                continue
            dotted = ".".join(target)
            for alias in node.names:  # `from . import context` imports the module helpers.run.state
                sub = f"{dotted}.{alias.name}" if dotted else alias.name
                found.add(sub if (PACKAGE / Path(*sub.split("."))).with_suffix(".py").exists()
                          or (PACKAGE / Path(*sub.split("."))).is_dir() else dotted)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "helpers":
                    found.add("__init__")  # the lazy front door reaches every floor: counts as the top
                elif alias.name.split(".")[0] == "helpers":
                    found.add(".".join(alias.name.split(".")[1:]))
    found.discard("")
    found.discard(name)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_has_a_floor_and_imports_only_lower_floors(path):
    name = module_name(path)
    if name in EXEMPT:
        assert imports_of(path) == set(), "helpers/__init__.py must stay free of imports (lazy re-exports only)"
        return
    own = floor(name)
    assert own is not None, f"helpers.{name} has no floor: add it to FLOORS in {Path(__file__).name}"
    for target in sorted(imports_of(path)):
        other = floor(target)
        assert other is not None, f"helpers.{name} imports helpers.{target}, which has no floor"
        assert other < own, (f"helpers.{name} (floor {own}) imports helpers.{target} (floor {other}): "
                             f"a lower or equal floor may not import a higher one")


def test_the_checker_itself_sees_a_violation(tmp_path):
    """The import reader finds lazy, relative and absolute imports (else the test above proves nothing)."""
    found = imports_of(PACKAGE / "run" / "state.py")
    assert "run.params" in found
    setup = imports_of(PACKAGE / "run" / "setup.py")
    assert {"run.state", "run.device", "run.params"} <= setup
    assert "data.fetch" in imports_of(PACKAGE / "data" / "loaders.py")
    assert "errors" in imports_of(PACKAGE / "data" / "loaders.py")


def test_no_module_imports_tensorflow_at_module_level_except_the_device_door():
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only; inside functions is lazy and fine
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("tensorflow", "keras") for n in names), \
                f"{path.name} imports TensorFlow/Keras at import time"
