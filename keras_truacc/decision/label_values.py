"""Facts about a batch of labels, read with numpy.

>>> import numpy as np
>>> v = describe_labels(np.array([[0, 1, 0], [1, 0, 0]]))
>>> v.rows_one_hot, v.minimum, v.maximum
(True, 0.0, 1.0)
>>> describe_labels(np.array([0.0, 2.5])).all_integer
False
>>> describe_labels(np.array([[-1, 1, -1], [1, -1, -1]])).rows_one_hot   # hinge labels
True
"""

from __future__ import annotations

import numpy as np

from keras_truacc.decision.facts import LabelValues


def describe_labels(labels) -> LabelValues:
    """Summarise label values: range, integrality, one-hot-ness."""
    array = np.asarray(labels)
    kind = array.dtype.kind
    if kind in ("U", "S", "O"):
        return LabelValues(dtype_kind=kind, count=int(array.size))
    if kind == "b":
        array = array.astype(np.int8)
        kind = "b"
    values = array.astype(np.float64, copy=False)
    finite = np.isfinite(values)
    all_finite = bool(finite.all())
    good = values[finite]
    count = int(array.size)
    if good.size == 0:
        return LabelValues(kind, count, None, None, all_finite, True, None, None)
    values_binary = bool(np.isin(good, (0.0, 1.0)).all())
    rows_one_hot = None
    if array.ndim >= 2 and array.shape[-1] > 1 and all_finite:
        rows_one_hot = _one_positive_per_row(values)
    return LabelValues(
        dtype_kind=kind,
        count=count,
        minimum=float(good.min()),
        maximum=float(good.max()),
        all_finite=all_finite,
        all_integer=bool((np.floor(good) == good).all()),
        rows_one_hot=rows_one_hot,
        values_binary=values_binary,
    )


def _one_positive_per_row(values) -> bool:
    """Every row holds exactly one 1 and otherwise 0 (or -1, as hinge labels do)."""
    if not np.isin(values, (-1.0, 0.0, 1.0)).all():
        return False
    negatives_as_zero = values > 0.5
    if (values < 0).any() and (values == 0).any():
        return False  # a mix of 0 and -1 negatives is not one encoding
    return bool((negatives_as_zero.sum(axis=-1) == 1).all())
