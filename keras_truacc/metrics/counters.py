"""Exact running counts in float32 metric variables, all of a metric's counts in one vector.

A single float32 total stops counting exactly at 2**24 (16.7M) samples: adding
1 to 16777216.0 gives 16777216.0. Keras's ``Mean``-based accuracies have that
limit. Here each count is kept as ``high + low``: ``low`` takes each batch's
amount, and whole multiples of 2**20 move from ``low`` to ``high``. ``high``
only ever holds multiples of 2**20, so it is exact up to 2**44 (1.7e13), and
``low`` stays small enough that every integer step in it is exact.

All the counts of one metric live in two vectors, ``high`` and ``low`` (two
variables of ``n`` counts each), so a batch costs two ``assign_add`` whatever the
number of counts, and the update reads ``low`` without splitting a stacked state.
Only ``assign_add`` is used, so replicas under ``tf.distribute`` sum their
contributions (``aggregation="sum"``) instead of overwriting each other.

>>> import keras
>>> class Demo(keras.metrics.Metric):
...     def __init__(self):
...         super().__init__(name="demo")
...         self.counts = ExactCounts(self, ("correct", "total"))
>>> m = Demo()
>>> m.counts.add(correct=3.0, total=4.0); m.counts.add(total=1.0)
>>> m.counts.exact()
{'correct': 3.0, 'total': 5.0}
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_truacc.reading.tensors import to_numpy

CARRY_UNIT = float(2**20)
_TINY_WHOLE = 1e-30  # below any real count or sum of sample weights


def share(part, whole):
    """``part / whole`` for counts (``0 <= part <= whole``), 0 where ``whole`` is 0.

    TensorFlow has this as one op (``DivNoNan``). Elsewhere Keras builds
    ``divide_no_nan`` from two ``where`` (nine JAX equations), while
    ``part / max(whole, 1e-30)`` takes two and gives the same for counts: a zero
    whole has a zero part.

    >>> [float(share(3.0, 4.0)), float(share(0.0, 0.0))]
    [0.75, 0.0]
    """
    if keras.backend.backend() == "tensorflow":
        return ops.divide_no_nan(part, whole)
    return ops.divide(part, ops.maximum(whole, _TINY_WHOLE))


class Totals:
    """``high + low`` of every count, from one read of the variables, split once.

    Each named count comes out as a ``(1,)`` tensor and the block of class counts
    as one vector, so no count costs an op of its own; a result squeezes its
    figure to a scalar once, at the end. ``share``
    divides by a count, sharing the denominator's guard between results.
    """

    SPLIT_ALL_UP_TO = 64  # counts (TensorFlow); more, and the block is sliced off whole

    def __init__(self, summed, index: dict, block: str | None):
        self.summed = summed
        self._index = index
        cut = index[block] if block is not None else None
        if cut is None:
            self._parts = ops.split(summed, len(index))
        elif keras.backend.backend() != "tensorflow":
            # One piece per named count, then the block whole: one split.
            self._parts = ops.split(summed, list(range(1, cut + 1)))
        elif len(index) <= self.SPLIT_ALL_UP_TO:
            # Keras's TensorFlow split at indices works the sizes out in-graph (a
            # dozen ops): split into counts, and concatenate the block back.
            self._parts = ops.split(summed, len(index))
        else:  # thousands of class counts: one output per count costs more
            self._parts = ops.split(summed[:cut], cut) + [summed[cut:]]
        self._block_whole = cut is not None and len(self._parts) == cut + 1
        self._wholes = {}

    def __getitem__(self, name: str):
        """The count ``name``, shape ``(1,)``."""
        return self._parts[self._index[name]]

    def vector(self, start: str, count: int):
        """``count`` counts from the one named ``start`` on, as one vector."""
        i = self._index[start]
        if self._block_whole and i == len(self._parts) - 1:
            block = self._parts[i]
            return block if block.shape[0] == count else block[:count]
        return ops.concatenate(self._parts[i : i + count])

    def share(self, part, of: str = "total"):
        """``part / counts[of]``, 0 where that count is 0 (see ``share``)."""
        if keras.backend.backend() == "tensorflow":
            return ops.divide_no_nan(part, self[of])
        if of not in self._wholes:
            self._wholes[of] = ops.maximum(self[of], _TINY_WHOLE)
        return ops.divide(part, self._wholes[of])


class ExactCounts:
    """Named exact counts, held by ``metric`` in two float32 ``(n,)`` variables."""

    def __init__(self, metric, names: tuple[str, ...], block: str | None = None):
        """``block``: the first of the counts read together as one vector (the
        class counts), the last ones in ``names``."""
        self.names = tuple(names)
        self.block = block
        self._index = {name: i for i, name in enumerate(self.names)}
        # ``add_weight`` with keywords: Keras 3's and tf_keras's metrics both take it.
        self.high, self.low = (
            metric.add_weight(
                shape=(len(self.names),), initializer="zeros", dtype="float32", name=name
            )
            for name in ("counts_high", "counts_low")
        )

    def add(self, **amounts) -> None:
        """Add each named amount (a scalar tensor or number); the others add 0."""
        unknown = set(amounts) - set(self._index)
        if unknown:
            raise KeyError(f"no such count: {sorted(unknown)}; counts are {self.names}")
        self.add_vector(
            ops.stack([ops.cast(amounts.get(name, 0.0), "float32") for name in self.names])
        )

    def add_vector(self, amount) -> None:
        """Add a float32 vector holding one amount per count, in ``names`` order."""
        # Whole multiples of 2**20 of the new low carry to high; the rest stays in
        # low. floor(x * 2**-20) * 2**20 is exact in float32 (a power of two).
        carry = ops.floor((_read(self.low) + amount) * (1.0 / CARRY_UNIT)) * CARRY_UNIT
        self.high.assign_add(carry)
        self.low.assign_add(amount - carry)

    def read(self):
        """``(high, low)`` as tensors. Under ``tf.distribute`` the variables are
        synced on read: inside a step this is the replica's own copy (what the
        carry needs), across replicas (a result, ``exact()``) the sum of the copies."""
        return _read(self.high), _read(self.low)

    def values(self) -> Totals:
        """Every count as a float32 tensor, from one read of the variables."""
        high, low = self.read()
        return Totals(high + low, self._index, self.block)

    def exact(self) -> dict:
        """Every count exactly, as Python floats (float64)."""
        high, low = (to_numpy(part).astype("float64") for part in self.read())
        return {name: float(high[i] + low[i]) for i, name in enumerate(self.names)}

    def assign_exact(self, totals) -> None:
        """Set every count to ``totals`` (numbers, in ``names`` order, each a whole
        number below 2**44 or a float32 weight sum), split into ``high + low``."""
        totals = np.asarray(totals, dtype="float64")
        high = np.floor(totals / CARRY_UNIT) * CARRY_UNIT
        self.high.assign(high.astype("float32"))
        self.low.assign((totals - high).astype("float32"))

    def reset(self) -> None:
        for part in (self.high, self.low):
            part.assign(ops.zeros((len(self.names),), dtype="float32"))


def _read(variable):
    """A variable as a tensor: a Keras 3 variable's ``value`` (what JAX needs), or a
    ``tf.Variable`` (tf_keras) converted as tf_keras's own metrics read theirs."""
    value = variable.value
    return ops.convert_to_tensor(variable) if callable(value) else value
