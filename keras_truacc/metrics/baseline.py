"""``MajorityBaseline``: the accuracy of always answering the most common class.

A model is only useful when its true accuracy beats this figure. With 5%
positives, answering "no" every time scores 0.95.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_truacc.metrics.true_accuracy import TrueAccuracy


class BaselineFromCounts:
    """The baseline's logic, whichever Keras holds it: ``MajorityBaseline`` below
    (Keras 3) and ``keras2.metrics.MajorityBaseline`` (tf_keras) share it."""

    _direction = "up"

    def _set_up_baseline(self, num_units, companion, make_companion):
        self.num_units = int(num_units)
        companion = companion or make_companion(class_counts=self.num_units)
        if companion.class_counts != self.num_units:
            raise ValueError(
                "Expected the companion TrueAccuracy to count the labels of "
                f"{self.num_units} classes (class_counts={self.num_units}), but it counts "
                f"{companion.class_counts}."
            )
        # Set past Keras's tracker: the companion's variables are its own, and a
        # tracked companion would list them twice in the model's metric state.
        object.__setattr__(self, "_companion", [companion])

    @property
    def companion(self):
        return self._companion[0]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Nothing to do: the companion counted the labels in its own update."""
        # A statement beside the docstring: AutoGraph drops docstrings, and an empty
        # body makes it warn, in the user's tf.function, that it can't convert this.
        return

    @property
    def counts_read(self):
        """The ``ExactCounts`` the result reads: the companion's."""
        return self.companion.exact_counts

    def result(self):
        return self.result_from(self.counts_read.values())

    def result_from(self, counts):
        """The baseline from ``counts``, the companion's totals."""
        verdict = self.companion.verdict
        share = counts.share(counts.vector("class_0", self.num_units))
        if verdict is None or verdict.spec.task == "none":
            return ops.max(share)
        if verdict.settles_by_label_rows:
            # Units scored one by one: the companion's labels say whether the
            # classes are exclusive (every row one positive) or independent.
            exclusive = ops.equal(counts["rows_not_one_hot"], 0.0)
            return ops.squeeze(ops.where(exclusive, ops.max(share), _per_label(share)), axis=0)
        if verdict.spec.task == "multiclass":
            return ops.max(share)
        return _per_label(share)

    def reset_state(self):
        """Nothing to reset: the companion's counts are reset with it."""
        return  # see update_state

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_units": self.num_units}


@keras.saving.register_keras_serializable(package="keras_truacc")
class MajorityBaseline(BaselineFromCounts, keras.metrics.Metric):
    """Share of the most common class among the labels seen (per label for
    multi-label outputs, then averaged).

    It holds no state of its own: its ``TrueAccuracy`` companion, made with
    ``class_counts=num_units``, counts the labels of each class in the same
    update that counts its hits, under the same weights and masks. So the two
    figures are comparable, and the baseline costs no extra pass or variable.

    >>> import numpy as np
    >>> acc = TrueAccuracy(task="multiclass", class_counts=3)
    >>> base = MajorityBaseline(num_units=3, companion=acc)
    >>> y, p = np.array([0, 0, 0, 2]), np.eye(3)[[0, 1, 2, 2]]
    >>> acc.update_state(y, p); base.update_state(y, p)
    >>> float(base.result())
    0.75
    """

    def __init__(self, num_units, companion=None, name="majority_baseline", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._set_up_baseline(num_units, companion, TrueAccuracy)


def _per_label(share):
    """The majority answer per label (positive or negative), averaged over labels."""
    return ops.mean(ops.maximum(share, 1.0 - share))
