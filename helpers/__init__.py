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
    "setup": "run.setup", "Run": "run.setup", "in_kernel": "run.state", "quick_mode": "run.state", "is_quick": "run.state",
    "load_mnist": "data.loaders", "load_abalone": "data.loaders", "load_images": "data.loaders", "load_fashion_mnist": "data.loaders",
    "CLASS_NAMES": "data.loaders",
    "fetch": "data.fetch", "DATASETS": "data.registry",
    "device_report": "run.device",
    "training_devices": "distribute", "run_local_workers": "distribute", "trainer_script": "distribute",
    "show": "plotting", "plot_history": "plotting", "show_images": "plotting",
    "____": "checks.question", "Question": "checks.question", "catch_up": "checks.catch_up",
    "WorkshopError": "errors", "DataNotFoundError": "errors", "DownloadError": "errors",
    "ChecksumError": "errors", "CorruptDataError": "errors", "CacheNotWritableError": "errors", "DataNotReadableError": "errors",
    "ConfigError": "errors", "UnknownDatasetError": "errors", "BlankNotFilledError": "errors",
    "CheckFailedError": "errors", "NotebookSourceError": "errors",
    "OutputNotWritableError": "errors", "MetricTypeError": "errors", "DeviceConfigError": "errors",
    "WorkerFailedError": "errors", "TrainerNotFoundError": "errors", "WorkspaceError": "errors",
    "RunDirBusyError": "errors", "PortInUseError": "errors",
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
