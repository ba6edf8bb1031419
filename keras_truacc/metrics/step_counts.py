"""What one step adds to the true accuracy's counts, in-graph, as one vector.

From a read step (its tensors and verdict) this works out the hits
(``functional``'s maths), the weight of each position (sample weights, the mask,
an ignored class, label rows with no class set) and, where asked, the data
checks' counts; then sums them into one vector, one entry per name in ``COUNTS``
(and one per class after them), which ``counters.ExactCounts`` adds in one update.

>>> import numpy as np
>>> from keras_truacc.decision.verdict import Overrides
>>> from keras_truacc.reading.step_reading import StepReader
>>> step = StepReader(Overrides(task="multiclass")).read(
...     None, np.array([2, 0, 1]), np.array([[.1, .2, .7], [.8, .1, .1], [.5, .3, .2]]))
>>> vector = count_step(step, None, CountingOptions())
>>> dict(zip(COUNTS[:2], np.asarray(vector).tolist()[:2]))
{'correct': 2.0, 'total': 3.0}
"""

from __future__ import annotations

import dataclasses

import numpy as np
from keras import ops

from keras_truacc.decision.verdict import AccuracySpec
from keras_truacc.metrics import functional

# Everything one update counts, in one exact vector (see ``counters``):
# - correct, total: the accuracy itself;
# - correct_if_exclusive, rows_not_one_hot: while the labels settle whether units
#   scored one by one are exclusive classes (argmax) or labels (per-label);
# - finite_outputs or nonfinite_outputs, invalid_labels: bad values, read and
#   explained by the monitor. Where the weights are 0/1 masks (``weights_are_masks``)
#   the bad ones are derived from the totals, with fewer ops in the step:
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


@dataclasses.dataclass(frozen=True)
class CountingOptions:
    """How a metric counts: see ``TrueAccuracy``'s arguments of the same names."""

    average: str = "per_label"
    data_checks: bool = False
    weights_are_masks: bool = False
    class_counts: int | None = None

    def invalid_labels_derived(self, spec: AccuracySpec) -> bool:
        """Whether labels out of range are the total less the class counts: class
        indices, one class count per unit, and 0/1 weights (so both are exact)."""
        return (
            self.weights_are_masks
            and spec.task == "multiclass"
            and (spec.labels or "") == "sparse"
            and self.class_counts is not None
            and self.class_counts == spec.num_classes
        )


def count_step(step, sample_weight, options: CountingOptions):
    """The step's counts as one float32 vector (``COUNTS``, then one per class)."""
    verdict = step.verdict
    spec = verdict.spec
    y_true, y_pred = step.y_true, step.y_pred
    # Class indices per position, read once (one cast of int64 labels, not three).
    positions = _label_positions(spec, y_true, y_pred) if spec.task == "multiclass" else None
    hits = _hits(spec, y_true, y_pred, options.average, positions)
    rank = len(hits.shape)
    weights, empty_rows = _weights(spec, hits, y_true, sample_weight, step.mask, positions)
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
    if options.data_checks:
        columns.update(_value_checks(spec, y_true, y_pred, rank, weights, options, positions))
        if empty_rows is not None:
            columns["empty_rows"] = empty_rows
        if _watches_padding(verdict, step.mask):
            edges = functional.edge_runs_of_zero(positions)
            columns["padding_like"] = edges * counted
    zeros = ops.zeros_like(hits) if len(columns) < len(COUNTS) else None
    table = ops.stack([columns.get(name, zeros) for name in COUNTS], axis=-1)
    if options.class_counts:
        classes = _class_indicators(spec, y_true, rank, options.class_counts, positions)
        if weights is not None:
            classes = classes * ops.expand_dims(weights, -1)
        table = ops.concatenate([table, classes], axis=-1)
    return ops.sum(table, axis=tuple(range(rank)))


def _hits(spec: AccuracySpec, y_true, y_pred, average, positions):
    if spec.task == "multiclass":
        return functional.argmax_hits_at(positions, y_pred)
    if spec.task == "multilabel":
        return functional.multilabel_hits(
            y_true, y_pred, spec.decision_threshold, average, spec.positive_below
        )
    return functional.binary_hits(y_true, y_pred, spec.decision_threshold, spec.positive_below)


def _label_positions(spec, y_true, y_pred):
    """Class indices per position (the output's axes but its class axis), as int32:
    the labels themselves, with a trailing unit axis dropped, or the argmax of
    one-hot rows."""
    if (spec.labels or _label_form(y_true, y_pred)) == "sparse":
        return functional.sparse_label_positions(y_true, len(y_pred.shape) - 1)
    return functional.one_hot_label_positions(y_true)


def _class_indicators(spec, y_true, rank, class_counts, positions):
    """Per position, 1.0 under each class its label holds (each positive unit, for
    units decided one by one): the counts behind the majority baseline."""
    if spec.task == "multiclass":
        labels = positions
        # A constant, not a Range op, shaped (1, K) as the comparison needs it.
        classes = np.arange(class_counts, dtype="int32")[None, :]
        # Compared with a range, an out-of-range label counts for no class.
        return ops.cast(ops.equal(ops.expand_dims(labels, -1), classes), "float32")
    positives = ops.cast(ops.greater(ops.cast(y_true, "float32"), 0.5), "float32")
    if len(positives.shape) == rank:
        positives = ops.expand_dims(positives, -1)
    return positives


def _weights(spec, hits, y_true, sample_weight, mask, positions):
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
        kept = ops.cast(ops.not_equal(positions, spec.ignore_class), "float32")
        weights = kept if weights is None else weights * kept
    empty_rows = None
    if spec.skip_empty_rows and spec.task == "multiclass":
        with_class = functional.rows_with_a_class(y_true)
        empty_rows = 1.0 - with_class if weights is None else weights * (1.0 - with_class)
        weights = with_class if weights is None else weights * with_class
    return weights, empty_rows


def _watches_padding(verdict, mask) -> bool:
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


def _value_checks(spec, y_true, y_pred, rank, weights, options, positions) -> dict:
    """Per-position counts of bad values; the monitor reads and explains them."""
    finite = ops.isfinite(ops.cast(y_pred, "float32"))
    if len(finite.shape) > rank:
        finite = ops.all(finite, axis=-1)
    if options.weights_are_masks:  # counted positions: total - finite are the others
        finite = ops.cast(finite, "float32")
        checks = {"finite_outputs": finite if weights is None else finite * weights}
    else:
        checks = {"nonfinite_outputs": ops.cast(ops.logical_not(finite), "float32")}
    if options.invalid_labels_derived(spec):
        return checks  # total - the class counts (see ``TrueAccuracy.counts``)
    if spec.task == "multiclass" and (spec.labels or "") == "sparse":
        labels = positions
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


def _label_form(y_true, y_pred) -> str:
    same_rank = len(y_true.shape) == len(y_pred.shape)
    return "one_hot" if same_rank and y_true.shape[-1] == y_pred.shape[-1] != 1 else "sparse"


def _broadcast_like(weights, hits):
    rank = len(hits.shape)
    while len(weights.shape) > rank and weights.shape[-1] == 1:
        weights = ops.squeeze(weights, axis=-1)
    while len(weights.shape) < rank:
        weights = ops.expand_dims(weights, axis=-1)
    return ops.broadcast_to(weights, ops.shape(hits))
