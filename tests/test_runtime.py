"""Runtime (mode, seeding, quiet TF), device report, plotting, checking framework, output sanitising."""

import os
import random
import sys

import nbformat
import numpy as np
import pytest

import helpers
from helpers import plotting
from helpers.checks import question as checking
from helpers.run import state
from helpers.run import device
from helpers.run import setup as runtime
from helpers.tools import execute
from helpers.errors import BlankNotFilledError, CheckFailedError, ConfigError


def test_quick_mode_one_order_cell_then_environment_then_command_line(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["x.py"])
    monkeypatch.delenv("WORKSHOP_QUICK", raising=False)
    assert state.quick_mode() is False and state.quick_mode(True) is True
    monkeypatch.setenv("WORKSHOP_QUICK", "")  # empty counts as unset, as everywhere in the kit
    assert state.quick_mode() is False and state.quick_mode(True) is True
    monkeypatch.setenv("WORKSHOP_QUICK", "1")
    assert state.quick_mode() is True and state.quick_mode(False) is True  # environment beats the cell
    monkeypatch.setattr(sys, "argv", ["x.py", "--full", "--other-flag"])
    assert state.quick_mode() is False and state.quick_mode(True) is False  # command line beats both
    monkeypatch.setattr(sys, "argv", ["x.py"])
    monkeypatch.setenv("WORKSHOP_QUICK", "perhaps")
    with pytest.raises(ConfigError, match="WORKSHOP_QUICK"):
        state.quick_mode()


def test_setup_and_quick_mode_agree_for_every_combination(monkeypatch):
    """The issue's example: setup(quick=True) with --full and quick_mode(True) with --full must agree."""
    for argv in (["x.py"], ["x.py", "--full"], ["x.py", "--quick"]):
        for env in (None, "0", "1", ""):
            for cell in (None, True, False):
                monkeypatch.setattr(sys, "argv", argv)
                if env is None:
                    monkeypatch.delenv("WORKSHOP_QUICK", raising=False)
                else:
                    monkeypatch.setenv("WORKSHOP_QUICK", env)
                values, _ = helpers.run.params.resolve({"quick": cell}, warn_unknown=False)
                assert bool(values["quick"]) == state.quick_mode(cell), (argv, env, cell)


def test_not_in_a_kernel_under_pytest():
    assert state.in_kernel() is False


def test_setup_seeds_announces_once_and_picks(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["x.py"])
    monkeypatch.delenv("WORKSHOP_QUICK", raising=False)
    import keras

    run = runtime.setup("lesson", quick=True, seed=1)
    first = (random.random(), np.random.rand(), float(keras.random.uniform((1,), seed=None)[0]))
    assert capsys.readouterr().out.count("QUICK MODE") == 1
    runtime.setup("lesson", quick=True, seed=1)
    second = (random.random(), np.random.rand(), float(keras.random.uniform((1,), seed=None)[0]))
    assert "QUICK MODE" not in capsys.readouterr().out  # announced once per process and mode
    assert first == second
    assert run.quick and run.pick(quick=3, full=15) == 3 and run.mode == "quick" and not run.interactive
    assert helpers.is_quick() is True and state.active_run() is not run  # the second setup started a new run
    runtime.setup("lesson", quick=False, seed=1)
    assert capsys.readouterr().out.count("Full mode") == 1 and helpers.is_quick() is False


