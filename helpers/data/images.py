"""The one table of image data sets: what the ``dataset`` parameter may be, and everything that follows from it.

Each row names a value of the notebooks' ``dataset`` parameter (``"mnist"``, ``"fashion"``) and holds what the kit
knows about it: its title, the registry entries its files come from in quick and full mode, its class names, and the
test-accuracy floors the checks ask of each notebook that trains on it.  The parameter's choices
(:mod:`helpers.run.params`), the loaders (:func:`helpers.load_images`), ``helpers.CLASS_NAMES`` and the accuracy
checks (:class:`helpers.checks.kinds.AccuracyQuestion`) all read this table, so a new data set is one new row.

The floors are measured: each is the lowest test accuracy the notebook's solution reached over several seeds, less
a margin (the notebook's ``tests/prose_numbers`` entry and its question module say how it was measured).
"""

from dataclasses import dataclass, field

from ..errors import UnknownDatasetError

__all__ = ["Floor", "ImageSet", "IMAGE_SETS", "image_set", "class_names", "floor_for"]


@dataclass(frozen=True)
class Floor:
    """The least test accuracy a check accepts, in quick and in full mode (fractions, e.g. 0.97)."""

    quick: float
    full: float

    def for_mode(self, quick):
        """The floor of quick mode (``quick=True``) or full mode."""
        return self.quick if quick else self.full


@dataclass(frozen=True)
class ImageSet:
    """One value of the ``dataset`` parameter.

    Attributes:
        name: The parameter's value, e.g. ``"fashion"``.
        title: How messages and figures name it, e.g. ``"Fashion-MNIST"``.
        about: What its images show, for ``--help``, e.g. ``"Fashion-MNIST clothing"``.
        quick_source: The registry entry (:mod:`helpers.data.registry`) read in quick mode.
        full_source: The registry entry read in full mode.
        class_names: One name per label 0-9.
        loader: The name of its loader in :mod:`helpers.data.loaders`.
        floors: ``{notebook: Floor}``: the test-accuracy floor of each notebook that trains on it.
    """

    name: str
    title: str
    about: str
    quick_source: str
    full_source: str
    class_names: tuple
    loader: str
    floors: dict = field(default_factory=dict)


IMAGE_SETS = {
    "mnist": ImageSet(
        "mnist", "MNIST", "handwritten digits", quick_source="mnist-quick", full_source="mnist",
        class_names=tuple(str(digit) for digit in range(10)), loader="load_mnist",
        floors={"03_fnn_mnist": Floor(0.93, 0.97), "04_cnn_mnist": Floor(0.97, 0.99),
                "06_distributed": Floor(0.96, 0.99),  # measured: helpers/questions/nb06_distributed.py
                "08_sequences": Floor(0.96, 0.98), "09_hyperparameter_search": Floor(0.92, 0.97)}),
    "fashion": ImageSet(
        "fashion", "Fashion-MNIST", "Fashion-MNIST clothing", quick_source="fashion-mnist", full_source="fashion-mnist",
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), loader="load_fashion_mnist",
        floors={"03_fnn_mnist": Floor(0.80, 0.87), "04_cnn_mnist": Floor(0.85, 0.91), "08_sequences": Floor(0.82, 0.87),
                "09_hyperparameter_search": Floor(0.80, 0.87)}),
}


def image_set(name):
    """The row of ``name`` (``"mnist"`` or ``"fashion"``).

    Raises:
        UnknownDatasetError: no such image data set; the message lists the valid names.
    """
    try:
        return IMAGE_SETS[name]
    except (KeyError, TypeError):
        names = " or ".join(f'"{n}"' for n in IMAGE_SETS)
        raise UnknownDatasetError(f"Unknown image data set {name!r}. Valid names: {', '.join(IMAGE_SETS)}. "
                                  f"Fix: pass {names}.") from None


def class_names(name):
    """The class names of image data set ``name``, indexed by label."""
    return list(image_set(name).class_names)


def floor_for(notebook, name, quick):
    """The test-accuracy floor that ``notebook``'s check asks for on image data set ``name`` in the given mode.

    A data set without its own floor for that notebook uses MNIST's (a notebook that only trains on MNIST).
    """
    floors = image_set(name).floors
    return (floors.get(notebook) or IMAGE_SETS["mnist"].floors[notebook]).for_mode(quick)
