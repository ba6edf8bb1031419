"""Exact running counts in float32 variables.

A single float32 total stops counting exactly at 2**24 (16.7M) samples: adding
1 to 16777216.0 gives 16777216.0. Keras's ``Mean``-based accuracies have that
limit. Here a count is kept as ``high + low``: ``low`` takes each batch's
amount, and whole multiples of 2**20 move from ``low`` to ``high``. ``high``
only ever holds multiples of 2**20, so it is exact up to 2**44 (1.7e13), and
``low`` stays small enough that every integer step in it is exact.

Only ``assign_add`` is used, so replicas under ``tf.distribute`` sum their
contributions (``aggregation="sum"``) instead of overwriting each other.
"""

from __future__ import annotations

from keras import ops

CARRY_UNIT = float(2**20)


class ExactCount:
    """A pair of float32 metric variables holding one exact count."""

    def __init__(self, metric, name: str):
        self.high = metric.add_variable(
            shape=(), initializer="zeros", dtype="float32", name=f"{name}_high"
        )
        self.low = metric.add_variable(
            shape=(), initializer="zeros", dtype="float32", name=f"{name}_low"
        )

    def add(self, amount) -> None:
        amount = ops.cast(amount, "float32")
        new_low = self.low + amount
        carry = ops.floor(new_low / CARRY_UNIT) * CARRY_UNIT
        self.high.assign_add(carry)
        self.low.assign_add(amount - carry)

    def value(self):
        """The count as one float32 tensor (rounded past 2**24; fine for ratios)."""
        return self.high + self.low

    def exact(self) -> float:
        """The exact count, as a Python float (float64)."""
        return float(ops.convert_to_numpy(self.high)) + float(ops.convert_to_numpy(self.low))

    def reset(self) -> None:
        self.high.assign(0.0)
        self.low.assign(0.0)
