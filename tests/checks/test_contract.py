"""The contract that every check keeps, over every question discovered: each ``Question`` in the ``__all__`` of each
``helpers.questions.nb*`` module (``giveaways.questions()``), so that a new notebook or question is covered, or
these tests fail and say what to add to its ``tests/checks/test_nbXX_name.py``:

* every hands-on solution notebook's checks are discovered: the notebook imports them from a question module, and
  that module's ``__all__`` lists every question it defines;
* the ``____`` blank → *not attempted*, naming the blank; a missing variable → *not attempted*, with "run the
  cells above" and ``qN.catch_up()``; a hint and a solution exist; no hint spells out the solution or a
  ``HINT_NEVER`` token;
* every question has ``NEVER`` tokens, ``HINT_NEVER`` tokens, and learner answers of all three kinds in
  ``ANSWERS``: code that raises → *uncheckable*, naming what raised, without a traceback; a wrong type →
  *incorrect*; a right answer written another way → *correct*.  Every failure message is checked for give-aways
  (``giveaways.outcome()``).
"""

import json
import re
from pathlib import Path

import pytest

import giveaways
from giveaways import hint_giveaways, label, outcome
from helpers import ____
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED, UNCHECKABLE, Question
from helpers.run.state import set_mode

ROOT = Path(__file__).resolve().parents[2]
MODULES = giveaways.modules()
QUESTIONS = giveaways.questions()
#: the three kinds of learner answer, and the outcome each must get
KINDS = {"raises": UNCHECKABLE, "wrong type": INCORRECT, "alternative": CORRECT}


def tables_of(q):
    """The test module holding ``q``'s tables; fails with what to add when there is none."""
    try:
        return giveaways.tables(q)
    except ImportError as error:
        pytest.fail(f"{label(q)}: no tests/checks/test_nb{q.notebook}.py with its NEVER, HINT_NEVER and ANSWERS "
                    f"tables ({error})")


def _cases():
    """Every learner answer of every notebook's ``ANSWERS``, as pytest params (a :func:`giveaways.slow` builder
    makes a slow case)."""
    cases = []
    for module in MODULES:
        try:
            answers = giveaways.tables(module).ANSWERS
        except (ImportError, AttributeError):
            continue  # test_every_question_has_all_three_kinds fails for its questions
        for q in giveaways.questions(module):
            for kind, expected, build in answers.get(q, ()):
                marks = [pytest.mark.slow] if getattr(build, "slow", False) else []
                cases.append(pytest.param(q, kind, expected, build, marks=marks, id=f"{label(q)}-{kind}"))
    return cases


def test_discovery_finds_the_checks_of_every_hands_on_notebook():
    """Each solution notebook's checks are discovered: the module it imports, with every question it imports."""
    discovered = {m.__name__: {q.name for q in giveaways.questions(m)} for m in MODULES}
    notebooks = sorted((ROOT / "solutions").glob("*.ipynb"))
    assert notebooks and len(discovered) == len(notebooks), (sorted(discovered), [p.stem for p in notebooks])
    for path in notebooks:
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        imports = re.findall(r"from (helpers\.questions\.nb\w+) import ([\w, ]+)", code)
        assert len(imports) == 1, (path.name, imports)
        module, names = imports[0]
        assert module == f"helpers.questions.nb{path.stem}", (path.name, module)
        assert {n.strip() for n in names.split(",")} == discovered[module], (path.name, names, discovered[module])


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".nb", 1)[1])
def test_every_question_module_lists_all_its_questions(module):
    """A question defined in a module but left out of its ``__all__`` would escape discovery (and these tests)."""
    defined = {name for name, value in vars(module).items() if isinstance(value, Question)}
    assert defined and defined == set(module.__all__), (module.__name__, sorted(defined), module.__all__)


@pytest.mark.parametrize("q", QUESTIONS, ids=label)
def test_every_question_blank_missing_hint_and_solution(q):
    assert q.variables, "a question reads at least one variable"
    blanks = {v: ____ for v in q.variables}
    blank = q.evaluate(**blanks)
    assert blank.outcome == NOT_ATTEMPTED and "still `____`" in blank.message
    assert all(f"`{v}`" in blank.message for v in q.variables), blank.message  # names the blanks
    assert outcome(q, **blanks) == NOT_ATTEMPTED  # and gives nothing away
    missing = q.evaluate()
    assert missing.outcome == NOT_ATTEMPTED
    assert "run the cells above" in missing.message.lower() and "still `____`" not in missing.message
    assert f"{q.name}.catch_up()" in missing.message
    assert outcome(q) == NOT_ATTEMPTED
    assert q.hint_text and q.solution_text


@pytest.mark.parametrize("q", QUESTIONS, ids=label)
def test_hints_nudge_and_never_spell_out_the_answer(q):
    """Issue 22: 01 q1 hint 2, 02 q3 hint 1 and 04 q5 hint 1 were the whole solution; issue 24: hints of 03, 06, 07,
    08 and 09 spelled out their solution's lines."""
    tokens = getattr(tables_of(q), "HINT_NEVER", {}).get(q)
    assert tokens, f"{label(q)}: add the tokens its hints must never spell out (its solution's lines) to HINT_NEVER"
    assert not hint_giveaways(q), hint_giveaways(q)


@pytest.mark.parametrize("q", QUESTIONS, ids=label)
def test_every_question_has_give_away_tokens(q):
    """``giveaways.outcome`` checks failure messages against these; a question without them would go unchecked."""
    tokens = getattr(tables_of(q), "NEVER", {}).get(q)
    assert tokens and all(isinstance(t, str) and t.strip() for t in tokens), (
        f"{label(q)}: add the tokens its failure messages must never contain to NEVER")


@pytest.mark.parametrize("q", QUESTIONS, ids=label)
def test_every_question_has_all_three_kinds(q):
    answers = getattr(tables_of(q), "ANSWERS", {}).get(q, [])
    kinds = [kind.split(":")[0] for kind, _, _ in answers]
    assert set(KINDS) <= set(kinds), (label(q), kinds)
    assert all(KINDS.get(kind.split(":")[0]) == expected for kind, expected, _ in answers), (label(q), answers)


@pytest.mark.parametrize("q, kind, expected, build", _cases())
def test_learner_answer_gets_feedback_not_a_traceback(K, q, kind, expected, build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # answers that write files (06's callbacks, 09's tuners) write them here
    set_mode(True)
    values = build(K)
    result = q.evaluate(**values)
    assert result.outcome == expected, (kind, result)
    assert outcome(q, **values) == expected  # and the message gives nothing away
    assert "Traceback" not in result.message and len(result.message) < 600
    if expected == UNCHECKABLE:
        assert "raised" in result.message and result.error is not None
