"""Feedback boxes: one label style, theme colours, escaped Markdown, plain text in scripts."""

import re

import pytest

from helpers.checks import feedback
from helpers.checks.question import Question


@pytest.mark.parametrize("kind, word", [("correct", "Correct"), ("incorrect", "Incorrect"),
                                        ("not attempted", "Not attempted"), ("uncheckable", "Uncheckable"),
                                        ("hint", "Hint"), ("solution", "Solution")])
def test_one_label_style_for_every_outcome(kind, word):
    assert feedback.label("q3", kind) == f"q3 · {word}"
    assert feedback.to_text("q3", kind, "msg") == f"q3 · {word}: msg"
    box = feedback.to_html("q3", kind, "msg")
    assert f">q3 · {word}</strong>" in box
    # the text colour is the theme's, never a fixed colour; the outcome colour is only the border/tint
    assert re.search(r'style="color:var\(--jp-content-font-color1, inherit\);', box)
    assert not re.search(r"[^-]color:#", box)


def test_markdown_subset_renders_and_everything_else_is_escaped():
    box = feedback.to_html("q1", "hint", "Use `keras.Input(shape=(28, 28))` and **one** <script>alert(1)</script> & go")
    assert ">keras.Input(shape=(28, 28))</code>" in box
    assert "<strong>one</strong>" in box
    assert "<script>" not in box and "&lt;script&gt;alert(1)&lt;/script&gt;" in box and "&amp; go" in box
    assert feedback.to_html("q1", "hint", "`<b>`").count("&lt;b&gt;") == 1


def test_solution_is_a_verbatim_code_block():
    box = feedback.to_html("q2", "solution", "model = keras.Sequential([\n    keras.layers.Dense(10),\n])", code=True)
    assert "<pre" in box and "model = keras.Sequential([\n    keras.layers.Dense(10),\n])</pre>" in box
    assert feedback.to_text("q2", "solution", "x = 1", code=True) == "q2 · Solution:\nx = 1"


def test_questions_print_the_same_labels_in_a_script(capsys, monkeypatch):
    monkeypatch.setenv("WORKSHOP_STRICT", "0")

    class Pick(Question):
        variables = ("answer",)
        hint_text = ["Think of `42`.", "It is **42**."]
        solution_text = "answer = 42"

        def check_values(self, answer):
            self.expect(answer == 42, "Not the right number.")

    q = Pick("q7", "pick")
    q.check(answer=42)
    q.check(answer=1)
    q.hint()
    q.solution()
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["q7 · Correct: Well done.", "q7 · Incorrect: Not the right number.",
                         "q7 · Hint: Think of `42`. (hint 1 of 2; q7.hint(2) for the next)"]
    assert lines[3:] == ["q7 · Solution:", "answer = 42"]
