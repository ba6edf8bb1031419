"""The basic text classification model of ``text_classification_logits`` (Dense(1)
logits, ``BinaryCrossentropy(from_logits=True)``) compiled with
``keras.metrics.BinaryAccuracy()``: threshold 0.5 on logits, WRONG. The
tutorial itself passes ``threshold=0.0``; this variant is what one gets by
leaving the default, or by writing ``metrics=["accuracy"]``.

Source: tensorflow/docs, site/en/tutorials/keras/text_classification.ipynb
(https://www.tensorflow.org/tutorials/keras/text_classification).
Kept: everything of ``text_classification_logits`` (model, loss, optimizer, data
pipeline, synthetic data).
Changed: ``BinaryAccuracy()`` (threshold 0.5) instead of
``BinaryAccuracy(threshold=0.0)``.
"""

import keras
from keras import layers, losses

from tests.corpus import text_classification_logits as base
from tests.corpus.harness import Warn

EPOCHS = base.EPOCHS
make_data = base.make_data


def build(extra, data):
    model = keras.Sequential(
        [
            layers.Embedding(base.MAX_FEATURES, base.EMBEDDING_DIM),
            layers.Dropout(0.2),
            layers.GlobalAveragePooling1D(),
            layers.Dropout(0.2),
            layers.Dense(1),
        ]
    )
    model.compile(
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer="adam",
        metrics=[keras.metrics.BinaryAccuracy()] + extra(),
    )
    return model


def reference(model, data):
    from tests import reference as ref

    logits = model.predict(data["x_val"], verbose=0)
    return {
        "accuracy": ref.binary_accuracy(data["y_val"], logits, 0.0),
        "keras_at_0.5": ref.binary_accuracy(data["y_val"], logits, 0.5),
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_binary_accuracy": "keras_at_0.5"},
    # Once per fit, naming the key, whether or not the two figures happen to agree.
    "warnings": [Warn("AccuracyMismatchWarning", "binary_accuracy", count=1)],
    "wrong": {"binary_accuracy"},
}
