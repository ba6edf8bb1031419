"""Exact running counts in float32 metric variables, all of a metric's counts in one vector.

A single float32 total stops counting exactly at 2**24 (16.7M) samples: adding
1 to 16777216.0 gives 16777216.0. Keras's ``Mean``-based accuracies have that
limit. Here each count is kept as ``high + low``: ``low`` takes each batch's
amount, and whole multiples of 2**20 move from ``low`` to ``high``. ``high``
only ever holds multiples of 2**20, so it is exact up to 2**44 (1.7e13), and
``low`` stays small enough that every integer step in it is exact.

All the counts of one metric live in one ``(2, n)`` variable (row 0 ``high``,
row 1 ``low``), so a batch costs one ``assign_add``, whatever the number of
counts. Only
``assign_add`` is used, so replicas under ``tf.distribute`` sum their
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

from keras import ops

CARRY_UNIT = float(2**20)


class Totals:
    """``high + low`` of every count, from one read of the variable, split once;
    only the counts asked for are taken out (a graph op each). A long block of
    counts (``block`` on, e.g. thousands of class counts) is sliced off whole
    instead: one output per count would cost more than the counts themselves."""

    SPLIT_ALL_UP_TO = 64  # counts; more, and the block is sliced off whole

    def __init__(self, summed, index: dict, block: str | None):
        self.summed = summed
        self._index = index
        self._block = index[block] if block is not None else None
        if self._block is None or len(index) <= self.SPLIT_ALL_UP_TO:
            self._parts = ops.split(summed, len(index))
            self._whole_block = None
        else:
            self._parts = ops.split(summed[: self._block], self._block)
            self._whole_block = summed[self._block :]

    def __getitem__(self, name: str):
        return ops.squeeze(self._parts[self._index[name]], axis=0)

    def vector(self, start: str, count: int):
        """``count`` counts from the one named ``start`` on, as one vector."""
        i = self._index[start]
        if self._whole_block is not None and i == self._block:
            return self._whole_block[:count]
        return ops.concatenate(self._parts[i : i + count])


class ExactCounts:
    """Named exact counts, held by ``metric`` in one float32 ``(2, n)`` variable."""

    def __init__(self, metric, names: tuple[str, ...], block: str | None = None):
        """``block``: the first of the counts read together as one vector (the
        class counts), the last ones in ``names``."""
        self.names = tuple(names)
        self.block = block
        self._index = {name: i for i, name in enumerate(self.names)}
        # ``add_weight`` with keywords: Keras 3's and tf_keras's metrics both take it.
        self.state = metric.add_weight(
            shape=(2, len(self.names)), initializer="zeros", dtype="float32", name="counts"
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
        low = ops.unstack(self.read())[1]
        # Whole multiples of 2**20 of the new low carry to high; the rest stays in
        # low. floor(x * 2**-20) * 2**20 is exact in float32 (a power of two).
        carry = ops.floor((low + amount) * (1.0 / CARRY_UNIT)) * CARRY_UNIT
        self.state.assign_add(ops.stack([carry, amount - carry]))

    def read(self):
        """The ``(2, n)`` state as a tensor: a Keras 3 variable's ``value`` (what JAX
        needs), or a ``tf.Variable`` (tf_keras) converted as tf_keras's own metrics
        read theirs. Under ``tf.distribute`` the variable is synced on read: inside
        a step this is the replica's own copy (what the carry needs), across
        replicas (a result, ``exact()``) the sum of the copies."""
        value = self.state.value
        return ops.convert_to_tensor(self.state) if callable(value) else value

    def values(self) -> Totals:
        """Every count as a float32 tensor, from one read of the variable."""
        return Totals(ops.sum(self.read(), axis=0), self._index, self.block)

    def exact(self) -> dict:
        """Every count exactly, as Python floats (float64)."""
        high, low = ops.convert_to_numpy(self.read()).astype("float64")
        return {name: float(high[i] + low[i]) for i, name in enumerate(self.names)}

    def reset(self) -> None:
        self.state.assign(ops.zeros((2, len(self.names)), dtype="float32"))
