"""Transfer learning & fine-tuning: a frozen base model nested inside a functional
model (a model used as a layer), Dense(1) logits,
``BinaryCrossentropy(from_logits=True)`` and ``keras.metrics.BinaryAccuracy()``:
threshold 0.5 on logits, WRONG (outputs in (0, 0.5] are positive logits counted
as negative). The variant of the TF text-classification case with the default
threshold.

Source: keras-team/keras-io, guides/transfer_learning.py
(https://keras.io/guides/transfer_learning/), "An end-to-end example:
fine-tuning an image classification model on a cats vs. dogs dataset".
Kept: the top model (Input, data augmentation (RandomFlip), Rescaling(1/127.5,
offset=-1), ``base_model(x, training=False)`` with ``base_model.trainable =
False``, GlobalAveragePooling2D, Dropout(0.2), Dense(1)) and its compile
(keras.optimizers.Adam(), BinaryCrossentropy(from_logits=True),
metrics=[keras.metrics.BinaryAccuracy()]); pixel values in 0..255; int labels.
Changed: the base model is a small functional conv net with random weights
(Conv2D relu, then a linear Conv2D; frozen) instead of Xception with ImageNet
weights; 16x16 images instead of
150x150; 400 synthetic "cats vs dogs" (the classes differ in colour balance)
instead of the TFDS dataset; only the first stage (frozen base), not the
fine-tuning stage; RandomRotation dropped; batch 32; 6 epochs.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 6
IMG = (16, 16, 3)
N, N_VAL = 400, 100


def make_data(rng):
    labels = rng.integers(0, 2, N)
    base = rng.uniform(90, 160, size=(N, 1, 1, 1))
    shift = np.where(labels[:, None, None, None] == 1, 1.0, -1.0) * np.array([25.0, 0.0, -25.0])
    x = np.clip(base + shift + rng.normal(0, 45, size=(N,) + IMG), 0, 255).astype("float32")
    y = labels.astype("int64")
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 32}}


def make_base_model():
    """Stands in for ``keras.applications.Xception(include_top=False)``."""
    inputs = keras.Input(shape=IMG)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(64, 3, padding="same")(x)
    return keras.Model(inputs, x, name="base_model")


def build(extra, data):
    base_model = make_base_model()
    # Freeze the base_model
    base_model.trainable = False

    # Create new model on top
    inputs = keras.Input(shape=IMG)
    data_augmentation = keras.Sequential([layers.RandomFlip("horizontal")])
    x = data_augmentation(inputs)  # Apply random data augmentation

    # Pre-trained Xception weights requires that input be scaled
    # from (0, 255) to a range of (-1., +1.), the rescaling layer
    # outputs: `(inputs * scale) + offset`
    scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
    x = scale_layer(x)

    # The base model contains batchnorm layers. We want to keep them in inference mode
    # when we unfreeze the base model for fine-tuning, so we make sure that the
    # base_model is running in inference mode here.
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)

    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()] + extra(),
    )
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    logits = model.predict(x_val, verbose=0)
    return {
        "accuracy": ref.binary_accuracy(y_val, logits, 0.0),
        # What Keras's BinaryAccuracy() computes (logits > 0.5): checks the plumbing.
        "keras_at_0.5": ref.binary_accuracy(y_val, logits, 0.5),
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_binary_accuracy": "keras_at_0.5"},
    # Once per fit, mentioning the key; also when the two figures happen to agree.
    "warnings": [Warn("AccuracyMismatchWarning", "binary_accuracy", count=1)],
    "wrong": {"binary_accuracy"},
}
