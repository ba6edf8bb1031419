"""Warning classes and the one place that says things once."""

from __future__ import annotations

import os
import sys
import warnings
import weakref

# Frames in these packages are never where the user's code is.
_LIBRARY_PARTS = tuple(
    os.sep + name + os.sep
    for name in ("keras_truacc", "keras", "tensorflow", "jax", "jaxlib", "torch", "absl", "optree")
)


class TruAccWarning(UserWarning):
    """Base class of every warning keras-truacc emits."""


class AccuracyMismatchWarning(TruAccWarning):
    """A reported accuracy differs from the true accuracy, with cause and fix."""


class MetricMismatchWarning(TruAccWarning):
    """A compiled metric other than accuracy (AUC, Precision, IoU, ...) is set up
    for another output scale or label form; the message gives the right line, and
    the monitor logs the right figure beside it (``true_<name>``)."""


class BaselineWarning(TruAccWarning):
    """The true accuracy is no better than always answering the majority class."""


class GuessWarning(TruAccWarning):
    """The resolver had to guess (no model, no override); the message says what."""


class DataWarning(TruAccWarning):
    """The data looks wrong: NaN outputs, labels out of range, empty splits."""


class UnmonitoredStepWarning(TruAccWarning):
    """The model's own train_step/test_step never updates the compiled metrics,
    so the monitor has nothing to count; the message gives the line to add."""


class MonitorDisabledWarning(TruAccWarning):
    """The monitor failed internally and stepped aside; training went on."""


def warn(message: str, category=TruAccWarning, stacklevel: int | None = None) -> None:
    """Warn, pointing at the user's line (their ``fit``/``evaluate`` call), not ours.
    In a multi-process job only process 0 warns (the figures are global), except
    that a monitor stepping aside says so on its own process."""
    from keras_truacc.distributed import is_chief

    if category is not MonitorDisabledWarning and not is_chief():
        return
    warnings.warn(message, category, stacklevel=stacklevel or _user_stacklevel())


def _user_stacklevel() -> int:
    frame, level = sys._getframe(2), 2
    while frame is not None:
        filename = frame.f_code.co_filename
        if not any(part in filename for part in _LIBRARY_PARTS) and "importlib" not in filename:
            return level
        frame, level = frame.f_back, level + 1
    return 2


class OnceRegistry:
    """Remembers which keys were already said, so each is said once.

    >>> once = OnceRegistry()
    >>> once.first("logits"), once.first("logits")
    (True, False)
    """

    def __init__(self):
        self._seen: set = set()

    def first(self, key) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def clear(self) -> None:
        self._seen.clear()


_SAID_FOR: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def said_for(owner) -> OnceRegistry:
    """One ``OnceRegistry`` per model: every metric serving that model (a compiled
    ``truacc.auto()`` and the monitor's own) says a thing once between them, and
    the monitor clears it when a fit or evaluate begins, so each is said once per fit.

    >>> class Model:
    ...     pass
    >>> model = Model()
    >>> said_for(model).first("mask"), said_for(model).first("mask")
    (True, False)
    """
    try:
        registry = _SAID_FOR.get(owner)
        if registry is None:
            registry = _SAID_FOR[owner] = OnceRegistry()
        return registry
    except TypeError:  # an owner that can't be weakly referenced: its own registry
        return OnceRegistry()