def test_quiet_stderr_silences_fd2(capfd):
    os.write(2, b"before\n")
    with device.quiet_stderr():
        os.write(2, b"hidden C-level noise\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "before" in err and "after" in err and "hidden" not in err


def test_device_report_names_a_device():
    report = helpers.device_report()
    assert report.startswith("CPU only") or report.startswith("GPU 0")


def test_show_saves_png_in_a_script(monkeypatch, tmp_path):
    import matplotlib

    monkeypatch.setattr(sys, "argv", ["lesson.py"])
    matplotlib.use("Agg")
    monkeypatch.setenv("WORKSHOP_FIGURES_DIR", str(tmp_path / "figs"))
    run = runtime.Run(quick=True, seed=1, interactive=False, notebook="lesson")
    state.activate(run)
    fig = plotting.plot_history({"loss": [3, 2, 1], "val_loss": [3, 2.5, 2.4], "accuracy": [0.1, 0.5, 0.9]},
                                metrics=("loss", "accuracy"))
    assert [len(ax.lines) for ax in fig.axes] == [2, 1]
    path = plotting.show("curves / loss", alt="Loss falls, accuracy rises.")
    assert path == tmp_path / "figs" / "lesson-curves_loss.png" and path.stat().st_size > 1000
    assert not list((tmp_path / "figs").glob(".*"))
    (record,) = run.figures  # the run owns its figures: another run's list stays empty
    assert record["file"] == path.name and record["alt"] == "Loss falls, accuracy rises."
    assert [(a["xlabel"], a["ylabel"]) for a in record["axes"]] == [("epoch", "loss"), ("epoch", "accuracy")]
    assert runtime.Run(quick=True, seed=1, interactive=False).figures == []
    fig = plotting.show_images(np.zeros((3, 28, 28)), labels=[1, 2, 3], predictions=[1, 5, 3])
    colours = [ax.title.get_color() for ax in fig.axes[:3]]
    assert colours == ["black", "red", "black"]


class _Square(checking.Question):
    variables = ("square",)
    hint_text = ["Multiply x by itself.", "Use x * x."]
    solution_text = "def square(x):\n    return x * x"

    def check_values(self, square):
        for x in (0, 3, -2):
            self.expect(square(x) == x * x, f"square({x}) gave {square(x)}: it should be x times itself.")


def test_question_outcomes_and_script_behaviour(capsys, monkeypatch):
    monkeypatch.delenv("WORKSHOP_STRICT", raising=False)
    q = _Square("q9", "square")
    assert q.evaluate(square=lambda x: x * x).outcome == checking.CORRECT
    wrong = q.evaluate(square=lambda x: 2 * x)
    assert wrong.outcome == checking.INCORRECT and "x * x" not in wrong.message
    assert q.evaluate().outcome == checking.NOT_ATTEMPTED
    assert q.evaluate(square=helpers.____).outcome == checking.NOT_ATTEMPTED
    square = lambda x: x * x  # noqa: E731  (read from the caller's namespace)
    q.check()
    assert "q9 · Correct" in capsys.readouterr().out
    with pytest.raises(CheckFailedError, match="incorrect"):  # a script raises on failure
        q.check(square=lambda x: x + 1)
    monkeypatch.setenv("WORKSHOP_STRICT", "0")  # e.g. a one-epoch benchmark run: report, carry on
    q.check(square=lambda x: x + 1)
    assert "q9 · incorrect" in capsys.readouterr().out.lower()
    monkeypatch.delenv("WORKSHOP_STRICT")
    q.hint()
    assert "Multiply" in capsys.readouterr().out
    q.solution()
    assert "return x * x" in capsys.readouterr().out
    del square


def test_placeholder_raises_a_clear_typed_error():
    blank = helpers.____
    for use in (lambda: blank(), lambda: blank.fit, lambda: blank + 1, lambda: np.asarray(blank) * 2,
                lambda: blank[0]):
        with pytest.raises(BlankNotFilledError, match="replace `____` with your answer"):
            use()


def test_sanitize_strips_timings_and_problems_are_reported():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fit")
    cell.outputs = [nbformat.v4.new_output("stream", text="Epoch 1/2\n63/63 - 2s - 8ms/step - accuracy: 0.9 - loss: 0.3\n")]
    nb.cells = [cell]
    execute.sanitize(nb)
    assert cell.outputs[0]["text"] == "Epoch 1/2\n63/63 - accuracy: 0.9 - loss: 0.3\n"
    assert execute.output_problems(nb) == []
    cell.outputs.append(nbformat.v4.new_output("stream", name="stderr",
                                               text="E0000 00:00:1 cuda_platform.cc:52] failed call to cuInit\n"))
    assert execute.output_problems(nb)
