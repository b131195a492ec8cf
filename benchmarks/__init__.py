"""The kit's benchmark: ``python -m benchmarks [--full | --tiny]`` (see ``benchmarks/__main__.py``)."""
