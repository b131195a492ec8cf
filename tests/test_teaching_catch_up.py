"""Catching up works for every question of every hands-on notebook.

Two tests per notebook, in this worker process (no kernel per question; 06's one pass runs in a fresh Python
process, see :data:`IN_A_FRESH_PROCESS`):

* **one pass**: the solution's cells run once, in quick mode, into one namespace, stopping after each
  question's check cell (``run_solution_cells(..., after=previous, until=question)``); at every stop the
  question's own check must say Correct on the state catching up leaves.  This is what ``catch_up`` runs
  for each question, without replaying the notebook from its start for every one of them.
* **fresh namespace**: what a learner does after a kernel restart: a brand-new dict, then
  ``helpers.catch_up("04", "q1")``; the check passes and the message names what was defined.
"""

import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import helpers
from helpers.checks.catch_up import run_solution_cells
from helpers.checks.question import CORRECT
from helpers.errors import NotebookSourceError

ROOT = Path(__file__).resolve().parent.parent
from test_learner_walkthrough import HANDS_ON  # noqa: E402

NOTEBOOKS = sorted(p.stem for p in (ROOT / "solutions").glob("0*.ipynb") if p.stem[:2] in HANDS_ON)
TIMES = {}
#: 06 splits the CPU into logical devices, which TensorFlow allows only before its first operation; this
#: worker process already runs TensorFlow on one device, so its catch-up from a fresh namespace asks for one (its
#: one pass runs in a fresh process with the notebook's two, as a learner's kernel after a restart).
PARAMS = {"06_distributed": {"cpu_devices": 1},
          # a search of two trials instead of the notebook's quick-mode number: the checks judge the tuner's
          # settings, where its trials were scored and the retrained best model, not how many trials ran
          "09_hyperparameter_search": {"max_trials": 2}}


def questions(notebook):
    module = importlib.import_module(f"helpers.questions.nb{notebook}")
    return [getattr(module, name) for name in module.__all__]


@pytest.fixture(scope="module", autouse=True)
def report_time():
    """Print the catch-up time of this module per notebook (visible with ``-s``)."""
    yield
    if TIMES:
        print("\ncatch-up, one pass per notebook: " + ", ".join(f"{nb[:2]} {t:.1f} s" for nb, t in TIMES.items()))


@pytest.fixture
def quiet_files(monkeypatch, tmp_path):
    """A catch-up runs the solution's setup cell: keep its folders out of the repository."""
    monkeypatch.setenv("WORKSHOP_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("WORKSHOP_OFFLINE", "1")
    monkeypatch.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path / "outputs"))


def one_pass(notebook, params=None):
    """Catch up to each question of ``notebook`` in turn, in one namespace; ``[(question, problem)]`` where the
    state it left lacks a variable or its check does not say Correct."""
    namespace, previous, failures = {}, None, []
    for question in questions(notebook):
        run_solution_cells(notebook, until=question.name, after=previous, namespace=namespace, params=params)
        previous = question.name
        missing = [variable for variable in question.variables if variable not in namespace]
        result = question.evaluate(namespace)
        if missing or result.outcome != CORRECT:
            failures.append((question.name, f"missing {missing}" if missing else repr(result)))
    return failures


#: Notebooks whose one pass runs in a fresh Python process, as a learner's restarted kernel: 06 asks TensorFlow
#: for two logical CPUs before its first operation, which this worker process (TensorFlow already running) cannot
#: give, and once, under load, TensorFlow crashed this worker (SIGSEGV in ``fit``'s validation under the
#: distribution strategy), losing every test queued on it.
IN_A_FRESH_PROCESS = ("06_distributed",)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb[:2] for nb in NOTEBOOKS])
def test_catching_up_to_each_question_in_one_pass_leaves_a_state_its_check_accepts(notebook, quiet_files):
    started = time.perf_counter()
    if notebook in IN_A_FRESH_PROCESS:
        code = f"import json, test_teaching_catch_up as t; print(json.dumps(t.one_pass({notebook!r})))"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, (notebook, proc.returncode, proc.stderr[-4000:])
        failures = json.loads(proc.stdout.strip().splitlines()[-1])
    else:
        failures = one_pass(notebook, PARAMS.get(notebook))
    TIMES[notebook] = time.perf_counter() - started
    assert not failures, (notebook, failures)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb[:2] for nb in NOTEBOOKS])
def test_catch_up_from_a_fresh_namespace_then_the_check_passes(notebook, quiet_files, capsys):
    question = questions(notebook)[0]
    namespace = {}
    names = helpers.catch_up(notebook[:2], question.name, namespace=namespace, params=PARAMS.get(notebook))
    said = capsys.readouterr().out
    assert f"Caught up: ran the solution of {notebook} up to and including `{question.name}`" in said
    assert "Defined or replaced: `" in said
    for variable in question.variables:
        assert variable in names, (variable, names)
    result = question.evaluate(namespace)
    assert result.outcome == CORRECT, (notebook, question.name, result)


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
