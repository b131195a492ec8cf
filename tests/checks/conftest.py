"""Fixtures shared by the checker tests (the ``keras`` fixture itself is in ``tests/conftest.py``)."""

import pytest


@pytest.fixture(scope="module")
def K(keras):
    """The ``keras`` fixture under a short name: learner answers are built with ``K.layers...``."""
    return keras
