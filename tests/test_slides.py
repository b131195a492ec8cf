"""Lecture notebooks export to reveal.js slides with nbconvert, with the slides their metadata asks for."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


def ids(p):
    return p.stem


def test_five_numbered_lectures():
    assert [p.name[:3] for p in LECTURES] == ["L1_", "L2_", "L3_", "L4_", "L5_"]


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_every_cell_carries_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert set(kinds) <= TYPES, f"unknown or missing slide types: {set(kinds) - TYPES}"
    assert kinds[0] == "slide", "the title cell opens the deck"
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert params.metadata["slideshow"]["slide_type"] == "skip", "the parameters cell is not shown"
    assert kinds.count("slide") >= 8, "a lecture has at least 8 slides"
    assert nb.metadata.get("celltoolbar") == "Slideshow"


@pytest.mark.parametrize("path", LECTURES, ids=ids)
def test_slides_export_holds_the_expected_slides(path):
    from nbconvert import SlidesExporter

    nb = nbformat.read(path, as_version=4)
    html, _ = SlidesExporter().from_notebook_node(nb)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    deck = html[html.index('<div class="slides">'):]
    # reveal.js: one outer <section> per slide, one inner <section> per slide and per subslide
    assert deck.count("<section") == 2 * kinds.count("slide") + kinds.count("subslide")
    assert deck.count('<div class="fragment">') == kinds.count("fragment")
    assert deck.count('<aside class="notes">') == kinds.count("notes")
    shown = set(re.findall(r'id="cell-id=([^"]+)"', deck))
    for cell, kind in zip(nb.cells, kinds):
        assert (cell.id in shown) == (kind != "skip"), f"cell {cell.id} ({kind}) shown wrongly"
    for cell in nb.cells:  # every figure made it into the deck
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                assert out["data"]["image/png"][:40] in deck
