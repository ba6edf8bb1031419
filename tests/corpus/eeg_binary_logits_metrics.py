"""A binary EEG classifier on logits: ``Dense(1, activation=None)`` trained with
``BinaryCrossentropy(from_logits=True)``, with ``BinaryCrossentropyMetric(name='Loss')``
and ``BinaryAccuracy(name='Accuracy')`` as metrics, both left at their defaults.

Both read the logits as probabilities: the cross-entropy metric clips them into
(0, 1) (``from_logits=False``), the accuracy thresholds them at 0.5. truacc names
both WRONG, logs ``true_accuracy`` (logits > 0) and ``true_Loss``
(``BinaryCrossentropy(from_logits=True)``), and says each once.

Source: dbrockmann/eeg-classification, ``model/binary_cf.py`` (``build_binary_cf``).
Kept: Dense(32, relu), Dense(16, relu), Dense(1, activation=None); Adam(1e-4);
``BinaryCrossentropy(from_logits=True)``; the two metrics and their names.
Changed: 24 synthetic band-power features of 600 "recordings" (label from a noisy
linear rule) instead of the EEG feature files; ``keras.Input`` added; Adam(1e-3) so
that 6 epochs learn; labels of shape (N, 1).
"""

import keras
import numpy as np
from keras.layers import Dense
from keras.losses import BinaryCrossentropy
from keras.metrics import BinaryAccuracy
from keras.metrics import BinaryCrossentropy as BinaryCrossentropyMetric
from keras.optimizers import Adam

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 6
FEATURES, N, N_VAL = 24, 600, 120


def make_data(rng):
    x = rng.normal(size=(N, FEATURES)).astype("float32")
    w = rng.normal(size=(FEATURES,))
    y = ((x @ w + rng.normal(0, 2.0, N)) > 0).astype("float32")[:, None]
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 32}}


def build_binary_cf(extra):
    binary_cf = keras.Sequential([
        keras.Input((FEATURES,)),
        Dense(units=32, activation="relu"),
        Dense(units=16, activation="relu"),
        Dense(units=1, activation=None),
    ])
    binary_cf.compile(
        optimizer=Adam(learning_rate=0.001),
        loss=BinaryCrossentropy(from_logits=True),
        metrics=[BinaryCrossentropyMetric(name="Loss"), BinaryAccuracy(name="Accuracy")]
        + extra(),
    )
    return binary_cf


def build(extra, data):
    return build_binary_cf(extra)


def reference(model, data):
    x_val, y_val = data["val"]
    logits = model.predict(x_val, verbose=0).astype("float64")
    labels = y_val.astype("float64")
    # Binary cross-entropy from logits, stably: max(z, 0) - z*y + log(1 + exp(-|z|)).
    loss = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    return {"accuracy": ref.binary_accuracy(y_val, logits, 0.0), "loss": float(loss.mean())}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "present": ["val_true_Loss", "true_Loss"],
    "warnings": [Warn("MetricMismatchWarning", "'Loss'", count=1),
                 Warn("AccuracyMismatchWarning", "'Accuracy'", required=False),
                 Warn("BaselineWarning", required=False)],
    "wrong": {"Loss", "Accuracy"},
}
