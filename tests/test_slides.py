"""Lecture notebooks make readable offline decks: slide metadata, speaker notes, no test markers, local assets.

The browser side (reveal.js starts with the network blocked, type sizes, nothing overflows a slide or lies under
the navigation arrows, live RISE slides) is in test_browser.py.
"""

import hashlib
import re
from pathlib import Path

import nbformat
import pytest

from helpers.errors import DownloadError, OutputNotWritableError
from helpers.tools import slides

ROOT = Path(__file__).resolve().parent.parent
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


def ids(p):
    return p.stem


def _kind(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type")


def _slides(nb):
    """The cells of each slide (a new one at every slide or subslide cell), after the deck's clean-up."""
    groups = []
    for cell in slides.clean_notebook(nb).cells:
        if _kind(cell) in ("slide", "subslide"):
            groups.append([])
        if groups:
            groups[-1].append(cell)
    return groups


def test_six_numbered_lectures():
    assert [p.name[:3] for p in LECTURES] == ["L1_", "L2_", "L3_", "L4_", "L5_", "L6_"]


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_every_cell_carries_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    kinds = [_kind(c) for c in nb.cells]
    assert set(kinds) <= TYPES, f"unknown or missing slide types: {set(kinds) - TYPES}"
    assert kinds[0] == "slide", "the title cell opens the deck"
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert params.metadata["slideshow"]["slide_type"] == "skip", "the parameters cell is not shown"
    assert kinds.count("slide") >= 8, "a lecture has at least 8 slides"
    assert nb.metadata.get("celltoolbar") == "Slideshow"
    assert nb.metadata.get("rise", {}).get("theme") == "white", "RISE's default theme loads fonts from Google"
    assert nb.metadata["rise"].get("scroll") is True, "RISE scrolls slides taller than the window"
    assert "docs/notation.md" in nb.cells[0].source, "the title cell links the notation page"
    for cell in nb.cells:  # hidden test cells never reach a slide
        if "remove-cell" in cell.metadata.get("tags", []):
            assert _kind(cell) == "skip", f"cell {cell.id} is tagged remove-cell but is on a slide"


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_every_slide_has_speaker_notes(path):
    nb = nbformat.read(path, as_version=4)
    groups = _slides(nb)
    assert len(groups) == slides.slide_count(nb)
    for group in groups:
        title = next((c.source.splitlines()[0] for c in group if c.cell_type == "markdown"), group[0].source[:40])
        notes = [c.source for c in group if _kind(c) == "notes"]
        assert notes and len(" ".join(notes)) >= 150, f"slide {title!r} has no real speaker notes: {notes}"


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_key_points_close_the_lecture(path):
    nb = nbformat.read(path, as_version=4)
    key = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## Key points")]
    assert len(key) == 1, "one 'Key points' slide"
    bullets = [line for line in key[0].source.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5, f"3-5 key points, found {len(bullets)}"


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_offline_deck_holds_the_expected_slides(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    html = slides.export_deck(path, tmp_path).read_text()
    shown = slides.clean_notebook(nb).cells
    kinds = [_kind(c) for c in shown]
    deck = html[html.index('<div class="slides">'):]
    # reveal.js: one outer <section> per slide, one inner <section> per slide and per subslide
    assert deck.count("<section") == 2 * kinds.count("slide") + kinds.count("subslide")
    assert deck.count('<div class="fragment">') == kinds.count("fragment")
    assert deck.count('<aside class="notes">') == kinds.count("notes")
    on_slides = set(re.findall(r'id="cell-id=([^"]+)"', deck))
    kept = {c.id for c in shown}
    for cell in nb.cells:
        assert (cell.id in on_slides) == (_kind(cell) != "skip" and cell.id in kept), f"cell {cell.id} shown wrongly"
        for out in cell.get("outputs", []):  # every figure made it into the deck
            if "image/png" in out.get("data", {}) and _kind(cell) != "skip":
                assert out["data"]["image/png"][:40] in deck
    assert "NBVAL" not in deck, "test markers on a slide"
    assert "jp-InputPrompt" not in deck and "jp-OutputPrompt" not in deck, "In [n]: prompts on slides"
    for cell in shown:  # plotting and extra code show their output only
        if slides.hides_input(cell) and _kind(cell) != "skip":
            first_line = cell.source.splitlines()[0]
            assert f'id="cell-id={cell.id}"' in deck and "jp-Cell-inputWrapper" not in _cell_html(deck, cell.id), \
                f"the input of {first_line!r} is on a slide"
    # everything the deck loads is local: no http(s) in src= or href= except the notation link and keras.io pointers
    remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert all(not url.endswith((".js", ".css", ".mjs")) for url in remote), remote
    for key, url in slides.ASSET_URLS.items():
        assert url in html, f"{key} does not point at the local copy"


def _cell_html(deck, cell_id):
    start = deck.index(f'id="cell-id={cell_id}"')
    nxt = deck.find('id="cell-id=', start + 10)
    return deck[start:nxt if nxt > 0 else None]


def test_assets_are_verified_against_the_lock_file(tmp_path, npm_mirror, env):
    pins = slides.locked_packages()
    assert set(pins) == {"reveal.js", "requirejs", "jquery", "mathjax"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", p["sha256"]) and p["size"] > 0 for p in pins.values())
    pin = pins["jquery"]
    fake = tmp_path / f"jquery-{pin['version']}.tgz"
    fake.write_bytes(b"not the real tarball")  # a damaged cached copy is replaced, never used
    assert slides.fetch_assets(tmp_path, names=["jquery"])["jquery"].read_bytes() == npm_mirror.files[fake.name]
    npm_mirror.files[fake.name] = b"tampered" + npm_mirror.files[fake.name][8:]
    fake.unlink()
    with pytest.raises(DownloadError, match=pin["sha256"]):  # the mirror's file differs from the lock file
        slides.fetch_assets(tmp_path, names=["jquery"])
    assert not fake.exists() and not list(tmp_path.glob(".*.part"))


# Issue 24 and issue 23 §2: one downloader; what is installed is verified; no writes through links.

SMALL = ("jquery", "requirejs")
CACHED = ROOT / "build" / "slides-npm"  # filled by `make test` (`helpers slides --fetch-only`) before pytest


@pytest.fixture
def tarballs():
    found = {name: CACHED / f"{name}-{pin['version']}.tgz" for name, pin in slides.locked_packages().items()}
    if not all(path.is_file() for path in found.values()):
        pytest.skip(f"the npm tarballs are not in {CACHED}: run `python -m helpers slides --fetch-only` first")
    return found


@pytest.fixture
def npm_mirror(tarballs, env):
    """A loopback mirror holding the small tarballs; the npm registry itself points at a closed port."""
    from mirror import Mirror

    server = Mirror()
    for name in SMALL:
        server.add(tarballs[name].name, tarballs[name].read_bytes())
    env.setenv("WORKSHOP_MIRROR", server.url)
    env.setenv("npm_config_registry", "http://127.0.0.1:9")
    yield server
    server.close()


def test_tarballs_come_through_the_kits_downloader(tmp_path, npm_mirror, tarballs):
    got = slides.fetch_assets(tmp_path / "cache", names=list(SMALL))
    for name in SMALL:
        assert got[name].read_bytes() == tarballs[name].read_bytes() and npm_mirror.hits[tarballs[name].name] == 1
    assert slides.fetch_assets(tmp_path / "cache", names=list(SMALL)) == got  # verified copies are reused
    assert all(npm_mirror.hits[tarballs[name].name] == 1 for name in SMALL)


def test_a_read_only_kit_keeps_the_npm_cache_in_the_users_cache(tmp_path, env, monkeypatch):
    from helpers import config

    kit = tmp_path / "kit"
    (kit / "solutions").mkdir(parents=True)
    (kit / "build").write_text("a file where build/ would go: nothing can be written under it")
    monkeypatch.setenv("WORKSHOP_KIT_DIR", str(kit))
    assert slides.npm_cache() == config.cache_dir() / "slides-npm"
    monkeypatch.setenv("WORKSHOP_KIT_DIR", str(ROOT))
    assert slides.npm_cache() == ROOT / "build" / "slides-npm"


def _small(tarballs):
    return {name: tarballs[name] for name in SMALL}


def test_a_tampered_installed_asset_is_rebuilt_not_kept(tmp_path, tarballs):
    slides.copy_assets(_small(tarballs), tmp_path)
    installed = tmp_path / "assets" / "jquery" / "dist" / "jquery.min.js"
    good = installed.read_bytes()
    installed.write_bytes(b"alert('tampered');")
    (tmp_path / "assets" / "requirejs" / "planted.js").write_text("extra")
    slides.copy_assets(_small(tarballs), tmp_path)
    assert installed.read_bytes() == good and not (tmp_path / "assets" / "requirejs" / "planted.js").exists()


def test_assets_are_never_written_through_a_link(tmp_path, tarballs):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("someone else's")
    out = tmp_path / "slides"
    (out / "assets").mkdir(parents=True)
    (out / "assets" / "jquery").symlink_to(outside)
    slides.copy_assets(_small(tarballs), out)
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not (out / "assets" / "jquery").is_symlink() and (out / "assets" / "jquery" / "dist" / "jquery.min.js").is_file()


def test_out_that_is_a_link_to_a_file_is_a_typed_error(tmp_path, tarballs):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    out = tmp_path / "slides"
    out.symlink_to(target)
    with pytest.raises(OutputNotWritableError, match=r"--out .*slides.*Fix:"):
        slides.copy_assets(_small(tarballs), out)
    assert target.read_text() == "mine"


def test_deck_cleanup_strips_markers_and_hides_plot_code():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)"),
        nbformat.v4.new_code_cell("plt.plot([1, 2])\nhelpers.show('x')"),
        nbformat.v4.new_code_cell("# extra code – labels\nax.set_xlabel('x')"),
        nbformat.v4.new_code_cell("assert True", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("model.fit(x, y)"),
    ])
    clean = slides.clean_notebook(nb)
    assert [c.source for c in clean.cells][0] == "print(1)" and len(clean.cells) == 4
    hidden = [c.metadata.get("transient", {}).get("remove_source", False) for c in clean.cells]
    assert hidden == [False, True, True, False]
    assert nb.cells[0].source.startswith("# NBVAL"), "the notebook itself is untouched"


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_live_slides_load_the_workshop_rise_files(path):
    """RISE loads notebooks/rise.css by itself; the lectures' ``rise.overlay`` loads notebooks/rise.js beside it."""
    assert (path.parent / "rise.css").is_file() and (path.parent / "rise.js").is_file()
    rise = nbformat.read(path, as_version=4).metadata.get("rise", {})
    assert rise == slides.RISE_SETTINGS, f"Fix: nb.metadata['rise'] = helpers.tools.slides.RISE_SETTINGS in {path.name}"


def test_rise_files_target_what_the_overlay_and_rise_css_name():
    """rise.js marks what rise.css hides; the overlay finds rise.js through the <link> RISE gives rise.css."""
    js = (ROOT / "notebooks" / "rise.js").read_text()
    css = (ROOT / "notebooks" / "rise.css").read_text()
    for name in ("workshop-marked", "workshop-notes-cells"):
        assert name in js and f".{name}" in css
    assert 'dataset.workshopRise = "ready"' in js
    assert "rise-custom-css" in slides.RISE_SETTINGS["overlay"] and "rise.js" in slides.RISE_SETTINGS["overlay"]


def test_title_cell_keeps_everything_but_the_script_line():
    title = ("# L9: Title\n\n**Objectives**\n- one\n\n**Time:** about 5 minutes.\n\n**Notation:** "
             "[docs/notation.md](../docs/notation.md)\n\n**As a script:** `jupyter nbconvert --to script L9.ipynb "
             "&& python L9.py --quick`")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(title)])
    shown = slides.clean_notebook(nb).cells[0].source
    assert "As a script" not in shown and "nbconvert" not in shown
    assert shown == title[:title.index("\n\n**As a script:**")]
    assert nb.cells[0].source == title, "the notebook itself is untouched"
