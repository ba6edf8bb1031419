"""Warning classes and the one place that says things once."""

from __future__ import annotations

import warnings


class TruAccWarning(UserWarning):
    """Base class of every warning keras-truacc emits."""


class AccuracyMismatchWarning(TruAccWarning):
    """A reported accuracy differs from the true accuracy, with cause and fix."""


class GuessWarning(TruAccWarning):
    """The resolver had to guess (no model, no override); the message says what."""


class DataWarning(TruAccWarning):
    """The data looks wrong: NaN outputs, labels out of range, empty splits."""


class MonitorDisabledWarning(TruAccWarning):
    """The monitor failed internally and stepped aside; training went on."""


def warn(message: str, category=TruAccWarning, stacklevel: int = 3) -> None:
    warnings.warn(message, category, stacklevel=stacklevel)


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
