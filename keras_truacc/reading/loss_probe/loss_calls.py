"""Calling a loss eagerly on probe tensors, and telling a real change in its value
from float32 noise."""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np

from keras_truacc.reading.loss_probe.probe_inputs import (
    _base_rows,
    _CannotProbe,
    _Layout,
    _valid_labels,
)
from keras_truacc.reading.tensors import to_numpy

_EPS32 = float(np.finfo(np.float32).eps)
_NOISE_ULPS = 16  # a float32 loss is trusted to this many units in the last place
_SAME_VALUE = 1e-6  # relative change below which the loss "did not change"
_CLEARLY_CHANGED = 1e-4  # relative change above which the loss surely changed


class _LossError(Exception):
    """One call of the loss raised, or gave a value that is not a finite number."""


@contextlib.contextmanager
def _eager_scope():
    """Compute with concrete values even while a step is being traced."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.init_scope():  # out of the tf.function graph being built
            yield
    elif backend == "jax":
        import jax

        with jax.ensure_compile_time_eval():  # inside jit, ops on constants are staged too
            yield
    elif backend == "torch":
        import torch

        with torch.no_grad():
            yield
    else:
        yield


def _compiled(loss):
    """The loss compiled with ``jax.jit``, as a jitted train step runs it: op by op, JAX
    compiles every op for the probe's shapes (up to a second); compiled, it is one."""
    import jax

    return jax.jit(lambda y_true, y_pred: loss(y_true, y_pred))


class _LossCall:
    """Calls the loss on numpy labels and output rows; returns its total as a float.

    Output rows are ``(positions, units)`` arrays, reshaped to the output shape;
    labels are ``(positions, units)`` (or ``(positions,)`` class indices), reshaped
    to the label shape. A loss that returns one value per sample or per position is
    summed, so that a reduced loss and an unreduced one move alike.
    """

    def __init__(self, loss, layout: _Layout, label_dtype="float32", compiled=False):
        self.loss = _compiled(loss) if compiled else loss
        self.layout = layout
        self.label_dtype = label_dtype

    @classmethod
    def checked(cls, loss, layout: _Layout) -> _LossCall:
        """A call that works and answers the same twice, or ``_CannotProbe``.

        Keras losses cast labels to float; a bare function may want integers. On JAX
        the loss is compiled first, and called op by op if it can't be.
        """
        labels, rows = _valid_labels(layout), _base_rows(layout)
        compiled = (True, False) if keras.backend.backend() == "jax" else (False,)
        first_error = None
        for label_dtype in ("float32", "int32"):
            for compile_it in compiled:
                call = cls(loss, layout, label_dtype, compile_it)
                try:
                    first = call(labels, rows)
                except _LossError as error:
                    first_error = first_error or error
                    continue
                call.check_repeatable(labels, rows, first)
                return call
        raise _CannotProbe(f"Probing the loss failed ({first_error}); what it does is unknown.")

    def check_repeatable(self, labels, rows, first: float):
        second = self(labels, rows)
        if abs(first - second) > _noise(first, second):
            raise _CannotProbe(
                f"Probing the loss failed: it gave {first:.6g} and then {second:.6g} for the "
                "same outputs and labels (is it random?); what it does is unknown."
            )

    def __call__(self, labels, rows) -> float:
        try:
            y_true = keras.ops.convert_to_tensor(
                np.asarray(labels).reshape(self.layout.label_shape).astype(self.label_dtype)
            )
            y_pred = keras.ops.convert_to_tensor(
                np.asarray(rows, dtype=np.float32).reshape(self.layout.output_shape)
            )
            value = self.loss(y_true, y_pred)
            total = float(np.sum(to_numpy(value).astype(np.float64)))
        except Exception as error:
            raise _LossError(_describe(error)) from error
        if not math.isfinite(total):
            raise _LossError(f"it returned {total}")
        return total


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()
    first_line = message[0] if message else ""
    if len(first_line) > 120:
        first_line = first_line[:117] + "..."
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def _noise(*losses: float) -> float:
    """How far apart two float32 values of this loss may be by rounding alone."""
    return _NOISE_ULPS * _EPS32 * max(max(abs(v) for v in losses), 1e-30)


def _unchanged(before: float, after: float) -> bool:
    return abs(after - before) <= _SAME_VALUE * max(abs(before), abs(after), 1e-30)


def _clearly_changed(before: float, after: float) -> bool:
    return abs(after - before) > _CLEARLY_CHANGED * max(abs(before), abs(after), 1e-30)


