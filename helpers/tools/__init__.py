"""Authoring tools for instructors and maintainers (slides); not imported by the notebooks."""
