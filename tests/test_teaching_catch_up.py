"""Catching up works for every question of every hands-on notebook, from a fresh namespace.

Each case is what a learner does after a kernel restart: a brand-new namespace, then
``helpers.catch_up("04", "q3")``; the question's own check must then say Correct, and the
message must name what was defined.  The cases run in this worker process (no kernel per
question), one fresh dict each; the total time is printed at the end of the module.
"""

import importlib
import time
from pathlib import Path

import pytest

import helpers
from helpers.checks.question import CORRECT
from helpers.errors import NotebookSourceError

ROOT = Path(__file__).resolve().parent.parent
from test_learner_walkthrough import HANDS_ON  # noqa: E402

NOTEBOOKS = sorted(p.stem for p in (ROOT / "solutions").glob("0*.ipynb") if p.stem[:2] in HANDS_ON)
CASES = [(nb, q) for nb in NOTEBOOKS
         for q in importlib.import_module(f"helpers.questions.nb{nb}").__all__]
TIMES = {}
#: Questions whose check does not depend on how long the notebook trained before them: catching up
#: to them with the shortest training keeps this module cheap (the others run with the defaults).
SHORT = {("02_logistic_regression", "q5"): {"epochs": 2}, ("02_logistic_regression", "q6"): {"epochs": 2},
         ("03_fnn_mnist", "q5"): {"epochs": 1}, ("04_cnn_mnist", "q5"): {"epochs": 1},
         ("07_transfer_learning", "q3"): {"epochs": 3},
         ("09_hyperparameter_search", "q3"): {"max_trials": 2, "epochs": 1}}
#: 06 splits the CPU into logical devices, which TensorFlow allows only before its first operation; this
#: worker process already runs TensorFlow on one device, so its catch-ups ask for one (a learner's fresh
#: kernel after a restart gets the notebook's two).
SHORT.update({("06_distributed", q): {"cpu_devices": 1} for q in ("q1", "q2", "q3", "q4", "q5")})


@pytest.fixture(scope="module", autouse=True)
def report_time():
    """Print the total catch-up time of this module (visible with ``-s``)."""
    yield
    if TIMES:
        slowest = sorted(TIMES.items(), key=lambda kv: -kv[1])[:3]
        print(f"\ncatch-up: {len(TIMES)} questions in {sum(TIMES.values()):.1f} s; slowest: "
              + ", ".join(f"{nb[:2]} {q} {t:.1f} s" for (nb, q), t in slowest))


@pytest.fixture
def quiet_files(monkeypatch, tmp_path):
    """A catch-up runs the solution's setup cell: keep its folders out of the repository."""
    monkeypatch.setenv("WORKSHOP_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path / "outputs"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook, name", CASES, ids=[f"{nb[:2]}-{q}" for nb, q in CASES])
def test_catch_up_from_a_fresh_namespace_then_the_check_passes(notebook, name, quiet_files, capsys):
    question = getattr(importlib.import_module(f"helpers.questions.nb{notebook}"), name)
    namespace = {}
    started = time.perf_counter()
    names = helpers.catch_up(notebook[:2], name, namespace=namespace, params=SHORT.get((notebook, name)))
    TIMES[(notebook, name)] = time.perf_counter() - started
    said = capsys.readouterr().out
    assert f"Caught up: ran the solution of {notebook} up to and including `{name}`" in said
    assert "Defined or replaced: `" in said
    for variable in question.variables:
        assert variable in names, (variable, names)
    result = question.evaluate(namespace)
    assert result.outcome == CORRECT, (notebook, name, result)


def test_q_catch_up_goes_through_the_same_door(quiet_files, capsys):
    """``qN.catch_up()`` runs in the caller's namespace (here: this module's globals would be polluted,
    so it is called from a throwaway function's globals)."""
    from helpers.questions.nb01_warmup import q1

    namespace = {"q1": q1, "__name__": "learner"}
    exec("q1.catch_up()", namespace)  # noqa: S102 – the learner's one line, in a fresh module namespace
    assert "Caught up: ran the solution of 01_warmup up to and including `q1`" in capsys.readouterr().out
    assert q1.evaluate(namespace).outcome == CORRECT


def test_unknown_notebook_or_question_says_what_exists(quiet_files):
    with pytest.raises(NotebookSourceError, match="Valid names"):
        helpers.catch_up("99", "q1", namespace={})
    with pytest.raises(NotebookSourceError, match="q9"):
        helpers.catch_up("01", "q9", namespace={})
