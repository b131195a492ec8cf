"""Issue 17, a second user: the instructor (root here) pre-fetches into a shared folder and a learner
(``nobody``, through ``setpriv``) reads it; unreadable files and folders give typed errors naming the file,
the user and the fix; an unreadable cache file is downloaded again; ``doctor`` reports and goes on.
Issue 21: with a kit that is not theirs, a learner's workspace is in their own home.

These tests need root (to become another user) and ``setpriv``.  They also run from a private checkout
(a ``mktemp -d`` clone, as CI makes, which ``nobody`` cannot enter): the learner then gets a readable copy
of the kit and a hard-linked copy of the virtual environment (:func:`second_user`).  Where they cannot
run they skip, except on a machine like CI's: as root with ``setpriv``, or with ``CI``/``WORKSHOP_CI`` set,
:func:`test_second_user_tests_run_here` fails with the reason instead of a silent skip."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534
SETPRIV = shutil.which("setpriv")
CAN_SWITCH = os.name == "posix" and os.geteuid() == 0 and SETPRIV is not None
MUST_RUN = CAN_SWITCH or any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("CI", "WORKSHOP_CI"))
KIT_PARTS = ("helpers", "hpc", "solutions", "exercises", "notebooks", "pyproject.toml")
_SECOND = {}  # the python and kit folder the learner uses (set by second_user)

needs_switch = pytest.mark.skipif(not CAN_SWITCH, reason="acting as a second user needs root and setpriv (util-linux)")


def as_nobody(env, cwd, *python_args):
    """Run ``python <python_args>`` as user nobody (no supplementary groups)."""
    python = _SECOND.get("python", sys.executable)
    cmd = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", python, *python_args]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _probe(python, kit):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(PYTHONPATH=str(kit), HOME="/")
    cmd = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", str(python), "-c",
           "import helpers, numpy; print(helpers.__file__)"]
    try:
        proc = subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True, timeout=120)
    except OSError as exc:
        return str(exc)
    return None if proc.stdout.strip() == str(Path(kit) / "helpers" / "__init__.py") else (proc.stderr or proc.stdout)[-300:]


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@pytest.fixture(scope="module")
def second_user():
    """A python and a kit folder user nobody can use: the checkout itself, else readable copies in a temp folder."""
    if not CAN_SWITCH:
        pytest.skip("acting as a second user needs root and setpriv (util-linux)")
    if _probe(sys.executable, ROOT) is None:
        _SECOND.update(python=sys.executable, kit=ROOT)
        yield _SECOND
        _SECOND.clear()
        return
    tree = Path(tempfile.mkdtemp(prefix="workshop-second-user-"))
    tree.chmod(0o755)
    try:
        kit = tree / "kit"
        kit.mkdir()
        for part in KIT_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, kit / part, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.exists():
                shutil.copy2(source, kit / part)
        python = Path(sys.executable)
        if _probe(python, kit) is not None and sys.prefix != sys.base_prefix:  # the venv is private too
            venv = tree / "venv"
            shutil.copytree(sys.prefix, venv, symlinks=True, copy_function=_link_or_copy)
            python = venv / "bin" / python.name
        for path in [tree, *tree.rglob("*")]:  # whatever the umask was: readable, folders enterable
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
        problem = _probe(python, kit)
        if problem is not None:
            pytest.fail(f"user nobody cannot run the kit even from readable copies in {tree}: {problem}")
        _SECOND.update(python=str(python), kit=kit)
        yield _SECOND
    finally:
        _SECOND.clear()
        shutil.rmtree(tree, ignore_errors=True)


def test_second_user_tests_run_here():
    """On a machine like CI's the second-user tests must run: a missing precondition fails here, visibly."""
    if not MUST_RUN:
        pytest.skip("not root, no setpriv and not CI: the second-user tests skip here (see the module's docstring)")
    assert CAN_SWITCH, (f"the second-user tests cannot run: {'not root' if os.geteuid() != 0 else 'setpriv missing'}"
                        f". Fix: run the suite as root (CI does) with util-linux installed (`apt-get install "
                        f"util-linux`), or unset CI/WORKSHOP_CI to let them skip on a developer's machine.")


def test_the_second_user_runs_the_kit_from_a_readable_place(second_user):
    assert _probe(second_user["python"], second_user["kit"]) is None


