"""Simple MNIST convnet: Sequential with ``keras.Input``, softmax, one-hot labels,
``categorical_crossentropy`` and ``metrics=["accuracy"]`` (Keras picks
CategoricalAccuracy: right).

Source: keras-team/keras-io, examples/vision/mnist_convnet.py
(https://keras.io/examples/vision/mnist_convnet/).
Kept: the model (Input, Conv2D-MaxPooling2D twice, Flatten, Dropout(0.5),
Dense(num_classes, softmax)), compile (categorical_crossentropy, adam,
["accuracy"]), one-hot labels via ``to_categorical``, ``validation_split``.
Changed: 12x12 images instead of 28x28, 16/32 filters instead of 32/64, 500
synthetic "digits" (one fixed random binary template per class plus noise)
instead of MNIST, batch 16, 4 epochs, validation_split 0.2 instead of 0.1.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 4
NUM_CLASSES = 10
INPUT_SHAPE = (12, 12, 1)
N, SPLIT = 500, 0.2


def make_data(rng):
    templates = (rng.uniform(size=(NUM_CLASSES,) + INPUT_SHAPE) > 0.6).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=N)
    x = templates[y] * rng.uniform(0.7, 1.0, size=(N, 1, 1, 1)) + rng.normal(0, 0.25, size=(N,) + INPUT_SHAPE)
    x = np.clip(x, 0, 1).astype("float32")
    y = keras.utils.to_categorical(y, NUM_CLASSES)
    cut = int(np.floor(N * (1 - SPLIT)))  # Keras's validation_split takes the tail
    return {"x": x, "y": y, "val": None, "fit": {"batch_size": 16, "validation_split": SPLIT},
            "x_val": x[cut:], "y_val": y[cut:]}


def build(extra, data):
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"] + extra())
    return model


def reference(model, data):
    probs = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.argmax_accuracy(data["y_val"], probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
