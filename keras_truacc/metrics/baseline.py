"""``MajorityBaseline``: the accuracy of always answering the most common class.

A model is only useful when its true accuracy beats this figure. With 5%
positives, answering "no" every time scores 0.95.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_truacc import functional
from keras_truacc.metrics.true_accuracy import TrueAccuracy, keras_mask_of


@keras.saving.register_keras_serializable(package="keras_truacc")
class MajorityBaseline(keras.metrics.Metric):
    """Share of the most common class among the labels seen (per label for
    multi-label outputs, then averaged).

    It follows a ``TrueAccuracy`` companion: same task, same label form, same
    weights and masks, so the two figures are comparable.

    >>> import numpy as np
    >>> acc = TrueAccuracy(task="multiclass")
    >>> base = MajorityBaseline(num_units=3, companion=acc)
    >>> y, p = np.array([0, 0, 0, 2]), np.eye(3)[[0, 1, 2, 2]]
    >>> acc.update_state(y, p); base.update_state(y, p)
    >>> float(base.result())
    0.75
    """

    _direction = "up"

    def __init__(self, num_units, companion=None, name="majority_baseline", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.num_units = int(num_units)
        self._companion = [companion or TrueAccuracy()]  # a list: not tracked as a sub-metric
        # Per-class (per-unit) label counts; the total is the companion's.
        self.counts = self.add_variable(
            shape=(self.num_units,), initializer="zeros", dtype="float32", name="counts"
        )

    @property
    def companion(self) -> TrueAccuracy:
        return self._companion[0]

    def update_state(self, y_true, y_pred, sample_weight=None):
        acc = self.companion
        weights = acc.weights_for(y_true, y_pred, sample_weight)  # same batch: reuse
        mask = keras_mask_of(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        verdict = acc._verdict_for(y_true, y_pred)
        spec = verdict.spec
        if spec.task == "none":
            return
        if weights is None:
            hits = acc._hits(spec, y_true, y_pred)
            weights = acc._weights(spec, hits, y_true, sample_weight, mask)
            weights = ops.ones_like(hits) if weights is None else weights
        if spec.task == "multiclass":
            if (spec.labels or "sparse") == "sparse":
                labels = functional.sparse_label_positions(y_true, len(weights.shape))
                labels = ops.clip(labels, 0, self.num_units - 1)
                per_class = ops.one_hot(labels, self.num_units, dtype="float32")
            else:
                per_class = ops.one_hot(
                    ops.argmax(ops.cast(y_true, "float32"), axis=-1), self.num_units, dtype="float32"
                )
        else:
            positives = ops.cast(ops.greater(ops.cast(y_true, "float32"), 0.5), "float32")
            if len(positives.shape) == len(weights.shape):
                positives = ops.expand_dims(positives, -1)
            per_class = ops.broadcast_to(
                positives, tuple(ops.shape(weights)) + (self.num_units,)
            )
        weighted = per_class * ops.expand_dims(weights, -1)
        axes = tuple(range(len(weighted.shape) - 1))
        self.counts.assign_add(ops.sum(weighted, axis=axes))
        self._task = spec.task
        self._settles_by_label_rows = verdict.settles_by_label_rows

    def result(self):
        task = getattr(self, "_task", None)
        share = ops.divide_no_nan(self.counts, self.companion.exact_counts.value("total"))
        one_class_per_row = ops.max(share)
        per_label = ops.mean(ops.maximum(share, 1.0 - share))
        if getattr(self, "_settles_by_label_rows", False):
            # Units scored one by one: the companion's labels say whether the
            # classes are exclusive (every row one positive) or independent.
            exclusive = ops.equal(self.companion.exact_counts.value("rows_not_one_hot"), 0.0)
            return ops.where(exclusive, one_class_per_row, per_label)
        if task == "multiclass":
            return one_class_per_row
        return per_label

    def reset_state(self):
        self.counts.assign(ops.zeros((self.num_units,)))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_units": self.num_units}
