"""keras-truacc: the accuracy you see is the accuracy you mean.

>>> import keras_truacc as truacc
>>> sorted(n for n in truacc.__all__ if not n[0].isupper())
['auto', 'inspect', 'plot_history', 'resolve']
"""

from keras_truacc.decision import resolve
from keras_truacc.messages import (
    AccuracyMismatchWarning,
    BaselineWarning,
    DataWarning,
    GuessWarning,
    MonitorDisabledWarning,
    TruAccWarning,
    UnmonitoredStepWarning,
)
from keras_truacc.metrics import TrueAccuracy, auto
from keras_truacc.inspection import inspect
from keras_truacc.monitor import TruAccMonitor
from keras_truacc.plot import plot_history

__version__ = "0.1.0"

__all__ = [
    "AccuracyMismatchWarning",
    "BaselineWarning",
    "DataWarning",
    "GuessWarning",
    "MonitorDisabledWarning",
    "TrueAccuracy",
    "TruAccMonitor",
    "TruAccWarning",
    "UnmonitoredStepWarning",
    "auto",
    "inspect",
    "plot_history",
    "resolve",
]
