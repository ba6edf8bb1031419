"""``TrueAccuracy``: the accuracy the resolver says is right, as a Keras metric."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_truacc.decision.facts import OutputFacts
from keras_truacc.decision.label_values import describe_labels
from keras_truacc.decision.resolver import AccuracySpec, Overrides, Verdict, resolve
from keras_truacc.messages import GuessWarning, OnceRegistry, TruAccWarning, said_for, warn
from keras_truacc.metrics import functional
from keras_truacc.metrics.counters import ExactCounts
from keras_truacc.reading.binding import Binding, find_binding
from keras_truacc.reading.model_facts import keras_mask_of, model_output_facts
from keras_truacc.reading.tensors import to_numpy

# Problems that make any accuracy meaningless for this batch shape: raised at
# trace time, before Keras fails deep inside its own code.
_FATAL_PROBLEMS = {"shape_mismatch", "string_labels", "label_form_mismatch"}

# Everything one update counts, in one exact vector (see ``counters``):
# - correct, total: the accuracy itself;
# - correct_if_exclusive, rows_not_one_hot: while the labels settle whether units
#   scored one by one are exclusive classes (argmax) or labels (per-label);
# - finite_outputs or nonfinite_outputs, invalid_labels: bad values, read and
#   explained by the monitor. Where the weights are 0/1 masks (``weights_are_masks``)
#   ``counts()`` derives the bad ones from the totals, with fewer ops in the step:
#   non-finite = total - finite, labels out of range = total - the class counts;

# - padding_like: sequence positions in runs of label 0 that reach the start or the
#   end of their sequence, as padding does (the monitor's padding warning);
# - empty_rows: one-hot label rows with no class set, left out as the loss leaves
#   them out (``AccuracySpec.skip_empty_rows``); Keras's accuracies count them.
COUNTS = (
    "correct",
    "total",
    "correct_if_exclusive",
    "rows_not_one_hot",
    "finite_outputs",
    "nonfinite_outputs",
    "invalid_labels",
    "padding_like",
    "empty_rows",
)


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
        self.average = average
        self.data_checks = bool(data_checks)
        self.weights_are_masks = bool(weights_are_masks)
        self.class_counts = int(class_counts) if class_counts else None
        self._saved_spec = AccuracySpec(**resolved) if resolved else None
        classes = tuple(f"class_{k}" for k in range(self.class_counts or 0))
        self.exact_counts = ExactCounts(self, COUNTS + classes, "class_0" if classes else None)
        self._binding: Binding | None = None
        self._verdicts: dict = {}
        self._once = OnceRegistry()

    # -- binding -------------------------------------------------------------
    def bind(self, model, output_index=0, output_name=None) -> TrueAccuracy:
        """Tell the metric which model output it serves (the monitor does this)."""
        self._binding = Binding(model, output_index, output_name, False)
        self._verdicts.clear()
        return self

    @property
    def verdict(self) -> Verdict | None:
        """The last verdict this metric acted on (``None`` before the first batch)."""
        return next(reversed(self._verdicts.values()), None)

    def _facts_for(self, y_true, y_pred) -> OutputFacts:
        binding = self._binding or find_binding(self)
        if binding is not None:
            self._binding = binding
            base = model_output_facts(
                binding.model,
                binding.output_index,
                output_shape=tuple(y_pred.shape),
                # No probing while Keras traces shapes only: there are no values.
                label_shape=None if _in_symbolic_build() else tuple(y_true.shape),
            )
        else:
            base = OutputFacts(output_shape=tuple(y_pred.shape))
        facts = dataclasses.replace(
            base,
            output_shape=tuple(y_pred.shape),
            output_dtype=_dtype_name(y_pred),
            masked=keras_mask_of(y_pred) is not None,
        )
        values = _concrete(y_true) if binding is None else None
        facts = facts.with_labels(
            tuple(y_true.shape) if values is None else values.shape,
            _dtype_name(y_true),
            describe_labels(values) if values is not None else None,
        )
        if binding is None and self._saved_spec is None:
            outputs = _concrete(y_pred)
            if outputs is not None and outputs.size:
                finite = outputs[np.isfinite(outputs)]
                if finite.size:
                    facts = dataclasses.replace(
                        facts, output_range=(float(finite.min()), float(finite.max()))
                    )
        return facts

    def _verdict_for(self, y_true, y_pred) -> Verdict:
        key = (tuple(y_true.shape)[1:], tuple(y_pred.shape)[1:])
        if key in self._verdicts:
            return self._verdicts[key]
        facts = self._facts_for(y_true, y_pred)
        verdict = resolve(facts, self.overrides)
        if self._binding is None and self._saved_spec is not None and not verdict.errors:
            verdict = dataclasses.replace(verdict, spec=self._saved_spec, guessed=False)
        if _in_symbolic_build():
            # Keras building metric state from shapes (no values: a loss can't be
            # probed there). Decide for now; the first real step decides again.
            return verdict
        self._report(verdict)
        self._verdicts[key] = verdict
        return verdict

    def _said(self, code) -> bool:
        """Whether ``code`` is said now: once per metric, and once per model output
        between all the metrics serving it (``messages.said_for``)."""
        if not self._once.first(code):
            return False
        if self._binding is None:
            return True
        return said_for(self._binding.model).first((self._binding.output_index, code))

    def _report(self, verdict: Verdict) -> None:
        for problem in verdict.problems:
            if problem.code in _FATAL_PROBLEMS:
                raise ValueError(f"truacc: {problem.message}")
        for problem in verdict.problems:
            if problem.severity != "note" and self._said(problem.code):
                warn(f"truacc ({self.name}): {problem.message}", TruAccWarning)
        # A verdict open on what the label rows show is said once they have shown it
        # (``report_settled_guess``): the argmax they may settle on guesses nothing.
        if verdict.guessed and not verdict.settles_by_label_rows and self._said("guessed"):
            self._say_guess(verdict)

    def report_settled_guess(self) -> None:
        """Say the guess a verdict settled by the label rows still rests on (the
        monitor calls this once a pass has counted label rows)."""
        verdict = self.verdict
        if verdict is None or not verdict.settles_by_label_rows:
            return
        settled = self.settled_verdict()
        if settled is not verdict and settled.guessed and self._said("guessed"):
            self._say_guess(settled)

    def _say_guess(self, verdict: Verdict) -> None:
        guesses = " ".join(r for r in verdict.reasons if "uess" in r or "Nothing says" in r)
        where = (
            "the model's facts don't settle which accuracy is meant"
            if self._binding is not None
            else "no model was found for this metric"
        )
        settle = f" What would settle it: {verdict.settled_by}." if verdict.settled_by else ""
        warn(
            f"truacc ({self.name}): {where}, so it guessed: "
            f"{guesses or verdict.spec.describe()}{settle}",
            GuessWarning,
        )

    # -- the metric ----------------------------------------------------------
    def update_state(self, y_true, y_pred, sample_weight=None):
        _reject_strings(y_true)
        y_true = ops.convert_to_tensor(y_true) if not _is_tensor(y_true) else y_true
        mask = keras_mask_of(y_pred)
        y_pred = ops.convert_to_tensor(y_pred) if not _is_tensor(y_pred) else y_pred
        verdict = self._verdict_for(y_true, y_pred)
        spec = verdict.spec
        if spec.task == "none":
            return
        hits = self._hits(spec, y_true, y_pred)
        weights, empty_rows = self._weights(spec, hits, y_true, sample_weight, mask)
        counted = ops.ones_like(hits) if weights is None else weights
        # One column per count, one row per position: a single sum makes the
        # batch's amounts, and one update adds them all (see ``counters``).
        columns = {"correct": hits if weights is None else hits * weights, "total": counted}
        if verdict.settles_by_label_rows:
            exclusive = functional.argmax_hits(y_true, y_pred, "one_hot")
            columns["correct_if_exclusive"] = exclusive * counted
            not_one_hot = functional.rows_without_one_positive(y_true)
            columns["rows_not_one_hot"] = (
                not_one_hot if weights is None
                else not_one_hot * ops.cast(ops.greater(weights, 0.0), "float32")
            )
        if self.data_checks:
            columns.update(self._value_checks(spec, y_true, y_pred, hits, weights))
            if empty_rows is not None:
                columns["empty_rows"] = empty_rows
        if self.data_checks and self._watches_padding(verdict, mask):
            edges = functional.edge_runs_of_zero(
                self._label_positions(spec, y_true, len(hits.shape))
            )
            columns["padding_like"] = edges * counted
        zeros = ops.zeros_like(hits) if len(columns) < len(COUNTS) else None
        table = ops.stack([columns.get(name, zeros) for name in COUNTS], axis=-1)
        if self.class_counts:
            classes = self._class_indicators(spec, y_true, len(hits.shape))
            if weights is not None:
                classes = classes * ops.expand_dims(weights, -1)
            table = ops.concatenate([table, classes], axis=-1)
        self.exact_counts.add_vector(ops.sum(table, axis=tuple(range(len(hits.shape)))))

    def _class_indicators(self, spec, y_true, rank):
        """Per position, 1.0 under each class its label holds (each positive unit, for
        units decided one by one): the counts behind the majority baseline."""
        if spec.task == "multiclass":
            labels = self._label_positions(spec, y_true, rank)
            # A constant, not a Range op, shaped (1, K) as the comparison needs it.
            classes = np.arange(self.class_counts, dtype="int32")[None, :]
            # Compared with a range, an out-of-range label counts for no class.
            return ops.cast(ops.equal(ops.expand_dims(labels, -1), classes), "float32")
        positives = ops.cast(ops.greater(ops.cast(y_true, "float32"), 0.5), "float32")
        if len(positives.shape) == rank:
            positives = ops.expand_dims(positives, -1)
        return positives

    def _hits(self, spec: AccuracySpec, y_true, y_pred):
        if spec.task == "multiclass":
            labels = spec.labels or _label_form(y_true, y_pred)
            return functional.argmax_hits(y_true, y_pred, labels)
        if spec.task == "multilabel":
            return functional.multilabel_hits(
                y_true, y_pred, spec.decision_threshold, self.average, spec.positive_below
            )
        return functional.binary_hits(
            y_true, y_pred, spec.decision_threshold, spec.positive_below
        )

    def _label_positions(self, spec, y_true, rank):
        """Class indices per position (``rank`` axes, as the hits have): the labels
        themselves, with a trailing unit axis dropped, or the argmax of one-hot rows."""
        one_hot = len(y_true.shape) == rank + 1 and y_true.shape[-1] != 1
        if (spec.labels or ("one_hot" if one_hot else "sparse")) == "sparse":
            return functional.sparse_label_positions(y_true, rank)
        return ops.cast(ops.argmax(ops.cast(y_true, "float32"), axis=-1), "int32")

    def _weights(self, spec, hits, y_true, sample_weight, mask):
        """Per-position weights from sample weights, the mask, an ignored class and
        label rows with no class set, or ``None`` when nothing weights (every
        position counts once); and, where such rows are left out, the weight each
        would have had (``None`` otherwise: the ``empty_rows`` count)."""
        weights = None
        for extra in (sample_weight, mask):
            if extra is None:
                continue
            extra = _broadcast_like(ops.cast(ops.convert_to_tensor(extra), "float32"), hits)
            weights = extra if weights is None else weights * extra
        if spec.ignore_class is not None and spec.task == "multiclass":
            labels = self._label_positions(spec, y_true, len(hits.shape))
            kept = ops.cast(ops.not_equal(labels, spec.ignore_class), "float32")
            weights = kept if weights is None else weights * kept
        empty_rows = None
        if spec.skip_empty_rows and spec.task == "multiclass":
            with_class = functional.rows_with_a_class(y_true)
            empty_rows = 1.0 - with_class if weights is None else weights * (1.0 - with_class)
            weights = with_class if weights is None else weights * with_class
        return weights, empty_rows

    def _watches_padding(self, verdict, mask) -> bool:
        """Sequences (N, T, C) of classes with nothing that excludes padding."""
        spec = verdict.spec
        return (
            spec.task == "multiclass"
            and spec.ignore_class is None
            and mask is None
            and verdict.facts is not None
            and verdict.facts.output_rank == 3
            and not verdict.facts.model_masked  # the mask exists; a step lost it
        )

    def _value_checks(self, spec, y_true, y_pred, hits, weights) -> dict:
        """Per-position counts of bad values, in-graph; the monitor reads and explains them."""
        rank = len(hits.shape)
        finite = ops.isfinite(ops.cast(y_pred, "float32"))
        if len(finite.shape) > rank:
            finite = ops.all(finite, axis=-1)
        if self.weights_are_masks:  # counted positions: total - finite are the others
            finite = ops.cast(finite, "float32")
            checks = {"finite_outputs": finite if weights is None else finite * weights}
        else:
            checks = {"nonfinite_outputs": ops.cast(ops.logical_not(finite), "float32")}
        if self._invalid_labels_derived(spec):
            return checks  # total - the class counts (see ``counts``)
        if spec.task == "multiclass" and (spec.labels or "") == "sparse":
            labels = functional.sparse_label_positions(y_true, rank)
            # Negative indices wrap to huge unsigned ones: one comparison covers both ends.
            bad = ops.greater_equal(ops.cast(labels, "uint32"), y_pred.shape[-1])
            if spec.ignore_class is not None:
                bad = ops.logical_and(bad, ops.not_equal(labels, spec.ignore_class))
        elif spec.task in ("binary", "multilabel"):
            bad = ops.greater(ops.abs(ops.cast(y_true, "float32")), 1.0)
        else:
            return checks
        bad = ops.cast(bad, "float32")
        while len(bad.shape) > rank:
            bad = ops.sum(bad, axis=-1)
        checks["invalid_labels"] = bad
        return checks

    def _invalid_labels_derived(self, spec) -> bool:
        """Whether labels out of range are the total less the class counts: class
        indices, one class count per unit, and 0/1 weights (so both are exact)."""
        return (
            self.weights_are_masks
            and spec.task == "multiclass"
            and (spec.labels or "") == "sparse"
            and self.class_counts is not None
            and self.class_counts == spec.num_classes
        )

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
        if self._invalid_labels_derived(verdict.spec):
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


def _in_symbolic_build() -> bool:
    """Whether Keras is tracing shapes only (``compute_output_spec``), not a step."""
    try:
        from keras.src.backend.common.symbolic_scope import in_symbolic_scope
    except ImportError:  # older Keras 3: no such scope, nothing to tell apart
        return False
    return in_symbolic_scope()


def _reject_strings(y_true) -> None:
    kind = getattr(getattr(y_true, "dtype", None), "kind", None)
    if kind in ("U", "S", "O") or "string" in str(getattr(y_true, "dtype", "")):
        shape = tuple(getattr(y_true, "shape", ()))
        raise ValueError(
            f"truacc: labels (y_true, shape {shape}, dtype {y_true.dtype}) hold strings; "
            "accuracy needs numbers. Fix: map them to class indices, e.g. with "
            "`keras.layers.StringLookup` or `sklearn.preprocessing.LabelEncoder`."
        )


def _is_tensor(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.ndarray)


def _dtype_name(x) -> str:
    dtype = getattr(x, "dtype", None)
    try:
        return keras.backend.standardize_dtype(dtype)
    except Exception:
        return str(dtype)


def _concrete(x):
    """A numpy copy of ``x`` when it holds values (eager), else ``None``."""
    try:
        return to_numpy(x)
    except Exception:
        return None


def _label_form(y_true, y_pred) -> str:
    return "one_hot" if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == y_pred.shape[-1] != 1 else "sparse"


def _broadcast_like(weights, hits):
    rank = len(hits.shape)
    while len(weights.shape) > rank and weights.shape[-1] == 1:
        weights = ops.squeeze(weights, axis=-1)
    while len(weights.shape) < rank:
        weights = ops.expand_dims(weights, axis=-1)
    return ops.broadcast_to(weights, ops.shape(hits))
