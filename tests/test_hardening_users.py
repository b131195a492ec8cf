"""Issue 17, a second user: the instructor (root here) pre-fetches into a shared folder and a learner
(``nobody``, through ``setpriv``) reads it; unreadable files and folders give typed errors naming the file,
the user and the fix; an unreadable cache file is downloaded again; ``doctor`` reports and goes on.

These tests need root (to become another user); elsewhere they skip, saying so."""

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

pytestmark = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0 or SETPRIV is None,
                                reason="acting as a second user needs root and setpriv (util-linux)")


def as_nobody(env, cwd, *python_args):
    """Run ``python <python_args>`` as user nobody (no supplementary groups)."""
    cmd = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, *python_args]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


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
def learner_env(place):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(PYTHONPATH=str(ROOT), HOME=str(place / "home"), MPLCONFIGDIR=str(place / "home" / "mpl"),
               WORKSHOP_CACHE_DIR=str(place / "home" / "cache"), USER="root", LOGNAME="root")  # $USER lies
    probe = as_nobody(env, place, "-c", "import helpers, numpy; print('ok')")
    if probe.stdout.strip() != "ok":
        pytest.skip(f"user nobody cannot run this Python and the kit (is the venv or checkout private?): "
                    f"{probe.stderr.strip()[-300:]}")
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
