"""Stateless accuracy maths on tensors, with ``keras.ops`` only.

Each function returns per-position hits as float32 (1.0 = correct) with the
output's shape minus its class axis. Class indices are compared as int32 and
outputs are cast to float32 first (exact for float16 and bfloat16), so the
output dtype never changes which predictions count as correct.

>>> import numpy as np
>>> hits = argmax_hits(np.array([2, 0]), np.array([[.1, .2, .7], [.3, .6, .1]]), "sparse")
>>> np.asarray(hits).tolist()
[1.0, 0.0]
>>> np.asarray(binary_hits(np.array([[1], [0]]), np.array([[0.3], [-0.2]]), 0.0)).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from keras import ops


def _as_float32(x):
    return ops.cast(ops.convert_to_tensor(x), "float32")


def _drop_unit_axis(x, rank):
    """(N, 1) -> (N,) when ``x`` has one axis more than ``rank``."""
    if len(x.shape) == rank + 1 and x.shape[-1] == 1:
        return ops.squeeze(x, axis=-1)
    return x


def binary_hits(y_true, y_pred, decision_threshold, positive_below=False):
    """One yes/no decision per output unit: ``y_pred > threshold`` vs ``y_true > 0.5``
    (``positive_below``: ``y_pred < threshold``, for a distance where small means 1).

    Labels 0/1 and hinge labels -1/1 both binarise correctly at 0.5. The unit
    axis of a ``(N, 1)`` output is dropped; other shapes keep theirs.
    """
    y_pred = _as_float32(y_pred)
    y_true = _as_float32(y_true)
    if len(y_pred.shape) >= 2 and y_pred.shape[-1] == 1:
        y_pred = ops.squeeze(y_pred, axis=-1)
    y_true = _drop_unit_axis(y_true, len(y_pred.shape))
    if positive_below:
        predicted = ops.less(y_pred, decision_threshold)
    else:
        predicted = ops.greater(y_pred, decision_threshold)
    actual = ops.greater(y_true, 0.5)
    return ops.cast(ops.equal(predicted, actual), "float32")


def argmax_hits(y_true, y_pred, labels):
    """Argmax of the output against class indices (``labels="sparse"``) or the
    argmax of one-hot rows (``labels="one_hot"``). Ties go to the first index."""
    rank = len(y_pred.shape) - 1
    if labels == "sparse":
        return argmax_hits_at(sparse_label_positions(y_true, rank), y_pred)
    return argmax_hits_at(one_hot_label_positions(y_true), y_pred)


def argmax_hits_at(label_positions, y_pred):
    """Argmax of the output against int32 class indices per position (the labels
    read once, by ``sparse_label_positions`` or ``one_hot_label_positions``)."""
    return ops.cast(ops.equal(first_max_index(y_pred), label_positions), "float32")


def one_hot_label_positions(y_true):
    """The class index of each one-hot label row (its argmax), as int32."""
    return first_max_index(y_true)


def first_max_index(x):
    """The index of the first largest value along the last axis, as int32: numpy's
    ``argmax``, ties to the first (``-0.0`` and ``0.0`` are equal, as in numpy).

    Taken as the argmax of the 0/1 mask of the row's maxima: on float input, Keras's
    ``argmax`` adds a handful of ops to rank ``-0.0`` below ``0.0``; on int32 it
    adds none.

    >>> import numpy as np
    >>> np.asarray(first_max_index(np.array([[0.2, 0.7, 0.7], [-0.0, 0.0, -1.0]]))).tolist()
    [1, 0]
    """
    x = _as_float32(x)
    at_max = ops.greater_equal(x, ops.max(x, axis=-1, keepdims=True))
    return ops.cast(ops.argmax(ops.cast(at_max, "int32"), axis=-1), "int32")


def multilabel_hits(y_true, y_pred, decision_threshold, average="per_label",
                    positive_below=False):
    """Per row of labels: the share of labels right (``"per_label"``) or 1.0 only
    when every label is right (``"exact_match"``)."""
    decisions = binary_hits(y_true, y_pred, decision_threshold, positive_below)
    if average == "exact_match":
        return ops.min(decisions, axis=-1)
    return ops.mean(decisions, axis=-1)


def sparse_label_positions(y_true, rank):
    """Class-index labels with a trailing unit axis dropped, as int32."""
    return ops.cast(_drop_unit_axis(ops.convert_to_tensor(y_true), rank), "int32")


def rows_without_one_positive(y_true):
    """1.0 for each label row that doesn't hold exactly one positive (> 0.5).

    One-hot rows, and hinge rows of -1 with a single +1, give 0.0.
    """
    positives = ops.sum(ops.cast(ops.greater(_as_float32(y_true), 0.5), "float32"), axis=-1)
    return ops.cast(ops.not_equal(positives, 1.0), "float32")


def rows_with_a_class(y_true):
    """1.0 for each one-hot label row with some class set, 0.0 for an all-zero row
    (a "void" label through ``one_hot``, a padded one-hot target).

    >>> import numpy as np
    >>> np.asarray(rows_with_a_class(np.array([[0, 1, 0], [0, 0, 0]]))).tolist()
    [1.0, 0.0]
    """
    return ops.cast(ops.any(ops.not_equal(_as_float32(y_true), 0.0), axis=-1), "float32")


def edge_runs_of_zero(labels):
    """1.0 at positions of ``(N, T)`` class indices that lie in a run of 0 reaching the
    start or the end of their sequence, as padding does.

    >>> import numpy as np
    >>> np.asarray(edge_runs_of_zero(np.array([[0, 3, 0, 2, 0, 0]]))).tolist()
    [[1.0, 0.0, 0.0, 0.0, 1.0, 1.0]]
    """
    zero = ops.cast(ops.equal(ops.convert_to_tensor(labels), 0), "float32")
    leading = ops.cumprod(zero, axis=1)
    trailing = ops.flip(ops.cumprod(ops.flip(zero, axis=1), axis=1), axis=1)
    return ops.maximum(leading, trailing)
