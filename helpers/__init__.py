"""helpers: the small package every workshop notebook imports.

Importing it is cheap: no TensorFlow, no data, no network.  The names below
load their module on first use.

Typical first cells of a notebook::

    import helpers
    from helpers import ____
    run = helpers.setup("01_warmup", quick=quick, seed=seed)
    (x_train, y_train), (x_test, y_test) = helpers.load_mnist()

Command line: ``python -m helpers doctor | prefetch | exercises`` (see ``--help``).
"""

import importlib

__version__ = "1.0.0"

_EXPORTS = {
    "setup": "runtime", "Run": "runtime", "in_kernel": "context", "quick_mode": "context", "is_quick": "context",
    "load_mnist": "data", "load_abalone": "data", "load_images": "data", "load_fashion_mnist": "data",
    "CLASS_NAMES": "data",
    "fetch": "download", "DATASETS": "registry",
    "device_report": "device",
    "show": "plotting", "plot_history": "plotting", "show_images": "plotting",
    "____": "checking", "Question": "checking",
    "WorkshopError": "errors", "DataNotFoundError": "errors", "DownloadError": "errors",
    "ChecksumError": "errors", "CorruptDataError": "errors", "CacheNotWritableError": "errors", "DataNotReadableError": "errors",
    "ConfigError": "errors", "UnknownDatasetError": "errors", "BlankNotFilledError": "errors",
    "CheckFailedError": "errors", "NotebookSourceError": "errors",
    "OutputNotWritableError": "errors", "MetricTypeError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
