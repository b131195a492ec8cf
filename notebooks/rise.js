/* Live slides of the lectures in JupyterLab (jupyterlab-rise 0.43): two fixes RISE has no setting for.

   Loaded by the lectures' `rise.overlay` metadata (RISE inserts that HTML into the slideshow; its
   image has no source, so its error handler runs and adds this script from the notebook's folder,
   the folder RISE loads rise.css from). The styles it relies on are in rise.css.

   1. Test markers. A lecture cell that nbval checks starts with `# NBVAL_CHECK_OUTPUT`; nbval
      needs it in the source, the room does not. The cell gets the class `workshop-marked`, and
      rise.css hides its first line. CodeMirror's own lines are not touched.
   2. Speaker notes. RISE wraps each notes cell, hidden Markdown editor included, in
      <aside class="notes">; reveal's speaker view copies that HTML into a window without
      JupyterLab's styles, so the notes showed as raw Markdown and again rendered. Each such aside
      becomes `workshop-notes-cells` (hidden), and a new <aside class="notes"> beside it holds the
      rendered notes only.

   tests/test_browser.py::test_live_slides_with_rise checks both in Chromium. */
(function () {
    "use strict";
    var MARKER = /^\s*#\s*NBVAL_[A-Z_]+\s*$/;

    function markCheckedCells() {
        document.querySelectorAll(".reveal .jp-CodeCell").forEach(function (cell) {
            var first = cell.querySelector(".cm-content > .cm-line");
            cell.classList.toggle("workshop-marked", !!first && MARKER.test(first.textContent));
        });
    }

    function renderedNotesOnly() {
        document.querySelectorAll(".reveal .slides aside.notes:not(.workshop-notes)").forEach(function (aside) {
            var rendered = Array.prototype.map.call(aside.querySelectorAll(".jp-RenderedMarkdown"), function (el) {
                return el.innerHTML;
            });
            var notes = document.createElement("aside");
            notes.className = "notes workshop-notes";
            notes.innerHTML = rendered.join("\n");
            aside.classList.remove("notes");
            aside.classList.add("workshop-notes-cells");
            aside.parentNode.insertBefore(notes, aside.nextSibling);
        });
    }

    function apply() {
        markCheckedCells();
        renderedNotesOnly();
        document.body.dataset.workshopRise = "ready";  // tests wait for this
    }

    apply();
    // Cells re-render when they run or are edited on a slide: mark them again on every slide change.
    var deck = document.querySelector(".reveal");
    if (deck) {
        deck.addEventListener("slidechanged", markCheckedCells);
    }
}());
