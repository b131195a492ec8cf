"""The ``____`` blank of the exercise notebooks, and where each one was left.

``____`` is one shared :class:`Placeholder`.  Any use of it (calling, attributes, arithmetic,
converting to an array) raises :class:`~helpers.errors.BlankNotFilledError` instead of a
confusing error deep inside Keras or matplotlib.  In a Jupyter kernel :mod:`helpers.run.kernel`
records, after every cell, which variables that cell left bound to the blank and on which
line (:func:`remember`), so messages can say *which* variable is still blank and *where*::

    `model` is still the ____ blank (cell [12], line 1).
"""

from .errors import BlankNotFilledError

__all__ = ["Placeholder", "____", "is_blank", "remember", "forget", "where", "blank_names", "describe"]


class Placeholder:
    """The ``____`` blank in exercise notebooks; every use of it raises :class:`BlankNotFilledError`."""

    _MESSAGE = "This code uses a `____` blank that is not filled in yet: replace `____` with your answer."

    def __repr__(self):
        return "____ (a blank you have not filled in yet)"

    def _fail(self, *args, **kwargs):
        raise BlankNotFilledError(self._MESSAGE)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._fail()

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = __float__ = __int__ = __index__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __array__ = __format__ = _fail


____ = Placeholder()

#: variable name -> where the cell that left it blank ran, e.g. "cell [12], line 1"
_where = {}


def is_blank(value):
    """True for the ``____`` blank (any :class:`Placeholder`)."""
    return isinstance(value, Placeholder)


def remember(name, place):
    """Record that ``name`` was left blank at ``place`` (e.g. ``"cell [12], line 1"``)."""
    _where[name] = place


def forget(name=None):
    """Forget where ``name`` (or every name, when ``None``) was left blank."""
    if name is None:
        _where.clear()
    else:
        _where.pop(name, None)


def where(name):
    """Where ``name`` was left blank, or ``""`` when unknown (outside a kernel, or set by a test)."""
    return _where.get(name, "")


def blank_names(namespace, names=None):
    """The names in ``namespace`` (only those in ``names``, if given) still bound to the blank, in order."""
    names = namespace.keys() if names is None else names
    return [n for n in names if n in namespace and is_blank(namespace[n]) and n != "____"]


def describe(names):
    """`` `model` (cell [12], line 1), `x` `` — the blank names with where they were left, for messages."""
    parts = []
    for name in names:
        place = where(name)
        parts.append(f"`{name}` ({place})" if place else f"`{name}`")
    return ", ".join(parts)
