"""keras-truacc: the accuracy you see is the accuracy you mean.

>>> import keras_truacc as truacc
>>> sorted(n for n in truacc.__all__ if not n[0].isupper())
['auto', 'autolog', 'inspect', 'plot_history', 'resolve']
"""

import os
import sys
from typing import TYPE_CHECKING

__version__ = "0.2.0"

__all__ = [
    "AccuracyMismatchWarning",
    "BaselineWarning",
    "DataWarning",
    "GuessWarning",
    "MetricMismatchWarning",
    "MonitorDisabledWarning",
    "TruAccMonitor",
    "TruAccWarning",
    "TrueAccuracy",
    "UnmonitoredStepWarning",
    "auto",
    "autolog",
    "inspect",
    "plot_history",
    "resolve",
]

# Where each public name lives. Importing them imports Keras (and its backend)
# and registers the classes, so ``keras.models.load_model`` needs no
# ``custom_objects`` after ``import keras_truacc``.
_HOMES = {
    "AccuracyMismatchWarning": "keras_truacc.messages",
    "BaselineWarning": "keras_truacc.messages",
    "DataWarning": "keras_truacc.messages",
    "GuessWarning": "keras_truacc.messages",
    "MetricMismatchWarning": "keras_truacc.messages",
    "MonitorDisabledWarning": "keras_truacc.messages",
    "TruAccMonitor": "keras_truacc.monitor.callback",
    "TruAccWarning": "keras_truacc.messages",
    "TrueAccuracy": "keras_truacc.metrics",
    "UnmonitoredStepWarning": "keras_truacc.messages",
    "auto": "keras_truacc.auto_metric",
    "autolog": "keras_truacc.autologging",
    "inspect": "keras_truacc.reading.inspection",
    "plot_history": "keras_truacc.plot",
    "resolve": "keras_truacc.decision",
}

if TYPE_CHECKING:  # what IDEs and type checkers read; _load() binds the same names
    from keras_truacc.auto_metric import auto
    from keras_truacc.autologging import autolog
    from keras_truacc.decision import resolve
    from keras_truacc.messages import (
        AccuracyMismatchWarning,
        BaselineWarning,
        DataWarning,
        GuessWarning,
        MetricMismatchWarning,
        MonitorDisabledWarning,
        TruAccWarning,
        UnmonitoredStepWarning,
    )
    from keras_truacc.metrics import TrueAccuracy
    from keras_truacc.monitor.callback import TruAccMonitor
    from keras_truacc.plot import plot_history
    from keras_truacc.reading.inspection import inspect


def _load():
    """Import every public name (Keras with it) into this module."""
    import importlib

    for name, home in _HOMES.items():
        globals()[name] = getattr(importlib.import_module(home), name)
    from keras_truacc.which_keras import legacy_keras_requested

    if legacy_keras_requested():  # tf.keras is tf_keras: register our metrics with it too
        try:
            importlib.import_module("keras_truacc.keras2.metrics")
        except (ImportError, RuntimeError):
            pass  # tf_keras missing or too old: auto() and TruAccMonitor() say so, in one line


def _started_as_command() -> bool:
    """Whether this process is the ``truacc`` command (the console script, or
    ``python -m keras_truacc.cli``). Then importing Keras waits until a
    subcommand needs it: ``truacc --help`` and argument errors stay fast."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    for suffix in (".exe", "-script.pyw", "-script.py"):
        name = name.removesuffix(suffix)
    if name == "truacc":
        return True
    # python [options] -m keras_truacc.cli: sys.argv[0] is "-m" while the package loads.
    args = iter(list(getattr(sys, "orig_argv", ()))[1:])
    for arg in args:
        if arg in ("-X", "-W", "--check-hash-based-pycs"):
            next(args, None)
        elif arg.startswith("-m"):
            module = arg[2:] or next(args, "")
            return module == "keras_truacc.cli"
        elif not arg.startswith("-") or arg.startswith("-c"):
            return False
    return False


if _started_as_command():

    def __getattr__(name):
        if name in __all__:
            _load()
            return globals()[name]
        raise AttributeError(f"module 'keras_truacc' has no attribute {name!r}")

else:
    _load()
