"""Basic text classification: a Sequential WITHOUT an Input ending in Dense(1)
logits, ``BinaryCrossentropy(from_logits=True)`` and
``BinaryAccuracy(threshold=0.0)`` (right: logits decided at 0).

Source: tensorflow/docs, site/en/tutorials/keras/text_classification.ipynb
(https://www.tensorflow.org/tutorials/keras/text_classification).
Kept: the model (Embedding(max_features, embedding_dim=16), Dropout(0.2),
GlobalAveragePooling1D, Dropout(0.2), Dense(1); no Input), compile
(losses.BinaryCrossentropy(from_logits=True), 'adam',
metrics=tf.metrics.BinaryAccuracy(threshold=0.0) -- here a list holding
keras.metrics.BinaryAccuracy(threshold=0.0), so the harness can append), tf.data
datasets of (token ids, int label) with ``.cache().prefetch(AUTOTUNE)``, labels
of shape (batch,), padding id 0 at the end (as TextVectorization pads).
Changed: 600 synthetic "reviews" (token ids; positive reviews use a set of
positive words more often, negative ones a set of negative words) instead of the
IMDB text run through TextVectorization; max_features 200 instead of 10000,
sequence_length 24 instead of 250; batch 32; 5 epochs.
"""

import keras
import numpy as np
from keras import layers, losses

from tests import reference as ref

EPOCHS = 5
MAX_FEATURES, SEQUENCE_LENGTH, EMBEDDING_DIM = 200, 24, 16
N, N_VAL = 600, 120


def _reviews(rng, n):
    labels = rng.integers(0, 2, n)
    x = np.zeros((n, SEQUENCE_LENGTH), dtype="int64")
    for i, label in enumerate(labels):
        length = rng.integers(8, SEQUENCE_LENGTH + 1)
        words = rng.integers(42, MAX_FEATURES, size=length)  # neutral words
        sentiment = rng.uniform(size=length) < 0.35
        own = rng.integers(2, 22, size=length) if label else rng.integers(22, 42, size=length)
        x[i, :length] = np.where(sentiment, own, words)
    return x, labels.astype("int32")


def make_data(rng):
    import tensorflow as tf

    x, y = _reviews(rng, N)
    autotune = tf.data.AUTOTUNE
    train_ds = tf.data.Dataset.from_tensor_slices((x[:-N_VAL], y[:-N_VAL])).batch(32)
    val_ds = tf.data.Dataset.from_tensor_slices((x[-N_VAL:], y[-N_VAL:])).batch(32)
    train_ds = train_ds.cache().prefetch(buffer_size=autotune)
    val_ds = val_ds.cache().prefetch(buffer_size=autotune)
    return {"x": train_ds, "val": val_ds, "x_val": x[-N_VAL:], "y_val": y[-N_VAL:]}


def build(extra, data):
    model = keras.Sequential(
        [
            layers.Embedding(MAX_FEATURES, EMBEDDING_DIM),
            layers.Dropout(0.2),
            layers.GlobalAveragePooling1D(),
            layers.Dropout(0.2),
            layers.Dense(1),
        ]
    )
    model.compile(
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer="adam",
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)] + extra(),
    )
    return model


def reference(model, data):
    logits = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.binary_accuracy(data["y_val"], logits, 0.0)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_binary_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
