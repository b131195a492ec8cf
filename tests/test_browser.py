"""The kit in a real browser: JupyterLab as a learner uses it, lecture decks as an instructor shows them.

Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) driven by
Playwright (``requirements-test.txt``), always that binary, never a browser that
Playwright downloaded into its cache: CI and every developer test the same
browser (``test_the_browser_is_debians_chromium`` holds this).  All tests in
this file share one JupyterLab server and one browser, so ``pytest -n 2
--dist loadfile`` keeps them on one worker.  A page fails its test on any
console error, uncaught exception, failed request or HTTP error from the lab.

Every wait is on a state (a cell's execution count after its run and the
kernel idle, a box attached, MathJax's queue empty, a file's marker set), never
a fixed sleep, and every deadline is multiplied by :func:`timeout_scale`:
``WORKSHOP_TEST_TIMEOUT_SCALE`` when it is set, otherwise the machine's load
average per core (at least 1), read when the deadline starts.

Screenshots of the key states go to ``build/screenshots/`` (or
``$WORKSHOP_SCREENSHOTS``); the folder is printed at the end of the run.
"""

import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest
from runs import SHORT_04_EPOCHS

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
LECTURES = sorted((ROOT / "notebooks").glob("L*.ipynb"))
WCAG_AA = 4.5
#: The smallest readable type on a 1280x720 slide, in CSS pixels (issue 22, section 5).
TEXT_PX = {"body": 28, "code": 22}
RUN_ALL_EPOCHS = SHORT_04_EPOCHS  # tests/runs.py says how it was measured

pytestmark = pytest.mark.slow


