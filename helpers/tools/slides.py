"""Offline reveal.js decks of the lectures: ``python -m helpers slides`` (``make slides``).

Every lecture in ``notebooks/`` becomes ``slides/<name>.slides.html``, and the
scripts a deck needs (reveal.js 4, require.js, jQuery, MathJax 2) are copied
next to it under ``slides/assets/``.  Nothing is loaded from the network when
the deck is shown, so the folder can go on a USB stick.

The scripts come from the npm registry at build time, through the kit's own
downloader, cached under ``build/slides-npm/`` (or the user cache on a read-only
kit) and verified against the SHA-256 sums committed in
``helpers/tools/slides-assets.lock.json``; the installed copies are verified on
every build too (see :mod:`helpers.tools.slide_assets`).

What a deck leaves out, so the slides stay readable:

* the input of plotting cells (a ``helpers.show(...)`` call), of cells that
  start with ``# extra code`` and of cells tagged ``remove-input`` (the
  figure or output stays);
* cells tagged ``remove-cell`` (hidden test cells);
* ``# NBVAL_...`` test markers and the ``In [n]:`` prompts;
* the title cell's ``**As a script:**`` paragraph (how to run the notebook, not
  something to project).

The template (``slides_template/workshop_reveal``) sets type a room can read:
28 px body text (30 px in the deck's own Source Sans Pro, shipped with reveal.js,
so that a slide wraps the same on every machine), 22 px code and output.
"""

import re
import time
from pathlib import Path

from ..errors import NotebookSourceError
from ..files import atomic_write
from ..paths import notebooks_dir
from .slide_assets import LOCK_FILE, copy_assets, fetch_assets, locked_packages, npm_cache

__all__ = ["LOCK_FILE", "ASSET_URLS", "RISE_SETTINGS", "locked_packages", "npm_cache", "fetch_assets", "copy_assets",
           "hides_input", "clean_notebook", "slide_count", "export_deck", "build"]

_TEMPLATES = Path(__file__).resolve().parent / "slides_template"
#: nbconvert SlidesExporter settings pointing a deck at its local copies (relative to the deck).
ASSET_URLS = {
    "reveal_url_prefix": "assets/reveal.js",
    "require_js_url": "assets/requirejs/require.js",
    "jquery_url": "assets/jquery/dist/jquery.min.js",
    "mathjax_url": "assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}
#: The ``rise`` metadata every lecture carries for live slides (jupyterlab-rise 0.43): the ``white`` theme (RISE's
#: default theme loads fonts from Google), tall slides scroll, and an ``overlay`` whose image has no source, so
#: that its error handler loads ``rise.js`` from the folder RISE loads ``rise.css`` from (``notebooks/``): it
#: hides the nbval markers and gives the speaker view the rendered notes only. RISE has no setting for either.
RISE_SETTINGS = {
    "enable_chalkboard": False,
    "scroll": True,
    "theme": "white",
    "transition": "none",
    "overlay": ('<img hidden alt="" src="" onerror="var s = document.createElement(\'script\'); '
                's.src = document.getElementById(\'rise-custom-css\').href.replace(/rise[.]css$/, \'rise.js\'); '
                'document.head.appendChild(s); this.remove();">'),
}
_NBVAL = re.compile(r"^[ \t]*# NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)
_AS_A_SCRIPT = re.compile(r"\n*^\*\*As a script:\*\*.*?(?=\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)


def hides_input(cell):
    """Whether a deck shows only the output of this code cell (plotting, extra code, ``remove-input``)."""
    source = cell.get("source", "")
    return cell.get("cell_type") == "code" and (
        "remove-input" in cell.get("metadata", {}).get("tags", [])
        or "helpers.show(" in source
        or source.lstrip().startswith("# extra code"))


def clean_notebook(nb):
    """A copy of ``nb`` as the deck shows it: no ``remove-cell`` cells, no NBVAL markers, hidden inputs marked,
    no ``**As a script:**`` paragraph in the title cell."""
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if "remove-cell" not in c.get("metadata", {}).get("tags", [])]
    if nb.cells and nb.cells[0].cell_type == "markdown":
        nb.cells[0].source = _AS_A_SCRIPT.sub("", nb.cells[0].source)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = _NBVAL.sub("", cell.source)
        if hides_input(cell):
            cell.metadata["transient"] = {"remove_source": True}
    return nb


def slide_count(nb):
    """How many slides reveal.js makes of ``nb``: one per ``slide`` and per ``subslide`` cell."""
    kinds = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in clean_notebook(nb).cells]
    return kinds.count("slide") + kinds.count("subslide")


def export_deck(path, out_dir):
    """Write ``out_dir/<name>.slides.html`` for the notebook at ``path``; assets are not copied here.

    Raises:
        NotebookSourceError: the notebook does not open with a ``slide`` cell.
    """
    import nbformat
    from nbconvert import SlidesExporter

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].get("metadata", {}).get("slideshow", {}).get("slide_type") if nb.cells else None
    if first != "slide":
        raise NotebookSourceError(f"{path}: the first cell must have slide type 'slide' (it has {first!r}). "
                                  f"Fix: View > Property Inspector > Slide Type = Slide on the title cell.")
    exporter = SlidesExporter(template_name="workshop_reveal", extra_template_basedirs=[str(_TEMPLATES)],
                              reveal_theme="white", reveal_width="1280", reveal_height="720", exclude_input_prompt=True,
                              exclude_output_prompt=True, **ASSET_URLS)
    html, _ = exporter.from_notebook_node(clean_notebook(nb), resources={"metadata": {"name": path.stem}})
    out = Path(out_dir) / f"{path.stem}.slides.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as fh:  # replaces a link of that name instead of writing through it
        fh.write(html)
    return out


def build(notebooks=None, out_dir="slides", cache=None, log=print):
    """Export every lecture (or the given notebooks) as an offline deck with its assets.

    Args:
        notebooks: Notebook paths; default every ``notebooks/*.ipynb`` of the kit.
        out_dir: Output folder (``slides``).
        cache: Tarball cache (see :func:`fetch_assets`).

    Raises:
        OutputNotWritableError: ``out_dir`` is a file, a link to one, or cannot be created.
        DownloadError: a tarball cannot be fetched with the locked SHA-256.
        log: Called with one line per deck, with the time it took.

    Returns:
        list[pathlib.Path]: the decks written.
    """
    notebooks = [Path(p) for p in notebooks] if notebooks else sorted(notebooks_dir().glob("*.ipynb"))
    start = time.perf_counter()
    copy_assets(fetch_assets(cache), out_dir)
    log(f"assets   {Path(out_dir) / 'assets'}  ({time.perf_counter() - start:.1f} s, tarballs and installed files "
        f"SHA-256 verified)")
    decks = []
    for nb_path in notebooks:
        start = time.perf_counter()
        decks.append(export_deck(nb_path, out_dir))
        log(f"wrote    {decks[-1]}  ({time.perf_counter() - start:.1f} s)")
    return decks


if __name__ == "__main__":  # pragma: no cover - same as `python -m helpers slides`
    build()
