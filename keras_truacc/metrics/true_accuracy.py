"""``TrueAccuracy``: the accuracy the resolver says is right, as a Keras metric.

A step goes down once: ``reading.step_reading`` reads the step's tensors and the
verdict for their shapes (decided once per trace), ``step_counts`` turns them into
the step's counts (``functional``'s maths), ``counters`` adds them up. What the
verdict found is told once (``verdict_telling``).
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from keras_truacc.decision.verdict import AccuracySpec, Overrides, Verdict
from keras_truacc.metrics.counters import ExactCounts
from keras_truacc.metrics.step_counts import COUNTS, CountingOptions, count_step
from keras_truacc.metrics.verdict_telling import VerdictTeller
from keras_truacc.reading.binding import Binding
from keras_truacc.reading.step_reading import StepReader


class AccuracyCounting:
    """The true accuracy's logic, whichever Keras holds its state.

    ``TrueAccuracy`` below (Keras 3) and ``keras2.metrics.TrueAccuracy`` (tf_keras)
    are this class on their own Keras's ``Metric``: only the base class and its
    variable differ, so the two count the same way, in ``keras.ops``.
    """

    _direction = "up"

    def _set_up_counting(
        self, task=None, from_logits=None, threshold=None, ignore_class=None,
        average="per_label", data_checks=False, class_counts=None, resolved=None,
        weights_are_masks=False,
    ):
        if average not in ("per_label", "exact_match"):
            raise ValueError(
                "Expected argument `average` to be 'per_label' or 'exact_match', "
                f"but got {average!r}."
            )
        self.overrides = Overrides(
            task=task, from_logits=from_logits, threshold=threshold, ignore_class=ignore_class
        )
        self.counting = CountingOptions(
            average=average,
            data_checks=bool(data_checks),
            weights_are_masks=bool(weights_are_masks),
            class_counts=int(class_counts) if class_counts else None,
        )
        self._saved_spec = AccuracySpec(**resolved) if resolved else None
        classes = tuple(f"class_{k}" for k in range(self.class_counts or 0))
        self.exact_counts = ExactCounts(self, COUNTS + classes, "class_0" if classes else None)
        self._reader = StepReader(self.overrides, self._saved_spec)
        self._teller = VerdictTeller()

    @property
    def average(self) -> str:
        return self.counting.average

    @property
    def data_checks(self) -> bool:
        return self.counting.data_checks

    @property
    def weights_are_masks(self) -> bool:
        return self.counting.weights_are_masks

    @property
    def class_counts(self) -> int | None:
        return self.counting.class_counts

    # -- binding -------------------------------------------------------------
    def bind(self, model, output_index=0, output_name=None) -> TrueAccuracy:
        """Tell the metric which model output it serves (the monitor does this)."""
        self._reader.bind(Binding(model, output_index, output_name, False))
        return self

    @property
    def verdict(self) -> Verdict | None:
        """The last verdict this metric acted on (``None`` before the first batch)."""
        return self._reader.last_verdict

    # -- the metric ----------------------------------------------------------
    def update_state(self, y_true, y_pred, sample_weight=None):
        step = self._reader.read(self, y_true, y_pred)
        if step.verdict.spec.task != "none":  # not a classification: nothing to count
            self.exact_counts.add_vector(count_step(step, sample_weight, self.counting))
        if step.new_verdict:
            self._teller.tell(self.name, step.verdict, self._reader.binding)

    def report_settled_guess(self) -> None:
        """Say the guess a verdict settled by the label rows still rests on (the
        monitor calls this once a pass has counted label rows)."""
        verdict = self.verdict
        if verdict is None or not verdict.settles_by_label_rows:
            return
        settled = self.settled_verdict()
        if settled is not verdict:
            self._teller.tell_guess(self.name, settled, self._reader.binding)

    @property
    def counts_read(self):
        """The ``ExactCounts`` this metric's result reads (``result_from`` takes its totals)."""
        return self.exact_counts

    def result(self):
        return self.result_from(self.exact_counts.values())

    def result_from(self, counts):
        """The result from ``counts``, the totals of ``counts_read`` (read once and
        shared with the baseline's result in the monitor's pass)."""
        verdict = self.verdict
        if verdict is not None and verdict.spec.task == "none":
            return ops.convert_to_tensor(float("nan"))  # no score: not a classification
        plain = counts.share(counts["correct"])
        if verdict is not None and verdict.settles_by_label_rows:
            exclusive = counts.share(counts["correct_if_exclusive"])
            plain = ops.where(ops.equal(counts["rows_not_one_hot"], 0.0), exclusive, plain)
        return ops.squeeze(plain, axis=0)

    def settled_verdict(self) -> Verdict | None:
        """The verdict, settled by the label rows counted so far where it was open."""
        verdict = self.verdict
        if verdict is None or not verdict.settles_by_label_rows:
            return verdict
        counts = self.counts()
        if counts["total"] == 0:
            return verdict
        return verdict.settle_by_label_rows(counts["rows_not_one_hot"] == 0, int(counts["total"]))

    def reset_state(self):
        self.exact_counts.reset()

    def counts(self) -> dict:
        """Exact counts as Python numbers: correct, total and the checks' counters."""
        counts = self.exact_counts.exact()
        finite = counts.pop("finite_outputs")
        verdict = self.verdict
        if not self.data_checks or verdict is None or verdict.spec.task == "none":
            return counts
        if self.weights_are_masks:
            counts["nonfinite_outputs"] = counts["total"] - finite
        if self.counting.invalid_labels_derived(verdict.spec):
            counted = sum(counts[f"class_{k}"] for k in range(self.class_counts))
            counts["invalid_labels"] = counts["total"] - counted
        return counts

    def get_config(self):
        config = {
            "name": self.name,
            "dtype": self.dtype,
            "task": self.overrides.task,
            "from_logits": self.overrides.from_logits,
            "threshold": self.overrides.threshold,
            "ignore_class": self.overrides.ignore_class,
            "average": self.average,
            "data_checks": self.data_checks,
            "class_counts": self.class_counts,
            "weights_are_masks": self.weights_are_masks,
        }
        verdict = self.verdict
        spec = verdict.spec if verdict is not None else self._saved_spec
        if spec is not None:
            config["resolved"] = dataclasses.asdict(spec)
        return config


