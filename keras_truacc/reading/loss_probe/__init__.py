"""Keras glue: learn what a loss keras-truacc doesn't know does, by calling it.

A custom ``keras.losses.Loss`` or a plain function ``fn(y_true, y_pred)`` says
nothing about itself. So it is called eagerly, a few dozen times, on small made-up
outputs and labels, and the probe watches how its value moves:

- does moving some units' outputs change how much another unit counts? Then the
  loss couples the units of a row: one class per row (``exclusive``);
- at which output value do a positive and a negative label cost the same
  (``decision_point``: 0.5 for probabilities, 0 for logits and scores)? Only for a
  loss that treats the two labels alike: one that weighs them unequally (class
  balancing) crosses at a point that is no threshold its outputs mean;
- at positions holding which label value does the output stop mattering
  (``ignored_label``, padding)?

Whatever the probe can't tell for sure stays ``None``, with a note saying why;
nothing it meets (a loss that raises, a NaN, a random loss) escapes as an exception.
Labels are made 0/1 per unit, one-hot rows, or class indices: a loss written for -1/1
labels is judged by what it does with 0/1 ones. It runs eagerly even while a step is
traced; on JAX the loss is compiled once with ``jax.jit``, as a jitted step runs it.

>>> import keras
>>> probe = probe_loss(keras.losses.BinaryCrossentropy(from_logits=True), (None, 4), (None, 4))
>>> probe.exclusive, probe.decision_point, probe.ignored_label
(False, 0.0, None)
>>> loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
>>> probe = probe_loss(loss, (None, 20, 5), (None, 20))
>>> probe.exclusive, probe.decision_point, probe.ignored_label
(True, None, 0)
>>> probe.notes[-1]
"Probing the loss showed that positions labelled 0 don't change it: they are ignored."
"""

from __future__ import annotations

from keras_truacc.decision.facts import LossProbe, format_shape
from keras_truacc.reading.loss_probe.decision_point import _probe_decision_point
from keras_truacc.reading.loss_probe.exclusivity import _probe_exclusive
from keras_truacc.reading.loss_probe.ignored_labels import (
    _probe_ignored_label,
    _rows_without_class_are_ignored,
)
from keras_truacc.reading.loss_probe.loss_calls import _describe, _eager_scope, _LossCall
from keras_truacc.reading.loss_probe.probe_inputs import _CannotProbe, _Layout, _probe_layout


def probe_loss(loss, output_shape, label_shape) -> LossProbe:
    """What ``loss`` does, learned by calling it on small probe tensors.

    ``loss`` is a ``keras.losses.Loss`` or a callable ``fn(y_true, y_pred)``.
    ``output_shape`` is the static shape of ``y_pred``, batch axis first; its last
    axis (the units or classes) must be known. ``label_shape`` is the static shape
    of ``y_true`` as the step sees it: class indices when it has one axis fewer than
    the output, or a last axis of 1 while the output has several units; else labels
    shaped like the output (0/1 per unit, or one-hot rows).

    Safe to call while a step is being traced: it runs eagerly. Never raises.
    """
    try:
        layout = _probe_layout(output_shape, label_shape)
        if not callable(loss):
            raise _CannotProbe(f"Can't probe the loss: {loss!r} is not callable.")
        with _eager_scope():
            return _probe(loss, layout)
    except _CannotProbe as error:
        return LossProbe(failed=True, notes=(str(error),))
    except Exception as error:  # a bug here must not take a fit down
        return LossProbe(failed=True, notes=(f"Probing the loss failed ({_describe(error)}).",))


def _probe(loss, layout: _Layout) -> LossProbe:
    call = _LossCall.checked(loss, layout)
    notes = []
    if layout.shrunk:
        notes.append(
            f"The loss was probed on outputs shaped {format_shape(layout.output_shape)}, "
            "smaller than the model's."
        )
    exclusive, note = _probe_exclusive(call, layout)
    notes.append(note)
    decision_point, positive_below = None, False
    if exclusive is False and not layout.sparse:
        decision_point, note, positive_below = _probe_decision_point(call, layout)
        notes.append(note)
    ignored_label, ignored_notes = _probe_ignored_label(call, layout, exclusive)
    notes.extend(ignored_notes)
    empty_rows = None
    if not layout.sparse and exclusive is not False:
        empty_rows = _rows_without_class_are_ignored(call, layout)
        if empty_rows:
            notes.append(
                "Probing the loss showed that rows with no class set (all-zero labels) don't "
                "change it: they are ignored."
            )
    return LossProbe(
        decision_point=decision_point,
        positive_below=positive_below,
        exclusive=exclusive,
        ignored_label=ignored_label,
        ignores_empty_rows=empty_rows,
        notes=tuple(notes),
    )