@pytest.fixture
def place():
    """A folder every user may enter (pytest's own tmp folders are 0700), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="workshop-users-"))
    base.chmod(0o755)
    home = base / "home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def learner_env(place, second_user):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(PYTHONPATH=str(second_user["kit"]), HOME=str(place / "home"), MPLCONFIGDIR=str(place / "home" / "mpl"),
               WORKSHOP_CACHE_DIR=str(place / "home" / "cache"), USER="root", LOGNAME="root")  # $USER lies
    return env


@pytest.fixture
def server(shared_data):
    mirror = Mirror()
    for name in ("abalone.data", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        mirror.add(name, (shared_data / name).read_bytes())
    for path in sorted((shared_data / "fashion-mnist").glob("*.gz")):
        mirror.add(f"fashion-mnist/{path.name}", path.read_bytes())
    yield mirror
    mirror.close()


def instructor_prefetch(dest, mirror, cwd, umask=0o022, names=("mnist-quick", "abalone", "fashion-mnist")):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(PYTHONPATH=str(ROOT), WORKSHOP_MIRROR=mirror.url, WORKSHOP_CACHE_DIR=str(cwd / "root-cache"))
    proc = subprocess.run([sys.executable, "-m", "helpers", "prefetch", *names, "--dest", str(dest)], env=env,
                          cwd=cwd, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


LOAD_ALL = ("import helpers\n"
            "(a, b), (c, d) = helpers.load_mnist(quick=True)\n"
            "(e, f), (g, h) = helpers.load_images('fashion', quick=False)\n"
            "print('mnist', a.shape, c.shape, 'abalone', helpers.load_abalone().shape, 'fashion', e.shape, g.shape)\n")


@pytest.mark.slow
def test_readme_shared_folder_workflow_instructor_prefetches_learner_reads(place, learner_env, server):
    shared = place / "workshop-data"
    instructor_prefetch(shared, server, place)
    for path in [shared, *shared.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {mode:04o}"
    assert not list(shared.rglob("*.part"))
    learner_env.update(WORKSHOP_DATA_DIR=str(shared), WORKSHOP_OFFLINE="1")
    proc = as_nobody(learner_env, place, "-c", LOAD_ALL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("mnist (8000, 28, 28) (2000, 28, 28) abalone (4177, 9) fashion (60000, 28, 28) (10000, 28, 28)"
            in proc.stdout)
    doctor = as_nobody({**learner_env, "WORKSHOP_QUICK": "1"}, place, "-m", "helpers", "doctor", "--no-network")
    assert doctor.returncode == 0 and "READY: every notebook can run in quick mode" in doctor.stdout, doctor.stdout
    assert not (place / "home" / "cache").exists() or not any((place / "home" / "cache").rglob("*.gz"))


@needs_switch
def test_prefetched_files_follow_the_umask_like_any_new_file(place, server):
    shared = place / "private-data"
    instructor_prefetch(shared, server, place, umask=0o027, names=("abalone",))
    assert stat.S_IMODE((shared / "abalone.data").stat().st_mode) == 0o640
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750


@pytest.mark.parametrize("blocked, named", [("file", "abalone.data"), ("folder", ""), ("subfolder", "fashion-mnist")])
def test_unreadable_data_gives_a_typed_error_naming_file_user_and_fix(place, learner_env, shared_data, blocked, named):
    shared = place / "data"
    (shared / "fashion-mnist").mkdir(parents=True)
    for name in ("abalone.data", "fashion-mnist/t10k-labels-idx1-ubyte.gz", "fashion-mnist/t10k-images-idx3-ubyte.gz"):
        shutil.copy(shared_data / name, shared / name)
        (shared / name).chmod(0o644)
    for folder in (shared, shared / "fashion-mnist"):
        folder.chmod(0o755)
    blocked_path = {"file": shared / "abalone.data", "folder": shared, "subfolder": shared / "fashion-mnist"}[blocked]
    blocked_path.chmod(0o600 if blocked == "file" else 0o700)
    learner_env.update(WORKSHOP_DATA_DIR=str(shared), WORKSHOP_OFFLINE="1")
    load = "helpers.load_fashion_mnist(quick=True)" if blocked == "subfolder" else "helpers.load_abalone()"
    proc = as_nobody(learner_env, place, "-c", f"import helpers\ntry:\n    {load}\nexcept helpers.DataNotReadableError as e:\n"
                     f"    print('TYPED', isinstance(e, PermissionError), e)\n")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    out = proc.stdout
    assert out.startswith("TYPED True WORKSHOP_DATA_DIR: "), out
    assert "user nobody" in out and "owner root" in out and f"chmod -R a+rX {shared}" in out
    assert str(blocked_path) in out and named in out


def test_unreadable_cache_file_is_downloaded_again_online_and_a_typed_error_offline(place, learner_env, server,
                                                                                    shared_data):
    cache = place / "home" / "cache"
    cache.mkdir()
    os.chown(cache, NOBODY, NOBODY)
    stale = cache / "abalone.data"
    shutil.copy(shared_data / "abalone.data", stale)
    stale.chmod(0o600)  # e.g. written by an old version, as another user, with mode 0600
    learner_env.update(WORKSHOP_OFFLINE="1")
    code = "import helpers\ntry:\n    print('rows', len(helpers.load_abalone()))\nexcept helpers.WorkshopError as e:\n" \
           "    print(type(e).__name__, e)\n"
    offline = as_nobody(learner_env, place, "-c", code)
    assert offline.stdout.startswith(f"DataNotReadableError cache (WORKSHOP_CACHE_DIR): {stale} is not readable "
                                     f"by user nobody (owner root, mode 0600)"), offline.stdout + offline.stderr
    assert f"rm -f {stale}" in offline.stdout
    learner_env.update(WORKSHOP_OFFLINE="0", WORKSHOP_MIRROR=server.url)
    online = as_nobody(learner_env, place, "-c", code)
    assert online.stdout.strip() == "rows 4177", online.stdout + online.stderr
    assert server.hits["abalone.data"] == 1 and stale.stat().st_uid == NOBODY


@pytest.mark.slow
def test_doctor_reports_unreadable_data_on_its_line_and_goes_on(place, learner_env, shared_data):
    shared = place / "data"
    shared.mkdir()
    shared.chmod(0o755)
    for name in ("abalone.data", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(shared_data / name, shared / name)
        (shared / name).chmod(0o644)
    (shared / "abalone.data").chmod(0o600)
    learner_env.update(WORKSHOP_DATA_DIR=str(shared), WORKSHOP_OFFLINE="1", WORKSHOP_QUICK="1")
    proc = as_nobody(learner_env, place, "-m", "helpers", "doctor", "--no-network")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    out = proc.stdout
    assert "[ok]      mnist-quick   t10k-images-idx3-ubyte.gz" in out  # the report went on past the bad file
    assert "[PROBLEM] abalone       abalone.data" in out and "NOT READY" in out
    assert f"{shared / 'abalone.data'} is not readable by user nobody (owner root, mode 0600)" in out


def test_setup_fails_fast_when_the_learner_cannot_write_the_output_folder(place, learner_env):
    outputs = place / "outputs"
    outputs.mkdir()
    outputs.chmod(0o755)  # root's folder: nobody may not write there
    script = place / "late.py"
    script.write_text("import helpers\nrun = helpers.setup('late')\nprint('TRAINING STARTED')\n")
    learner_env.update(WORKSHOP_OUTPUT_DIR=str(outputs), WORKSHOP_FIGURES_DIR=str(place / "home" / "figures"))
    proc = as_nobody(learner_env, place / "home", str(script))
    assert proc.returncode != 0 and "TRAINING STARTED" not in proc.stdout
    assert "OutputNotWritableError" in proc.stderr and f"{outputs} is not writable" in proc.stderr
    assert "Nothing was trained yet" in proc.stderr and "WORKSHOP_OUTPUT_DIR" in proc.stderr


def _kit_copy(place):
    """A kit folder of root's own (exercises and helpers), readable by all, as on a shared install."""
    kit = place / "kit"
    for part in ("helpers", "exercises", "solutions"):
        shutil.copytree(ROOT / part, kit / part, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [kit, *kit.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return kit


def test_on_a_kit_that_is_not_theirs_each_learner_works_in_their_own_home(place, learner_env, second_user):
    """Issue 21 and issue 23 §1: root's mywork/ copies are never a learner's 'yours'; their own go to ~/keras-workshop."""
    kit = _kit_copy(place)
    root_env = {**learner_env, "PYTHONPATH": str(kit), "HOME": str(place)}
    mine = subprocess.run([sys.executable, "-m", "helpers", "workspace"], env=root_env, cwd=place,
                          capture_output=True, text=True, timeout=120)
    assert mine.returncode == 0 and (kit / "mywork" / "01_warmup.ipynb").is_file(), mine.stderr  # root's kit: mywork
    learner_env.update(PYTHONPATH=str(kit))
    proc = as_nobody(learner_env, place / "home", "-m", "helpers", "workspace")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    home_work = place / "home" / "keras-workshop"
    assert f"Your work lives in {home_work}" in proc.stdout and "yours" not in proc.stdout, proc.stdout
    assert sorted(p.name for p in home_work.glob("*.ipynb")) == sorted(p.name for p in (kit / "exercises").glob("*.ipynb"))
    assert all(p.stat().st_uid == NOBODY for p in home_work.iterdir())

    learner_env.update(WORKSHOP_WORKSPACE=str(kit / "mywork"))  # pointed at root's folder on purpose
    denied = as_nobody(learner_env, place / "home", "-m", "helpers", "workspace")
    assert denied.returncode == 1 and "Traceback" not in denied.stderr, denied.stderr[-2000:]
    assert f"Cannot write in your workspace {kit / 'mywork'}" in denied.stderr and "export WORKSHOP_WORKSPACE=" in denied.stderr

    (kit / "mywork").chmod(0o777)  # a shared writable folder holding root's copies
    (kit / "mywork" / "02_logistic_regression.ipynb").unlink()
    shared = as_nobody(learner_env, place / "home", "-m", "helpers", "workspace")
    assert shared.returncode == 0, shared.stderr[-2000:]
    lines = shared.stdout.splitlines()
    assert any(l.startswith("new") and l.endswith("02_logistic_regression.ipynb") for l in lines), shared.stdout
    assert not any(l.startswith("yours") for l in lines), shared.stdout
    assert any(l.startswith("not yours") and l.endswith("01_warmup.ipynb") for l in lines), shared.stdout
    assert "you cannot save it" in shared.stdout