@keras.saving.register_keras_serializable(package="keras_truacc")
class TrueAccuracy(AccuracyCounting, keras.metrics.Metric):
    """The accuracy you mean, worked out from the loss, the activation and the shapes.

    Use it through ``truacc.auto()``. Inside ``compile`` it finds its model on
    the first batch and reads the loss and the output activation from it, so a
    ``Dense(1)`` logits model trained with ``BinaryCrossentropy(from_logits=True)``
    is thresholded at 0, and a softmax trained with ``binary_crossentropy`` gets
    its argmax. Explicit ``task=``, ``from_logits=`` and ``threshold=`` always win.

    Standalone usage (no model: logits are told from the values, and it says so):

    >>> import numpy as np, warnings
    >>> m = TrueAccuracy(task="multiclass")
    >>> m.update_state(np.array([2, 0, 1]), np.array([[.1, .2, .7], [.8, .1, .1], [.5, .3, .2]]))
    >>> round(float(m.result()), 4)
    0.6667

    Usage with ``compile()`` API:

    ```python
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[truacc.auto()])
    ```

    Args:
        name: the key in the logs (default ``"accuracy"``).
        task: ``"binary"``, ``"multiclass"`` or ``"multilabel"``; read from the model if not given.
        from_logits: whether thresholded outputs are logits; read from the loss if not given.
        threshold: decision threshold on the probability scale (default 0.5);
            on logits it is applied as ``log(t / (1 - t))``.
        ignore_class: a class index whose positions don't count (e.g. padding 0).
        average: for multi-label outputs, ``"per_label"`` (default) or ``"exact_match"``.
        class_counts: the number of classes (units) whose label counts to keep too,
            in the same update: what ``MajorityBaseline`` reads (the monitor sets it).
        data_checks: also count, in-graph, non-finite outputs, labels out of range
            and padding-like runs of label 0 (``counts()``). The monitor's metrics
            do, and explain what they find; off by default, so ``auto()`` costs
            about what Keras's own accuracy costs.
        weights_are_masks: the weights this metric is given are 0/1 (a mask, or
            "weight 0 means not a sample", as the monitor's unweighted figure
            gets them): then the checks are derived from the totals, with fewer
            ops per step. Leave it off for real sample weights.
    """

    def __init__(
        self,
        name="accuracy",
        task=None,
        from_logits=None,
        threshold=None,
        ignore_class=None,
        average="per_label",
        data_checks=False,
        class_counts=None,
        dtype=None,
        resolved=None,
        weights_are_masks=False,
    ):
        super().__init__(name=name, dtype=dtype)
        self._set_up_counting(
            task, from_logits, threshold, ignore_class, average, data_checks, class_counts,
            resolved, weights_are_masks,
        )
