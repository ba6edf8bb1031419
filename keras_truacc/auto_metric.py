"""``truacc.auto()``: the metric for the Keras in use, Keras 3's or tf_keras's.

It sits above both metric classes, so neither imports the other's Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keras_truacc.metrics import TrueAccuracy


def auto(name: str = "accuracy", **overrides) -> "TrueAccuracy":
    """The one-line replacement for ``metrics=['accuracy']``.

    >>> import keras_truacc as truacc
    >>> truacc.auto().name
    'accuracy'

    ```python
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[truacc.auto()])       # thresholds logits at 0
    ```

    Keyword overrides (``task``, ``from_logits``, ``threshold``, ``ignore_class``,
    ``average``) always win over what the model says.

    With ``TF_USE_LEGACY_KERAS`` set (TensorFlow's switch to tf_keras, Keras 2),
    the metric is a tf_keras one: ``keras_truacc.keras2.metrics.TrueAccuracy``.
    """
    from keras_truacc.which_keras import legacy_keras_requested

    if legacy_keras_requested():
        from keras_truacc.keras2.metrics import auto as keras2_auto

        return keras2_auto(name, **overrides)
    from keras_truacc.metrics.true_accuracy import TrueAccuracy

    return TrueAccuracy(name=name, **overrides)
