"""``truacc.auto()``: the metric for the Keras in use, Keras 3's or tf_keras's.

It sits above both metric classes, so neither imports the other's Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keras_truacc.metrics import TrueAccuracy


def auto(
    name: str = "accuracy",
    *,
    task: str | None = None,
    from_logits: bool | None = None,
    threshold: float | None = None,
    ignore_class: int | None = None,
    average: str = "per_label",
    **overrides,
) -> TrueAccuracy:
    """The one-line replacement for ``metrics=['accuracy']``.

    >>> import keras_truacc as truacc
    >>> truacc.auto().name
    'accuracy'

    ```python
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[truacc.auto()])       # thresholds logits at 0
    ```

    Args:
        name: the log key (``"accuracy"`` replaces ``metrics=["accuracy"]`` line for line).
        task: ``"binary"``, ``"multiclass"``, ``"multilabel"`` or ``"none"`` (not a
            classification); ``None`` reads it from the model.
        from_logits: whether the outputs are logits; ``None`` reads it from the loss and the
            activation.
        threshold: the decision point on the probability scale (on logits it is applied as
            ``log(t / (1 - t))``); ``None``: 0.5.
        ignore_class: a label value left out of the count (padding).
        average: for multi-label outputs, ``"per_label"`` or ``"exact_match"``.

    Explicit arguments always win over what the model says.

    With ``TF_USE_LEGACY_KERAS`` set (TensorFlow's switch to tf_keras, Keras 2),
    the metric is a tf_keras one: ``keras_truacc.keras2.metrics.TrueAccuracy``.
    """
    from keras_truacc.which_keras import legacy_keras_requested

    arguments = dict(task=task, from_logits=from_logits, threshold=threshold,
                     ignore_class=ignore_class, average=average, **overrides)
    if legacy_keras_requested():
        from keras_truacc.keras2.metrics import auto as keras2_auto

        return keras2_auto(name, **arguments)
    from keras_truacc.metrics.true_accuracy import TrueAccuracy

    return TrueAccuracy(name=name, **arguments)
