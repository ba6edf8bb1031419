"""``TrueAccuracy`` and ``MajorityBaseline`` as tf_keras (Keras 2) metrics.

The logic is the Keras 3 metrics' own (``AccuracyCounting``,
``BaselineFromCounts``); only the base class and the variable are tf_keras's.
``truacc.auto()`` returns this ``TrueAccuracy`` when ``TF_USE_LEGACY_KERAS`` is
set. Both are registered with tf_keras, so a saved tf_keras model loads with no
``custom_objects`` once ``keras_truacc`` is imported.

>>> import numpy as np
>>> m = TrueAccuracy(task="multiclass")
>>> m.update_state(np.array([2, 0, 1]), np.array([[.1, .2, .7], [.8, .1, .1], [.5, .3, .2]]))
>>> round(float(m.result()), 4)
0.6667
"""

from __future__ import annotations

import tensorflow as tf

from keras_truacc.metrics.baseline import BaselineFromCounts
from keras_truacc.metrics.true_accuracy import AccuracyCounting
from keras_truacc.which_keras import require_tf_keras

tf_keras = require_tf_keras()

# tf_keras converts a metric's update_state and result with AutoGraph; ours hold
# no tensor-dependent Python control flow, and read the calling frames once.
_plain_python = tf.autograph.experimental.do_not_convert


@tf_keras.saving.register_keras_serializable(package="keras_truacc")
class TrueAccuracy(AccuracyCounting, tf_keras.metrics.Metric):
    """``truacc.auto()`` for tf_keras models; see ``keras_truacc.TrueAccuracy``."""

    def __init__(self, name="accuracy", dtype=None, **options):
        super().__init__(name=name, dtype=dtype)
        self._set_up_counting(**options)  # task, from_logits, ...: as Keras 3's TrueAccuracy

    @_plain_python
    def update_state(self, y_true, y_pred, sample_weight=None):
        AccuracyCounting.update_state(self, y_true, y_pred, sample_weight)

    @_plain_python
    def result(self):
        return AccuracyCounting.result(self)

    def reset_state(self):
        AccuracyCounting.reset_state(self)

    def get_config(self):
        return AccuracyCounting.get_config(self)


@tf_keras.saving.register_keras_serializable(package="keras_truacc")
class MajorityBaseline(BaselineFromCounts, tf_keras.metrics.Metric):
    """The majority-class baseline for tf_keras models; see ``metrics.baseline``."""

    def __init__(self, num_units, companion=None, name="majority_baseline", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._set_up_baseline(num_units, companion, TrueAccuracy)

    @_plain_python
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Nothing to do: the companion counted the labels in its own update."""
        return  # a statement beside the docstring, for AutoGraph (see ../metrics/baseline.py)

    @_plain_python
    def result(self):
        return BaselineFromCounts.result(self)

    def reset_state(self):
        """Nothing to reset: the companion's counts are reset with it."""
        return  # as above

    def get_config(self):
        return BaselineFromCounts.get_config(self)


def auto(name: str = "accuracy", **overrides) -> TrueAccuracy:
    """``truacc.auto()`` for tf_keras: the same arguments, a tf_keras metric."""
    require_tf_keras()  # at construction: a too-old tf_keras says so here, in one line
    return TrueAccuracy(name=name, **overrides)
