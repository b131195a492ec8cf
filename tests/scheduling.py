"""How the suite shares two CPU cores: what runs together, and what starts first.

The expensive part of the suite is running notebooks: each hands-on notebook once as a script (``test_scripts``,
shared with every test that reads its figures or summary through ``tests/runs.py``), once in a kernel (its
walk-through) and once through the catch-up engine.  ``pytest-xdist``'s ``loadfile`` puts a whole test file on one
worker, so the fifteen script runs of ``test_scripts.py`` queued behind each other on one core while the other
core ran out of work.  Here (``--dist loadscope``, the conftest's ``pytest_xdist_make_scheduler``):

* a **work unit** is a test file, as with ``loadfile`` (a module's shared fixture, e.g. one JupyterLab server for
  the browser tests, starts once), except for the files in :data:`SPREAD`, whose unit is one notebook: all tests of
  ``test_scripts.py`` about ``06_distributed`` are one unit, those about ``04_cnn_mnist`` another;
* nbval's cells of one lecture are one unit, in order;
* **the longest units start first** (largest-first scheduling), from :data:`NOTEBOOK_SECONDS` and
  :data:`FILE_SECONDS`: estimates read off a ``--durations`` run on the 2-core machine, used only to order work,
  never asserted; files that read the shared script runs of other files (:data:`CONSUMERS`) come after the
  script runs, so they find them done instead of waiting on a lock.

Nothing here changes what a test checks.
"""

import re

__all__ = ["SPREAD", "CONSUMERS", "NOTEBOOK_SECONDS", "FILE_SECONDS", "scope_of", "order", "WorkshopScheduling"]

#: Files whose tests are grouped per notebook (the parameter in brackets), not per file.
SPREAD = ("tests/test_scripts.py", "tests/test_learner_walkthrough.py", "tests/test_teaching_catch_up.py",
          "tests/test_teaching_figures.py")
#: Files that read the script runs that ``test_scripts.py`` makes: they start after those runs.
CONSUMERS = ("tests/test_benchmark.py", "tests/test_distributed.py", "tests/test_sequences_and_tuning.py",
             "tests/test_teaching_figures.py")
#: Seconds of one script run (about the same in a kernel), by notebook code; estimates that order the work.
NOTEBOOK_SECONDS = {"06": 47, "L5": 36, "09": 31, "08": 29, "07": 27, "04": 18, "02": 16, "05": 16, "03": 14,
                    "L3": 8, "01": 7, "L2": 6, "L4": 6, "L6": 6, "L1": 5}
#: Seconds of a whole file's tests, for the files worth ordering (the others are short and fill the gaps).
FILE_SECONDS = {"tests/test_browser.py": 110, "tests/test_hub.py": 50, "tests/test_benchmark.py": 44,
                "tests/test_room.py": 43, "tests/test_distributed_workers.py": 39, "tests/test_papermill.py": 24,
                "tests/checks/test_contract.py": 18, "tests/test_cli.py": 17, "tests/test_hardening_files.py": 17,
                "tests/checks/test_nb09_hyperparameter_search.py": 16, "tests/test_fashion_dataset.py": 15,
                "tests/test_hardening_users.py": 12}

_PARAM = re.compile(r"\[(.*)\]$")


def _file(nodeid):
    return nodeid.split("::", 1)[0]


def _notebook(nodeid):
    """The notebook code (``"06"``, ``"L5"``) a parametrized test is about, or None."""
    m = _PARAM.search(nodeid)
    if not m:
        return None
    code = re.search(r"(?:^|[/\[-])(L\d|\d\d)(?:_|\b)", m.group(1))
    return code.group(1) if code else None


def scope_of(nodeid):
    """The work unit of a test: its file, or file + notebook for :data:`SPREAD` files."""
    path = _file(nodeid)
    if path in SPREAD:
        notebook = _notebook(nodeid)
        if notebook:
            return f"{path}[{notebook}]"
    return path


def _seconds(nodeid):
    path = _file(nodeid)
    if path.endswith(".ipynb"):  # nbval: a lecture in a kernel
        code = re.search(r"(L\d)_", path)
        return NOTEBOOK_SECONDS.get(code.group(1), 5) if code else 5
    if path in SPREAD:
        return NOTEBOOK_SECONDS.get(_notebook(nodeid), 1)
    return FILE_SECONDS.get(path, 0)


def order(items):
    """Sort test items (in place) so that the units that take longest come first and consumers come late.

    The sort is stable: the tests of one unit keep their order (nbval's cells above all).
    """
    def key(item):
        nodeid = item.nodeid
        rank = 1 if _file(nodeid) in CONSUMERS else 0
        return rank, -_seconds(nodeid)

    items.sort(key=key)


def WorkshopScheduling(config, log):
    """``LoadScopeScheduling`` with :func:`scope_of` as its units, in the collection's order (see the module)."""
    from xdist.scheduler import LoadScopeScheduling

    class _Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return scope_of(nodeid)

    config.option.loadscopereorder = False  # keep :func:`order`'s order, not "most tests first"
    return _Scheduling(config, log)
