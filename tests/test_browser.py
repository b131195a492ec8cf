"""The kit in a real browser: JupyterLab as a learner uses it, lecture decks as an instructor shows them.

Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) driven by
Playwright (``requirements-test.txt``).  All tests in this file share one
JupyterLab server and one browser, so ``pytest -n 2 --dist loadfile`` keeps
them on one worker.  A page fails its test on any console error, uncaught
exception, failed request or HTTP error from the lab.

Screenshots of the key states go to ``build/screenshots/`` (or
``$WORKSHOP_SCREENSHOTS``); the folder is printed at the end of the run.
"""

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

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
LECTURES = sorted((ROOT / "notebooks").glob("L*.ipynb"))
WCAG_AA = 4.5

pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def shots():
    folder = Path(os.environ.get("WORKSHOP_SCREENSHOTS") or ROOT / "build" / "screenshots")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    print(f"\nbrowser screenshots: {folder} ({len(list(folder.glob('*.png')))} files)")


@pytest.fixture(scope="module")
def browser():
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
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}: {(tmp / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 120 s")
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


# -- JupyterLab, as a learner --------------------------------------------------------------------------------------

_BUSY = "!Array.from(document.querySelectorAll('.jp-InputPrompt')).some(e => e.textContent.includes('*'))"


def _scroll(locator):
    """Scroll an element into view; JupyterLab renders off-screen cells lazily and re-attaches cells as it
    renders, so an element can be replaced mid-scroll: then look it up again."""
    from playwright.sync_api import Error

    for attempt in range(10):
        try:
            locator.scroll_into_view_if_needed(timeout=15_000)
            return locator
        except Error as err:
            if "not attached" not in str(err) or attempt == 9:
                raise
            locator.page.wait_for_timeout(300)


class Notebook:
    """Drive one open notebook with the keyboard, the way a learner does."""

    def __init__(self, page):
        self.page = page

    def cell(self, i):
        return _scroll(self.page.locator(".jp-Notebook .jp-Cell").nth(i))

    def select(self, i):
        self.cell(i).locator(".jp-InputPrompt").first.click()
        self.page.keyboard.press("Escape")

    def wait_idle(self, timeout=300_000):
        self.page.wait_for_function(_BUSY, timeout=timeout)
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)

    def run(self, i):
        self.select(i)
        self.page.keyboard.press("Shift+Enter")
        self.wait_idle()

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
        self.page.keyboard.press("Shift+Enter")
        self.wait_idle()

    def output(self, i):
        return self.cell(i).locator(".jp-OutputArea")

    def output_text(self, i):
        return _rendered_text(self.output(i))


def _open(page, lab, name):
    page.goto(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    return Notebook(page)


def _dismiss_news(page):
    """JupyterLab asks once whether to fetch Jupyter news (a toast over the notebook); a learner says No."""
    if page.get_by_text("notified about official Jupyter news").count():
        page.get_by_role("button", name="No", exact=True).click()
        page.wait_for_timeout(800)  # the toast slides away


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
                                   timeout=10_000)
    return locator.inner_text()


def _feedback(nb, cell, kind):
    box = nb.output(cell).locator(f".workshop-feedback-{kind.replace(' ', '-')}")
    box.wait_for(state="attached", timeout=30_000)
    _scroll(box)  # off-screen output is not rendered, and has no text
    box.wait_for(state="visible", timeout=30_000)
    return box


def _theme(page, name):
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    light = "true" if "Light" in name else "false"
    page.wait_for_selector(f"body[data-jp-theme-light='{light}']", state="attached", timeout=30_000)
    page.wait_for_timeout(500)  # let the new theme's CSS apply


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
    expect(page.locator(".jp-DirListing-itemText", has_text=".ipynb")).to_have_count(len(exercises), timeout=30_000)
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
            img.wait_for(state="visible")
            assert img.evaluate("i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 100")
    page.screenshot(path=shots / "01-end.png")
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    problems.assert_none()
    page.close()


def test_cnn_exercise_runs_to_the_end_in_jupyterlab(browser, lab, shots):
    """04, the heaviest exercise, in quick mode: blanks filled in, Run All Cells from the menu."""
    name = "04_cnn_mnist.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = Problems(page)
    nb = _open(page, lab, name)
    for i, text in _answers(name).items():
        nb.type(i, text)
    fit = _index(name, "model.fit(")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # training progress renders while fit is still running
    progress = nb.output(fit).locator(".jp-OutputArea-output", has_text=re.compile(r"Epoch 1/\d+"))
    progress.wait_for(state="visible", timeout=300_000)
    running = nb.cell(fit).locator(".jp-InputPrompt").inner_text()
    page.screenshot(path=shots / "04-training.png")
    assert "*" in running, f"progress appeared only after fit finished (prompt {running!r})"
    cells = nbformat.read(lab["root"] / name, as_version=4).cells
    last = max(i for i, c in enumerate(cells) if c.cell_type == "code")
    deadline = time.monotonic() + 600
    while not re.search(r"\[\d+\]", nb.cell(last).locator(".jp-InputPrompt").inner_text()):
        assert time.monotonic() < deadline, "Run All Cells did not reach the last cell within 10 minutes"
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0, \
            page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").first.inner_text()
        page.wait_for_timeout(1000)
    nb.wait_idle()
    page.screenshot(path=shots / "04-end.png")
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    epochs = re.findall(r"Epoch (\d+)/(\d+)", nb.output_text(fit))
    assert epochs and epochs[-1][0] == epochs[-1][1], f"training did not finish: {epochs}"
    labels = []
    for label in page.locator(".workshop-feedback-label").all():
        labels.append(_rendered_text(label))
    checks = sorted(set(re.findall(r"\b(q\d)\.check\(\)", "\n".join(c.source for c in cells))))
    assert sorted(text.split(" · ")[0] for text in labels) == checks, (labels, checks)
    assert all(text.endswith(" · Correct") for text in labels), labels
    problems.assert_none()
    page.close()


# -- lectures, as an instructor shows them -------------------------------------------------------------------------

_SLIDE_REPORT = r"""() => {
  const R = window.Reveal, cfg = R.getConfig(), report = [];
  R.configure({transition: 'none', backgroundTransition: 'none'});
  for (const slide of R.getSlides()) {
    const ix = R.getIndices(slide);
    R.slide(ix.h, ix.v, 1000);  // every fragment shown
    const box = document.querySelector('.reveal .slides').getBoundingClientRect(), scale = R.getScale();
    const right = box.left + cfg.width * scale + 2, bottom = box.top + cfg.height * scale + 2, problems = [];
    const shown = Array.from(slide.children).filter(el => !el.matches('aside.notes'));
    const text = shown.map(el => el.innerText).join('\n');
    if (/NBVAL/.test(text)) problems.push('shows an NBVAL marker');
    if (/(In|Out)\s*\[\s*\d*\s*\]:/.test(text)) problems.push('shows an In/Out prompt');
    for (const root of shown) for (const el of [root, ...root.querySelectorAll('*')]) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.bottom > bottom || r.right > right)
        if (!el.closest('.MathJax_CHTML') || el.matches('.MathJax_CHTML')) problems.push('runs off the slide: ' + (el.innerText || el.tagName).slice(0, 50).replace(/\s+/g, ' '));
      if (el.closest('.MathJax_CHTML, .MathJax_Display')) continue;  // typeset formulas: checked by their box above
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        problems.push('cut off on the right: ' + (el.innerText || el.tagName).slice(0, 50).replace(/\s+/g, ' '));
    }
    const notes = slide.querySelector('aside.notes');
    report.push({h: ix.h, v: ix.v, title: (slide.querySelector('h1, h2, h3') || {}).innerText || '',
                 notes: notes ? notes.innerText.trim().length : 0, problems: [...new Set(problems)].slice(0, 3)});
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
    from helpers.tools.slides import slide_count

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems, outside = Problems(page), []
    page.route(re.compile(r"^https?://"), lambda route: (outside.append(route.request.url), route.abort()))
    page.goto((decks / f"{lecture.stem}.slides.html").as_uri())
    page.wait_for_function("window.Reveal && window.Reveal.isReady()", timeout=30_000)
    page.wait_for_function("!window.MathJax || (MathJax.Hub && MathJax.Hub.queue.pending === 0)", timeout=30_000)
    expected = slide_count(nbformat.read(lecture, as_version=4))
    assert page.evaluate("Reveal.getTotalSlides()") == expected
    if page.locator(".reveal .slides").inner_text().count("$") > 0:
        assert page.locator(".MathJax_CHTML, .mjx-chtml").count() > 0, "the formulas were not typeset"
    report = page.evaluate(_SLIDE_REPORT)
    page.evaluate("Reveal.slide(0, 0)")
    page.screenshot(path=shots / f"deck-{lecture.stem}-title.png")
    assert not outside, f"the deck asked the network for {outside}"
    bad = [f"slide {r['h']}.{r['v']} {r['title']!r}: {'; '.join(r['problems'])}" for r in report if r["problems"]]
    assert not bad, "slides that do not fit or show test markers:\n" + "\n".join(bad)
    silent = [f"slide {r['h']}.{r['v']} {r['title']!r}" for r in report if r["notes"] < 40]
    assert not silent, "slides without speaker notes:\n" + "\n".join(silent)
    problems.assert_none()
    page.close()


# RISE 0.43 on JupyterLab 4.6 logs "RangeError: Maximum call stack size exceeded" while it builds the deck (also
# for a two-cell notebook) and looks for optional rise.css / <notebook>.css files; neither affects the slides.
_RISE_NOISE = (r"RangeError: Maximum call stack size exceeded", r"/files/(rise|L\d_\w+)\.css",
               r"Refused to apply style from .*/files/(rise|L\d_\w+)\.css")


def test_live_slides_with_rise(browser, lab, shots):
    lecture = LECTURES[0]
    shutil.copy2(lecture, lab["root"] / lecture.name)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems, outside = Problems(page, allow=_RISE_NOISE), []
    page.route(lambda url: not url.startswith(lab["base"]),
               lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(f"{lab['base']}/rise/{lecture.name}?token={lab['token']}")
    page.wait_for_selector(".reveal .slides section", timeout=120_000)
    page.wait_for_selector(".reveal .slides mjx-container", timeout=60_000)  # formulas typeset, offline
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)
    page.screenshot(path=shots / "rise-slide-2.png")
    nb = nbformat.read(lecture, as_version=4)
    assert page.locator(".reveal .slides > section").count() == sum(
        c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in nb.cells)
    assert not outside, f"RISE asked the network for {outside}"
    problems.assert_none()
    page.close()