def timeout_scale():
    """How much longer than on an idle machine every deadline of this file may take.

    ``WORKSHOP_TEST_TIMEOUT_SCALE`` (a positive number) when it is set; otherwise the 1-minute load average
    per CPU core, at least 1 (a machine with load 5 on 2 cores gives 2.5).

    Raises:
        pytest.UsageError: the variable is set to something that is not a positive number.
    """
    raw = os.environ.get("WORKSHOP_TEST_TIMEOUT_SCALE", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not (math.isfinite(value) and value > 0):
            raise pytest.UsageError(f"WORKSHOP_TEST_TIMEOUT_SCALE={raw!r} is not a positive number. Fix: "
                                    f"`export WORKSHOP_TEST_TIMEOUT_SCALE=3` (every browser-test deadline × 3), "
                                    f"or unset it to scale by the machine's load.")
        return value
    return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def ms(seconds):
    """A Playwright timeout (milliseconds) for something that takes up to ``seconds`` on an idle machine."""
    return int(seconds * 1000 * timeout_scale())


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(workspace, port, token, env):
    """Start JupyterLab the way ``make lab`` does (``python -m helpers lab``), on ``port`` with ``token``.

    ``WORKSHOP_WORKSPACE`` points the learner's workspace at a temporary folder, so the
    command copies the exercises there (as it does into mywork/) and serves it; nothing a
    learner types in the test touches the repository.

    Returns:
        (subprocess.Popen, Path): the server and the folder it serves, in which
        exercise notebooks sit at the top level.
    """
    cmd = [sys.executable, "-m", "helpers", "lab", f"--port={port}", "--no-browser", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}"]
    log = open(workspace.parent / "lab.log", "w")
    proc = subprocess.Popen(cmd, env={**env, "WORKSHOP_WORKSPACE": str(workspace)}, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    return proc, workspace


def _screenshots_folder():
    return Path(os.environ.get("WORKSHOP_SCREENSHOTS") or ROOT / "build" / "screenshots")


@pytest.fixture(scope="module")
def shots():
    folder = _screenshots_folder()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    print(f"\nbrowser screenshots: {folder} ({len(list(folder.glob('*.png')))} files)")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, named by path: Playwright's own browser cache (``~/.cache/ms-playwright``) is never
    used, even where ``playwright install`` filled it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found. Fix: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), uuid.uuid4().hex
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("WORKSHOP_STRICT", None)  # a learner's kernel: a failed check reports, it does not raise
    proc, served = start_lab(tmp / "workspace", port, token, env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120 * timeout_scale()
        while True:  # poll the server's state until it answers
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}: {(tmp / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {120 * timeout_scale():.0f} s: "
                                f"{(tmp / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield {"base": base, "token": token, "root": served}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class Problems:
    """Console errors, uncaught exceptions, failed requests and HTTP errors of one page."""

    def __init__(self, page, allow=()):
        self.items, self.allow = [], [re.compile(a) for a in allow]
        page.on("console", lambda m: m.type == "error" and self._add(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self._add(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self._add(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self._add(f"HTTP {r.status}: {r.url}"))

    def _add(self, text):
        if not any(a.search(text) for a in self.allow):
            self.items.append(text[:300])

    def assert_none(self):
        assert not self.items, "the page reported problems:\n" + "\n".join(self.items)


def _process_tree(root_pid):
    """``{pid: executable}`` of every process started, directly or not, by ``root_pid`` (Linux /proc)."""
    parents, exes = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            exes[int(entry.name)] = os.readlink(entry / "exe")
        except OSError:
            continue
    tree, grew = {root_pid}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return {pid: exes[pid] for pid in tree - {root_pid} if pid in exes}


def test_the_browser_is_debians_chromium(browser):
    """The browser under test is /usr/bin/chromium: its version, and the binary every browser process runs."""
    line = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60).stdout
    version = re.search(r"\d+(?:\.\d+){3}", line)
    assert version, f"{CHROMIUM} --version printed {line!r}"
    assert browser.version == version.group(0), f"Playwright drives Chromium {browser.version}, {CHROMIUM} is {line}"
    # Debian's /usr/bin/chromium is a launcher script that runs /usr/lib/chromium/chromium
    browsers = {pid: exe for pid, exe in _process_tree(os.getpid()).items()
                if re.search(r"chrom|headless_shell", Path(exe).name)}
    assert browsers, "no browser process found under this test process"
    for exe in browsers.values():
        assert "ms-playwright" not in exe, f"a browser from Playwright's cache runs: {exe}"
        assert exe.startswith("/usr/lib/chromium/"), f"a browser process runs {exe}, not Debian's chromium"


@pytest.mark.parametrize("value, expected", [("3", 3.0), ("0.5", 0.5), (" 2 ", 2.0)])
def test_timeout_scale_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("WORKSHOP_TEST_TIMEOUT_SCALE", value)
    assert timeout_scale() == expected
    assert ms(10) == int(10_000 * expected)


@pytest.mark.parametrize("value", ["abc", "0", "-2", "nan", "inf"])
def test_timeout_scale_rejects_nonsense(monkeypatch, value):
    monkeypatch.setenv("WORKSHOP_TEST_TIMEOUT_SCALE", value)
    with pytest.raises(pytest.UsageError, match="WORKSHOP_TEST_TIMEOUT_SCALE.*Fix: `export"):
        timeout_scale()


def test_timeout_scale_follows_the_load(monkeypatch):
    monkeypatch.delenv("WORKSHOP_TEST_TIMEOUT_SCALE", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (5.0, 4.0, 3.0))
    assert timeout_scale() == 2.5  # load 5 on 2 cores: every deadline × 2.5
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.2, 0.1))
    assert timeout_scale() == 1.0  # never shorter than on an idle machine


# -- JupyterLab, as a learner --------------------------------------------------------------------------------------

_BUSY = "!Array.from(document.querySelectorAll('.jp-InputPrompt')).some(e => e.textContent.includes('*'))"
_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
_PROMPT = "i => { const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[i]; " \
          "const p = c && c.querySelector('.jp-InputPrompt'); return p ? p.textContent : null; }"
# A cell has run: a code cell shows a new execution count and the kernel is idle; a Markdown cell is rendered.
_CELL_DONE = r"""([i, before]) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
  if (!cell) return false;
  if (!cell.classList.contains('jp-CodeCell'))
    return !cell.classList.contains('jp-MarkdownCell') || cell.classList.contains('jp-mod-rendered');
  const prompt = cell.querySelector('.jp-InputPrompt'), text = prompt ? prompt.textContent : '';
  return /\[\d+\]/.test(text) && text !== before && !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
}"""

# A cell has started (or, for a code cell, at least been queued: its prompt is no longer what it was).
_CELL_STARTED = r"""([i, before]) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
  if (!cell) return false;
  if (!cell.classList.contains('jp-CodeCell')) return true;
  const prompt = cell.querySelector('.jp-InputPrompt');
  return (prompt ? prompt.textContent : '') !== before;
}"""


def _scroll(locator):
    """Scroll an element into view; JupyterLab renders off-screen cells lazily and re-attaches cells as it
    renders, so an element can be replaced mid-scroll: then wait until it is attached again."""
    from playwright.sync_api import Error

    for attempt in range(10):
        try:
            locator.scroll_into_view_if_needed(timeout=ms(15))
            return locator
        except Error as err:
            if "not attached" not in str(err) or attempt == 9:
                raise
            locator.wait_for(state="attached", timeout=ms(15))


class Notebook:
    """Drive one open notebook with the keyboard, the way a learner does."""

    def __init__(self, page, start_seconds=30):
        self.page = page
        self.start_seconds = start_seconds  # how long a Shift+Enter may take to show ``[*]`` before it is pressed again

    def cell(self, i):
        return _scroll(self.page.locator(".jp-Notebook .jp-Cell").nth(i))

    def select(self, i):
        self.cell(i).locator(".jp-InputPrompt").first.click()
        self.page.keyboard.press("Escape")

    def prompt(self, i):
        return self.page.evaluate(_PROMPT, i)

    def wait_done(self, i, before, seconds=300):
        """Wait until cell ``i`` has run: a new execution count (not ``before``) and the kernel idle."""
        from playwright.sync_api import TimeoutError

        try:
            self.page.wait_for_function(_CELL_DONE, arg=[i, before], timeout=ms(seconds))
        except TimeoutError:
            pytest.fail(f"cell {i} did not finish within {ms(seconds) / 1000:.0f} s: {self.state(i)}")

    def state(self, i):
        """What the page shows about cell ``i`` and the kernel, for a failure message; a screenshot beside it."""
        folder = _screenshots_folder()
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"stuck-cell-{i}-{uuid.uuid4().hex[:6]}.png"
        self.page.screenshot(path=shot)
        status = self.page.evaluate("() => { const e = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                                    " return e ? e.getAttribute('data-status') : null; }")
        return f"prompt {self.prompt(i)!r}, kernel status {status!r}, screenshot {shot}"

    def wait_idle(self, seconds=300):
        self.page.wait_for_function(_BUSY, timeout=ms(seconds))
        self.page.wait_for_selector(_IDLE, timeout=ms(seconds))

    def run(self, i):
        """Shift+Enter on cell ``i`` (selected as a learner does) and wait until it has run.

        JupyterLab shows ``[*]`` the moment it queues a cell; a keystroke the page lost under load (a run at load 5
        waited 373 s on a cell of 01 that never started) is pressed again, never one that started the cell."""
        from playwright.sync_api import TimeoutError

        before = self.prompt(i)
        self.select(i)
        self.page.keyboard.press("Shift+Enter")
        for attempt in range(3):
            try:
                self.page.wait_for_function(_CELL_STARTED, arg=[i, before], timeout=ms(self.start_seconds))
                break
            except TimeoutError:
                if attempt == 2:
                    pytest.fail(f"cell {i} never started after Shift+Enter three times: {self.state(i)}")
                self.select(i)
                self.page.keyboard.press("Shift+Enter")
        self.wait_done(i, before)

    def type(self, i, text):
        self.select(i)
        self.page.keyboard.press("Enter")
        self.page.keyboard.press("Control+A")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def insert_below(self, i, text):
        self.select(i)
        self.page.keyboard.press("b")
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")
        self.run(i + 1)

    def output(self, i):
        return self.cell(i).locator(".jp-OutputArea")

    def output_text(self, i):
        return _rendered_text(self.output(i))


def _open(page, lab, name):
    page.goto(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=ms(120))
    page.wait_for_selector(_IDLE, timeout=ms(120))
    return Notebook(page)


def _dismiss_news(page):
    """JupyterLab asks once whether to fetch Jupyter news (a toast over the notebook); a learner says No."""
    toast = page.get_by_text("notified about official Jupyter news")
    if toast.count():
        page.get_by_role("button", name="No", exact=True).click()
        toast.first.wait_for(state="hidden", timeout=ms(30))  # gone, not just fading


def _answers(name):
    """{exercise cell index: the cell as a learner completes it} for every blank, from the solution notebook.

    Cells are matched by id: the exercise lacks the solution's test-only cells, so the indices differ.
    """
    sol = {c.id: c for c in nbformat.read(ROOT / "solutions" / name, as_version=4).cells}
    ex = nbformat.read(ROOT / "exercises" / name, as_version=4)
    assert all(c.id in sol for c in ex.cells), "exercises/ is out of sync: run python -m helpers exercises"
    marker = re.compile(r"^[ \t]*# (BEGIN SOLUTION|END SOLUTION|NBVAL_[A-Z_]+).*\n?", re.MULTILINE)
    return {i: marker.sub("", sol[c.id].source) for i, c in enumerate(ex.cells)
            if c.cell_type == "code" and "# BEGIN SOLUTION" in sol[c.id].source}


def _index(name, text):
    cells = nbformat.read(ROOT / "exercises" / name, as_version=4).cells
    return next(i for i, c in enumerate(cells) if c.cell_type == "code" and text in c.source)


_CONTRAST = """(box) => {
  const parse = s => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat(1); };
  const background = el => { const layers = [];
    for (let n = el; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : [255, 255, 255, 1];
    while (layers.length) bg = over(layers.pop(), bg); return bg; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = el => { const bg = background(el); const fg = over(parse(getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x); return (a + 0.05) / (b + 0.05); };
  const parts = [box.querySelector('.workshop-feedback-label'), ...box.querySelectorAll('span, code, pre')];
  return Math.min(...parts.filter(Boolean).map(ratio));
}"""


def _rendered_text(locator):
    """The text of an element once JupyterLab has rendered it (off-screen output has no text)."""
    _scroll(locator)
    locator.page.wait_for_function("e => e.innerText.trim().length > 0", arg=locator.element_handle(),
                                   timeout=ms(30))
    return locator.inner_text()


def _feedback(nb, cell, kind):
    """The feedback box of ``kind`` in the output of ``cell`` (which has run: see Notebook.wait_done)."""
    box = nb.output(cell).locator(f".workshop-feedback-{kind.replace(' ', '-')}")
    box.wait_for(state="attached", timeout=ms(60))
    _scroll(box)  # off-screen output is not rendered, and has no text
    box.wait_for(state="visible", timeout=ms(60))
    return box


# The theme's stylesheet is applied once the layout colour has the theme's lightness.
_THEME_APPLIED = """light => {
  const probe = document.createElement('div');
  probe.style.background = 'var(--jp-layout-color0)';
  document.body.appendChild(probe);
  const rgb = (getComputedStyle(probe).backgroundColor.match(/[\\d.]+/g) || []).map(Number);
  probe.remove();
  if (rgb.length < 3) return false;
  const lightness = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255;
  return light ? lightness > 0.5 : lightness < 0.5;
}"""


def _theme(page, name):
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    light = "Light" in name
    page.wait_for_selector(f"body[data-jp-theme-light='{str(light).lower()}']", state="attached", timeout=ms(30))
    page.wait_for_function(_THEME_APPLIED, arg=light, timeout=ms(30))


def test_warmup_in_jupyterlab(browser, lab, shots):
    name = "01_warmup.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = Problems(page)
    answers = _answers(name)
    q1_blank, q1_check = _index(name, "z = ____"), _index(name, "q1.check()")
    nb = _open(page, lab, name)
    page.screenshot(path=shots / "01-opened.png")
    from playwright.sync_api import expect

    exercises = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    expect(page.locator(".jp-DirListing-itemText", has_text=".ipynb")).to_have_count(len(exercises), timeout=ms(30))
    listed = page.locator(".jp-DirListing-itemText").all_inner_texts()
    assert sorted(n for n in listed if n.endswith(".ipynb")) == exercises
    for i in range(q1_blank):
        nb.run(i)
    assert "TensorFlow" in nb.output_text(_index(name, "device_report"))

    # a known-wrong answer: the incorrect box; then hint and solution
    wrong = nbformat.read(lab["root"] / name, as_version=4).cells[q1_blank].source.replace("____", "tf.zeros((1, 2))", 1)
    nb.type(q1_blank, wrong)
    nb.run(q1_blank)
    nb.run(q1_check)
    incorrect = _feedback(nb, q1_check, "incorrect")
    assert incorrect.locator(".workshop-feedback-label").inner_text() == "q1 · Incorrect"
    page.screenshot(path=shots / "01-incorrect.png")
    nb.insert_below(q1_check, "q1.hint()\nq1.solution()")
    hint, solution = _feedback(nb, q1_check + 1, "hint"), _feedback(nb, q1_check + 1, "solution")
    assert hint.inner_text().startswith("q1 · Hint:") and len(hint.inner_text()) > 20
    assert solution.inner_text().startswith("q1 · Solution") and "b_true" in solution.inner_text()

    # the right answer: the correct box; a wrong value passed explicitly keeps an incorrect box on the page
    nb.type(q1_blank, answers[q1_blank])
    nb.run(q1_blank)
    nb.run(q1_check)
    correct = _feedback(nb, q1_check, "correct")
    assert correct.locator(".workshop-feedback-label").inner_text() == "q1 · Correct"
    nb.insert_below(q1_check + 1, "q1.check(z=tf.zeros((1, 2)))  # a wrong value, passed explicitly")
    incorrect = _feedback(nb, q1_check + 2, "incorrect")
    offset = 2

    boxes = {"correct": correct, "incorrect": incorrect, "hint": hint, "solution": solution}
    contrast = {}
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        if theme != "JupyterLab Light":
            _theme(page, theme)
        contrast[theme] = {kind: box.evaluate(_CONTRAST) for kind, box in boxes.items()}
        _dismiss_news(page)
        correct.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.evaluate("document.querySelector('.jp-WindowedPanel-outer').scrollBy(0, -120)")
        page.screenshot(path=shots / f"01-feedback-{theme.split()[-1].lower()}.png")
        for kind, ratio in contrast[theme].items():
            assert ratio >= WCAG_AA, f"{kind} box: contrast {ratio:.2f} < {WCAG_AA} in {theme}"
    print("feedback contrast (lowest text part of each box):",
          {t: {k: round(v, 2) for k, v in r.items()} for t, r in contrast.items()})
    _theme(page, "JupyterLab Light")

    # the rest of the notebook, blanks filled in as a learner would: every check correct, figures render
    cells = nbformat.read(lab["root"] / name, as_version=4).cells
    for i in range(q1_check + 1, len(cells)):
        if i in answers:
            nb.type(i + offset, answers[i])
        nb.run(i + offset)
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":  # the title cell explains q1.check() in prose
            continue
        shown = i + offset if i > q1_check else i
        match = re.search(r"\b(q\d)\.check\(\)", cell.source)
        if match:
            label = _feedback(nb, shown, "correct").locator(".workshop-feedback-label").inner_text()
            assert label == f"{match.group(1)} · Correct"
        if "helpers.show(" in cell.source:
            img = nb.output(shown).locator("img").first
            _scroll(img)
            img.wait_for(state="visible", timeout=ms(30))
            assert img.evaluate("i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 100")
    page.screenshot(path=shots / "01-end.png")
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    problems.assert_none()
    page.close()


# Run All has finished when the last code cell shows an execution count; an error output ends it early.
_RUN_ALL_DONE = """last => {
  const error = document.querySelector(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']");
  if (error) return 'error: ' + error.innerText.slice(0, 2000);
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[last];
  const prompt = cell && cell.querySelector('.jp-InputPrompt');
  return prompt && /\\[\\d+\\]/.test(prompt.textContent) ? 'done' : false;
}"""


def test_a_lost_shift_enter_is_pressed_again_and_the_cell_runs_once(browser, lab):
    """The retry in ``Notebook.run``: the page drops the first Shift+Enter; the cell still runs, exactly once."""
    shutil.copy2(ROOT / "exercises" / "01_warmup.ipynb", lab["root"] / "lost-key.ipynb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    nb = _open(page, lab, "lost-key.ipynb")
    nb.start_seconds = 8  # scaled by the load like every deadline; a press that reached the page shows [*] long before
    real, dropped = page.keyboard.press, []

    def press(key, **kwargs):
        if key == "Shift+Enter" and not dropped:
            dropped.append(key)  # lost on the way, as under load
            return None
        return real(key, **kwargs)

    page.keyboard.press = press
    name = f"runs_{uuid.uuid4().hex[:8]}"
    nb.insert_below(0, f"{name} = globals().get({name!r}, 0) + 1\nprint({name})")
    try:
        assert dropped == ["Shift+Enter"]
        assert nb.output_text(1).strip() == "1", nb.output_text(1)
    finally:
        page.close()
        (lab["root"] / "lost-key.ipynb").unlink()  # the file listing other tests read holds the exercises only


def test_cnn_exercise_runs_to_the_end_in_jupyterlab(browser, lab, shots):
    """04, the heaviest exercise, in quick mode: blanks filled in, the parameters cell set to
    ``RUN_ALL_EPOCHS`` epochs as a learner would, then Run All Cells from the menu."""
    name = "04_cnn_mnist.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = Problems(page)
    nb = _open(page, lab, name)
    cells = nbformat.read(lab["root"] / name, as_version=4).cells
    params = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert re.search(r"^epochs = None\b", cells[params].source, re.MULTILINE), cells[params].source
    nb.type(params, re.sub(r"^epochs = None\b.*$", f"epochs = {RUN_ALL_EPOCHS}  # fewer than quick mode's, "
                           f"to keep the test short", cells[params].source, count=1, flags=re.MULTILINE))
    for i, text in _answers(name).items():
        nb.type(i, text)
    fit = _index(name, "model.fit(")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # training progress renders while fit is still running
    progress = nb.output(fit).locator(".jp-OutputArea-output", has_text=re.compile(r"Epoch 1/\d+"))
    progress.wait_for(state="visible", timeout=ms(300))
    running = nb.cell(fit).locator(".jp-InputPrompt").inner_text()
    page.screenshot(path=shots / "04-training.png")
    assert "*" in running, f"progress appeared only after fit finished (prompt {running!r})"
    last = max(i for i, c in enumerate(cells) if c.cell_type == "code")
    outcome = page.wait_for_function(_RUN_ALL_DONE, arg=last, timeout=ms(600)).json_value()
    assert outcome == "done", outcome
    nb.wait_idle()
    page.screenshot(path=shots / "04-end.png")
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    epochs = re.findall(r"Epoch (\d+)/(\d+)", nb.output_text(fit))
    assert epochs and epochs[-1] == (str(RUN_ALL_EPOCHS),) * 2, f"training did not run {RUN_ALL_EPOCHS} epochs: {epochs}"
    labels = []
    for label in page.locator(".workshop-feedback-label").all():
        labels.append(_rendered_text(label))
    checks = sorted(set(re.findall(r"\b(q\d)\.check\(\)", "\n".join(c.source for c in cells))))
    assert sorted(text.split(" · ")[0] for text in labels) == checks, (labels, checks)
    assert all(text.endswith(" · Correct") for text in labels), labels
    problems.assert_none()
    page.close()


# -- lectures, as an instructor shows them -------------------------------------------------------------------------

_SLIDE_REPORT = r"""async (limits) => {
  const R = window.Reveal, cfg = R.getConfig(), report = [];
  R.configure({transition: 'none', backgroundTransition: 'none'});
  await document.fonts.ready;
  // the template re-renders a slide's formulas through MathJax's queue when the slide is shown: wait for it
  const typeset = () => new Promise(done => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(done) : done());
  const frame = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const label = el => ((el.innerText || el.textContent || el.tagName) + '').trim().replace(/\s+/g, ' ').slice(0, 40);
  const inside = (r, b) => r.left >= b.left - 1 && r.top >= b.top - 1 && r.right <= b.right + 1 && r.bottom <= b.bottom + 1;
  const meets = (r, b) => r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top;
  const MATH = '.MathJax_CHTML, .MathJax_Display, .MathJax_Preview, mjx-container';
  const CODE = 'pre, code, kbd, samp, .highlight, .jp-InputArea-editor, .jp-OutputArea';
  for (const slide of R.getSlides()) {
    const ix = R.getIndices(slide);
    R.slide(ix.h, ix.v, 1000);  // every fragment shown
    await typeset(); await frame();
    const scale = R.getScale(), sb = document.querySelector('.reveal .slides').getBoundingClientRect();
    const box = {left: sb.left, top: sb.top, right: sb.left + cfg.width * scale, bottom: sb.top + cfg.height * scale};
    // reveal's four arrows, whether or not this slide enables them (.controls itself is a 0x0 anchor)
    const arrows = Array.from(document.querySelectorAll('.reveal .controls button')).map(b => b.getBoundingClientRect())
      .filter(r => r.width > 0);
    const problems = [], sizes = {body: Infinity, code: Infinity};
    const shown = Array.from(slide.children).filter(el => !el.matches('aside.notes'));
    const ink = [];  // what a viewer sees: text lines, images, formulas, filled boxes
    for (const root of shown) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || el.closest('script, style, .MathJax_Preview')) continue;
        if (getComputedStyle(el).visibility === 'hidden') continue;
        const range = document.createRange(); range.selectNodeContents(node);
        const rects = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
        if (!rects.length) continue;
        rects.forEach(r => ink.push([r, label(el)]));
        const math = el.closest(MATH);
        const sized = math ? (math.closest('.MathJax_CHTML') || math) : el;  // a formula counts at its base size
        const kind = sized.closest(CODE) ? 'code' : 'body', px = parseFloat(getComputedStyle(sized).fontSize);
        sizes[kind] = Math.min(sizes[kind], px);
        if (px < limits[kind]) problems.push(`${kind} text ${px}px < ${limits[kind]}px: ${label(sized)}`);
      }
      for (const el of [root, ...root.querySelectorAll('*')]) {
        const r = el.getBoundingClientRect(), st = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || st.visibility === 'hidden') continue;
        if (!inside(r, box) && !el.closest(MATH))
          problems.push(`runs off the slide (to ${Math.round((r.bottom - box.top) / scale)} px down): ${label(el)}`);
        // a formula as a whole (the glyph boxes inside it are left out above): a display too wide for the slide
        if (el.matches('.MathJax_CHTML, .MathJax_Display') && !inside(r, box))
          problems.push(`formula runs off the slide (to ${Math.round((r.right - box.left) / scale)} px across, ` +
                        `${Math.round((r.bottom - box.top) / scale)} px down): ${label(el)}`);
        if (el.matches('img, svg, canvas, video, .MathJax_CHTML, .MathJax_Display') ||
            (el !== root && st.backgroundColor.replace(/\s/g, '') !== 'rgba(0,0,0,0)')) ink.push([r, label(el)]);
        if (el.closest(MATH)) continue;
        if ((el.scrollWidth > el.clientWidth + 1 && st.overflowX !== 'visible') ||
            (el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1 && st.overflowY !== 'visible'))
          problems.push('cut off inside its box: ' + label(el));
      }
    }
    const under = ink.find(([r]) => arrows.some(a => meets(r, a)));
    if (under) problems.push('under the navigation arrows: ' + under[1]);
    const text = shown.map(el => el.innerText).join('\n');
    if (/NBVAL/.test(text)) problems.push('shows an NBVAL marker');
    if (/(In|Out)\s*\[\s*\d*\s*\]:/.test(text)) problems.push('shows an In/Out prompt');
    const notes = slide.querySelector('aside.notes');
    report.push({h: ix.h, v: ix.v, title: label(slide.querySelector('h1, h2, h3') || slide), sizes,
                 table: !!slide.querySelector('table'), code: !!slide.querySelector('.jp-InputArea-editor pre'),
                 notes: notes ? notes.innerText.trim().length : 0, problems: [...new Set(problems)]});
  }
  return report;
}"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    from helpers.tools import slides

    out = tmp_path_factory.mktemp("slides")
    slides.build(out_dir=out, log=lambda line: None)
    return out


@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.stem)
def test_offline_deck(browser, decks, shots, lecture):
    """Every slide at 1280x720, measured in Chromium after MathJax has typeset it: body text >= 28 px and code
    and output >= 22 px (computed style of every text node's element, tables included; a formula counts at its
    base size), no element outside the slide or clipped inside its box (a formula counted as a whole), nothing a
    viewer sees under reveal's navigation arrows, no test marker or prompt, speaker notes on every slide."""
    from helpers.tools.slides import slide_count

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems, outside = Problems(page), []
    page.route(re.compile(r"^https?://"), lambda route: (outside.append(route.request.url), route.abort()))
    page.goto((decks / f"{lecture.stem}.slides.html").as_uri())
    page.wait_for_function("window.Reveal && window.Reveal.isReady()", timeout=ms(30))
    page.wait_for_function("!window.MathJax || (MathJax.Hub && MathJax.Hub.queue.pending === 0)", timeout=ms(30))
    expected = slide_count(nbformat.read(lecture, as_version=4))
    assert page.evaluate("Reveal.getTotalSlides()") == expected
    if page.locator(".reveal .slides").inner_text().count("$") > 0:
        assert page.locator(".MathJax_CHTML, .mjx-chtml").count() > 0, "the formulas were not typeset"
    report = page.evaluate(_SLIDE_REPORT, TEXT_PX)
    for kind, wanted in (("title", lambda r: (r["h"], r["v"]) == (0, 0)), ("table", lambda r: r["table"]),
                         ("code", lambda r: r["code"] and not r["problems"])):
        first = next((r for r in report if wanted(r)), None)
        if first:
            page.evaluate("([h, v]) => Reveal.slide(h, v, 1000)", [first["h"], first["v"]])
            page.evaluate("() => new Promise(done => window.MathJax ? MathJax.Hub.Queue(done) : done())")
            page.screenshot(path=shots / f"deck-{lecture.stem}-{kind}.png")
    assert not outside, f"the deck asked the network for {outside}"
    print(f"{lecture.stem}: {len(report)} slides, smallest body text {min(r['sizes']['body'] for r in report)} px, "
          f"smallest code {min(r['sizes']['code'] for r in report)} px")
    silent = [f"slide {r['h']}.{r['v']} {r['title']!r}" for r in report if r["notes"] < 40]
    assert not silent, "slides without speaker notes:\n" + "\n".join(silent)
    problems.assert_none()
    page.close()
    bad = [f"slide {r['h']}.{r['v']} {r['title']!r}: {'; '.join(r['problems'][:4])}" for r in report if r["problems"]]
    assert not bad, "slides that do not fit or show test markers:\n" + "\n".join(bad)


# -- live slides (RISE) --------------------------------------------------------------------------------------------

# RISE 0.43 on JupyterLab 4.6 logs "RangeError: Maximum call stack size exceeded" while it builds the deck (also
# for a two-cell notebook) and looks for an optional <notebook>.css next to the notebook; neither affects the
# slides. (rise.css is there: notebooks/rise.css.)
_RISE_NOISE = (r"RangeError: Maximum call stack size exceeded", r"/files/(rise|L\d_\w+)\.css",
               r"Refused to apply style from .*/files/(rise|L\d_\w+)\.css")
_RISE_LECTURE = ROOT / "notebooks" / "L1_neurons_activations.ipynb"


def _serve_lecture(lab, lecture=_RISE_LECTURE):
    """Put a lecture where the lab serves it, with the RISE files the lectures' folder holds."""
    for path in (lecture, lecture.parent / "rise.css", lecture.parent / "rise.js"):
        shutil.copy2(path, lab["root"] / path.name)
    return lecture.name


def _wait_for_rise_js(page):
    """Wait until notebooks/rise.js has run in a RISE slideshow (it marks <body> when done)."""
    from playwright.sync_api import TimeoutError

    try:
        page.locator("body[data-workshop-rise='ready']").wait_for(state="attached", timeout=ms(60))
    except TimeoutError:
        pytest.fail("notebooks/rise.js did not run in the slideshow. Fix: the lecture's `rise.overlay` metadata "
                    "loads it (see the README, Lectures and slides), and rise.js must sit beside the notebook.")


# Text that RISE shows on the slides (cells that are not skipped, not notes, not hidden editors) smaller than the
# limits, and nbval markers that are displayed.
_RISE_REPORT = r"""(limits) => {
  const small = [], markers = [];
  const MATH = 'mjx-container', CODE = 'pre, code, .jp-InputArea-editor, .jp-OutputArea';
  const cells = Array.from(document.querySelectorAll('.reveal .slides .jp-Cell'))
    .filter(c => !c.classList.contains('reveal-skip') && !c.closest('aside'));
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!node.textContent.trim() || el.closest('script, style, .lm-mod-hidden, .jp-InputPrompt, .jp-OutputPrompt, mjx-assistive-mml'))
        continue;
      const line = el.closest('.cm-line');
      if (line && getComputedStyle(line).display === 'none') continue;  // a hidden test marker
      const sized = el.closest(MATH) || el, kind = sized.closest(CODE) ? 'code' : 'body';
      const px = parseFloat(getComputedStyle(sized).fontSize);
      if (px < limits[kind]) small.push(`${kind} ${px}px: ${node.textContent.trim().slice(0, 40)}`);
    }
    for (const line of cell.querySelectorAll('.cm-line'))
      if (/NBVAL/.test(line.textContent) && getComputedStyle(line).display !== 'none') markers.push(line.textContent.trim());
  }
  return {cells: cells.length, small: [...new Set(small)].slice(0, 10), markers};
}"""


def test_rise_toolbar_button_opens_a_preview_beside_the_notebook(browser, lab, shots):
    """What the README says the notebook toolbar's RISE button does: a slideshow preview in a panel to the
    right of the notebook, inside JupyterLab (no new browser tab)."""
    name = _serve_lecture(lab)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems, outside = Problems(page, allow=_RISE_NOISE), []
    page.route(lambda url: not url.startswith(lab["base"]), lambda route: (outside.append(route.request.url), route.abort()))
    _open(page, lab, name)
    button = page.locator(".jp-NotebookPanel-toolbar [data-command='RISE:preview']")
    assert button.get_attribute("title").startswith("Render the current notebook as Reveal Slideshow")
    notebook = page.locator(".jp-NotebookPanel").first.bounding_box()
    button.click()
    frame = page.locator(f".jp-MainAreaWidget iframe[src*='/rise/{name}']")
    frame.wait_for(state="visible", timeout=ms(60))
    frame.content_frame.locator(".reveal .slides section").first.wait_for(state="attached", timeout=ms(120))
    _wait_for_rise_js(frame.content_frame)
    preview = frame.bounding_box()
    assert preview["x"] >= notebook["x"] + notebook["width"] / 3, (notebook, preview)  # beside, to the right
    assert len(context.pages) == 1, "the toolbar button opened a browser tab"
    page.screenshot(path=shots / "rise-toolbar-preview.png")
    assert not outside, f"RISE asked the network for {outside}"
    problems.assert_none()
    context.close()


def test_live_slides_with_rise(browser, lab, shots):
    """A lecture as live RISE slides at 1280x720, offline: formulas typeset, type as large as the decks', no nbval
    marker displayed, and the speaker view shows the first slide's notes rendered once, without a slide change."""
    name = _serve_lecture(lab)
    nb = nbformat.read(_RISE_LECTURE, as_version=4)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems, outside = Problems(page, allow=_RISE_NOISE), []
    context.route(lambda url: not url.startswith(lab["base"]) and url != "about:blank",
                  lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(f"{lab['base']}/rise/{name}?token={lab['token']}")
    page.wait_for_selector(".reveal .slides section", state="attached", timeout=ms(120))
    _wait_for_rise_js(page)
    page.wait_for_selector(".reveal .slides mjx-container", state="attached", timeout=ms(60))  # formulas, offline
    assert page.locator(".reveal .slides > section").count() == sum(
        c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in nb.cells)
    report = page.evaluate(_RISE_REPORT, TEXT_PX)
    assert report["cells"] > 10 and not report["small"], report
    checked = sum(c.cell_type == "code" and c.source.startswith("# NBVAL_") for c in nb.cells
                  if c.metadata.get("slideshow", {}).get("slide_type") != "skip")
    assert checked and page.locator(".workshop-marked").count() == checked
    assert not report["markers"], f"nbval markers shown on the slides: {report['markers']}"
    # a slide with a checked cell, as the room sees it
    slide = page.locator(".reveal .slides section section:has(.workshop-marked)").first.get_attribute("id")
    page.evaluate("id => { location.hash = '#/' + id; }", slide)
    page.wait_for_selector(f"section#{slide}.present", timeout=ms(30))
    assert "NBVAL" not in page.locator(f"section#{slide}").inner_text()
    page.screenshot(path=shots / "rise-checked-cell.png")
    page.evaluate("() => { location.hash = '#/slide-0-0'; }")
    page.wait_for_selector("section#slide-0-0.present", timeout=ms(30))
    page.screenshot(path=shots / "rise-title.png")

    # the speaker view (key t), opened on the first slide and left there
    page.locator(".jp-Notebook").first.focus()
    with context.expect_page(timeout=ms(30)) as opened:
        page.keyboard.press("t")
    speaker = opened.value
    notes = speaker.locator(".speaker-controls-notes .value")
    speaker.wait_for_function("e => e.innerText.trim().length > 0", arg=notes.element_handle(timeout=ms(60)),
                              timeout=ms(120))
    first_notes = next(c.source for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes")
    words = re.sub(r"^>\s*\*\*Speaker notes\.\*\*\s*", "", first_notes).split(". ")[0]
    text = notes.inner_text()
    assert text.count(words) == 1, f"the first slide's notes are not shown exactly once: {text[:400]!r}"
    assert "**" not in text and not text.lstrip().startswith(">"), f"raw Markdown in the notes: {text[:200]!r}"
    assert notes.locator("strong", has_text="Speaker notes.").count() == 1, "the notes are not rendered"
    assert page.locator("section#slide-0-0.present").count() == 1, "the slide changed"
    speaker.screenshot(path=shots / "rise-speaker-view.png")
    assert not outside, f"RISE asked the network for {outside}"
    problems.assert_none()
    context.close()
