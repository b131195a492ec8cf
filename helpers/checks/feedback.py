"""Feedback boxes for ``qN.check()``, ``qN.hint()`` and ``qN.solution()``.

In Jupyter a box is HTML that reads in every theme: its text takes the theme's
own font colour (``--jp-content-font-color1`` in JupyterLab, the page colour
elsewhere), so it has the theme's contrast in light and dark mode; the outcome
is shown by the label word and by a coloured left border and a faint tint,
never by the text colour alone.  In a script the same feedback is plain text.

Every outcome has one label style: ``q1 · Correct``, ``q1 · Incorrect``,
``q1 · Not attempted``, ``q1 · Hint``, ``q1 · Solution``.

Messages are written in a small Markdown subset: ```code``` becomes
``<code>`` and ``**bold**`` becomes ``<strong>``; everything else is escaped,
so a message can never inject HTML.
"""

import html
import re

__all__ = ["KINDS", "label", "to_html", "to_text", "show"]

# kind -> (label word, accent colour: a JupyterLab theme variable with a fallback, tint as rgb)
KINDS = {
    "correct": ("Correct", "var(--jp-success-color1, #388e3c)", "56, 142, 60"),
    "incorrect": ("Incorrect", "var(--jp-error-color1, #d32f2f)", "211, 47, 47"),
    "not attempted": ("Not attempted", "var(--jp-info-color1, #0097a7)", "0, 151, 167"),
    "uncheckable": ("Uncheckable", "var(--jp-warn-color1, #f57c00)", "245, 124, 0"),
    "hint": ("Hint", "var(--jp-brand-color1, #1976d2)", "25, 118, 210"),
    "solution": ("Solution", "var(--jp-border-color1, #9e9e9e)", "128, 128, 128"),
}
_NEUTRAL = ("", "var(--jp-border-color1, #9e9e9e)", "128, 128, 128")
_TEXT = "var(--jp-content-font-color1, inherit)"
_CODE_BG = "rgba(127, 127, 127, 0.18)"
_INLINE = re.compile(r"`([^`\n]+)`|\*\*([^*\n]+)\*\*")


def label(name, kind):
    """The box's label, e.g. ``"q1 · Not attempted"``.

    Args:
        name: The question's name, e.g. ``"q1"``.
        kind: ``"correct"``, ``"incorrect"``, ``"not attempted"``, ``"uncheckable"``,
            ``"hint"`` or ``"solution"``; any other string is shown capitalised.

    Returns:
        str
    """
    word = KINDS.get(kind, _NEUTRAL)[0] or str(kind).capitalize()
    return f"{name} · {word}"


def _inline_markdown(text):
    """Escape ``text`` and turn ```code``` and ``**bold**`` into HTML."""
    out, pos = [], 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[pos:match.start()]))
        code, bold = match.groups()
        if code is not None:
            out.append(f'<code style="background:{_CODE_BG};color:inherit;padding:0 0.2em;'
                       f'border-radius:3px">{html.escape(code)}</code>')
        else:
            out.append(f"<strong>{html.escape(bold)}</strong>")
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def to_html(name, kind, message, code=False):
    """The feedback box as an HTML string.

    Args:
        name: The question's name.
        kind: The outcome or ``"hint"`` / ``"solution"`` (see :func:`label`).
        message: The text; a small Markdown subset unless ``code`` is true.
        code: Show ``message`` verbatim as a code block (solutions).

    Returns:
        str: one ``<div class="workshop-feedback workshop-feedback-<kind>">``.
    """
    _, accent, tint = KINDS.get(kind, _NEUTRAL)
    if code:
        body = (f'<pre style="margin:0.4em 0 0;padding:0.5em;background:{_CODE_BG};color:inherit;'
                f'white-space:pre-wrap;overflow-x:auto">{html.escape(message)}</pre>')
    else:
        body = f"<span>{_inline_markdown(message)}</span>"
    css_kind = re.sub(r"[^a-z]+", "-", str(kind).lower()).strip("-") or "other"
    return (f'<div class="workshop-feedback workshop-feedback-{css_kind}" role="status" '
            f'style="color:{_TEXT};background:rgba({tint}, 0.10);border-left:0.3em solid {accent};'
            f'padding:0.4em 0.7em;margin:0.2em 0;border-radius:3px;line-height:1.45">'
            f'<strong class="workshop-feedback-label">{html.escape(label(name, kind))}</strong>'
            f'{"" if code else ": "}{body}</div>')


def to_text(name, kind, message, code=False):
    """The feedback as plain text for scripts and terminals.

    Returns:
        str: ``"q1 · Correct: Well done."``, or the label and the code on the following lines.
    """
    return f"{label(name, kind)}:\n{message}" if code else f"{label(name, kind)}: {message}"


def show(name, kind, message, code=False):
    """Display the feedback: an HTML box in a Jupyter kernel, printed text otherwise.

    In a kernel the output carries both ``text/html`` and ``text/plain``, so
    text-only front ends (a terminal console, ``nbconvert --to markdown``) get
    the plain version.
    """
    from ..run.state import in_kernel

    text = to_text(name, kind, message, code=code)
    if in_kernel():
        from IPython.display import display

        display({"text/html": to_html(name, kind, message, code=code), "text/plain": text}, raw=True)
    else:
        print(text)
