"""Typed errors for the workshop kit.

Every error the kit raises on purpose derives from :class:`WorkshopError` and
also from the built-in exception a caller would naturally catch, so
``except FileNotFoundError`` keeps working.  Messages say what failed, where
the code looked, and the exact command or variable that fixes it.
"""

__all__ = [
    "WorkshopError",
    "ConfigError",
    "UnknownDatasetError",
    "DataNotFoundError",
    "DownloadError",
    "ChecksumError",
    "CorruptDataError",
    "CacheNotWritableError",
    "DataNotReadableError",
    "BlankNotFilledError",
    "CheckFailedError",
    "NotebookSourceError",
    "OutputNotWritableError",
    "MetricTypeError",
    "DeviceConfigError",
    "WorkerFailedError",
    "TrainerNotFoundError",
    "WorkspaceError",
    "RunDirBusyError",
    "PortInUseError",
]


class WorkshopError(Exception):
    """Base class of every error raised on purpose by ``helpers``."""


class ConfigError(WorkshopError, ValueError):
    """An environment variable or argument has a value the kit cannot use."""


class UnknownDatasetError(WorkshopError, LookupError):
    """A data set name that is not in the registry."""


class DataNotFoundError(WorkshopError, FileNotFoundError):
    """A data file is in none of the places searched and cannot be downloaded."""


class DownloadError(WorkshopError, ConnectionError):
    """Every mirror failed (timeout, refused, interrupted) after all retries."""


class ChecksumError(WorkshopError, ValueError):
    """A file's SHA-256 does not match the registry."""


class CorruptDataError(WorkshopError, ValueError):
    """A file passed its checksum step but cannot be parsed (e.g. truncated gzip)."""


class CacheNotWritableError(WorkshopError, PermissionError):
    """The download cache directory cannot be created or written to."""


class DataNotReadableError(WorkshopError, PermissionError):
    """A data file or folder exists but this user may not read it (e.g. a shared folder's permissions)."""


class BlankNotFilledError(WorkshopError, NotImplementedError):
    """Exercise code used a ``____`` blank that the learner has not filled in yet."""


class CheckFailedError(WorkshopError, AssertionError):
    """An exercise check failed while running as a script (or with WORKSHOP_STRICT=1)."""


class NotebookSourceError(WorkshopError, ValueError):
    """A solution notebook has malformed ``# BEGIN SOLUTION`` / ``# END SOLUTION`` markers."""


class OutputNotWritableError(WorkshopError, PermissionError):
    """A figure or run summary could not be written where it was asked to go."""


class MetricTypeError(WorkshopError, TypeError):
    """A value given to ``run.finish()`` is not a number."""


class DeviceConfigError(WorkshopError, RuntimeError):
    """TensorFlow's devices were initialised before they could be split into logical devices."""


class WorkerFailedError(WorkshopError, RuntimeError):
    """A worker process of a local multi-worker run failed or timed out."""


class TrainerNotFoundError(WorkshopError, FileNotFoundError):
    """``hpc/train_distributed.py`` is not next to the helpers package."""


class WorkspaceError(WorkshopError, OSError):
    """A learner's workspace cannot be written safely: not writable, a link or a file in the way, disk full."""


class RunDirBusyError(WorkshopError, BlockingIOError):
    """Another trainer holds the lock on the same ``--run-dir``."""


class PortInUseError(WorkshopError, OSError):
    """The port a worker of a multi-worker job must listen on is taken by another process."""
