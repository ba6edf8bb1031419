"""Timeseries classification from scratch: a Fully Convolutional Network (three
Conv1D/BatchNormalization/ReLU blocks, GlobalAveragePooling1D, Dense(num_classes,
softmax)) on univariate series, class-index labels, ``sparse_categorical_crossentropy``
and ``metrics=["sparse_categorical_accuracy"]`` (right: argmax of the softmax
against the class index), ``validation_split=0.2``, and the example's three
callbacks all watching ``val_loss``: ModelCheckpoint(save_best_only=True),
ReduceLROnPlateau and EarlyStopping. The checkpoint is saved while the monitor is
attached, so the case also loads it back, as the example does after training.

Source: keras-team/keras-io, examples/timeseries/timeseries_classification_from_scratch.py
(https://keras.io/examples/timeseries/timeseries_classification_from_scratch/), the
Keras 3 version (examples/timeseries/ipynb/timeseries_classification_from_scratch.ipynb).
Kept: ``make_model(input_shape)`` as written (Conv1D(64, 3, padding="same") x3 with
BatchNormalization and ReLU, GlobalAveragePooling1D, Dense(num_classes, softmax));
the reshape of (N, T) series to (N, T, 1); ``num_classes = len(np.unique(y_train))``;
the shuffle with ``np.random.permutation`` (here the case's ``rng``) before
``validation_split``; labels -1/1 mapped to 0/1 (``y_train[y_train == -1] = 0``);
compile (optimizer="adam", loss="sparse_categorical_crossentropy",
metrics=["sparse_categorical_accuracy"]); batch_size 32; validation_split=0.2; the
callbacks ``ModelCheckpoint("best_model.keras", save_best_only=True,
monitor="val_loss")``, ``ReduceLROnPlateau(monitor="val_loss", factor=0.5,
patience=20, min_lr=0.0001)``, ``EarlyStopping(monitor="val_loss", patience=50,
verbose=1)``; ``keras.models.load_model("best_model.keras")`` after training.
Changed: 600 synthetic z-normalised series of length 48 (class 1 carries a short
fast oscillation, class 0 a slow one, both under noise) instead of FordA's 3601
series of length 500 read from the UCR archive; 5 epochs instead of 500 (the
callbacks' patience is never reached; they run, save and track every epoch; fewer
epochs leave BatchNormalization's moving statistics too far behind for the
validation figure to rise above chance, as in the example's own first epochs); the
checkpoint goes to a ``tempfile.mkdtemp()`` folder instead of the working
directory; the reloaded checkpoint is only checked to load (the reference uses the
trained model, whose last epoch the logs describe); no plots; no test split.
"""

import os
import tempfile

import keras
import numpy as np

from tests import reference as ref

EPOCHS = 5
N, LENGTH, SPLIT = 600, 48, 0.2


def readucr_like(rng, n):
    """Stands in for ``readucr``: series (n, LENGTH) and labels in {-1, 1}."""
    y = np.where(rng.uniform(size=n) < 0.5, -1, 1)
    t = np.arange(LENGTH)
    x = rng.normal(0.0, 1.0, size=(n, LENGTH))
    for i in range(n):
        start = rng.integers(0, LENGTH - 12)
        phase = rng.uniform(0, 2 * np.pi)
        freq = 0.9 if y[i] == 1 else 0.15
        x[i, start : start + 12] += 1.6 * np.sin(freq * t[:12] + phase)
    # "the data is already z-normalized"
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return x.astype("float32"), y.astype(int)


def make_data(rng):
    x_train, y_train = readucr_like(rng, N)
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    idx = rng.permutation(len(x_train))
    x_train = x_train[idx]
    y_train = y_train[idx]
    y_train[y_train == -1] = 0
    folder = tempfile.mkdtemp(prefix="truacc-corpus-fcn-")
    path = os.path.join(folder, "best_model.keras")
    callbacks = [
        keras.callbacks.ModelCheckpoint(path, save_best_only=True, monitor="val_loss"),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=1),
    ]
    cut = int(np.floor(N * (1 - SPLIT)))  # Keras's validation_split takes the tail
    return {
        "x": x_train, "y": y_train, "val": None,
        "fit": {"batch_size": 32, "validation_split": SPLIT, "callbacks": callbacks},
        "x_val": x_train[cut:], "y_val": y_train[cut:], "checkpoint": path,
        "num_classes": len(np.unique(y_train)),
    }


def make_model(input_shape, num_classes):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


def build(extra, data):
    model = make_model(data["x"].shape[1:], data["num_classes"])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"] + extra(),
    )
    return model


def reference(model, data):
    # The example reloads its best checkpoint: it must load with no custom_objects
    # (the monitor was attached while ModelCheckpoint saved it).
    reloaded = keras.models.load_model(data["checkpoint"])
    assert reloaded.output.shape[-1] == data["num_classes"]
    probs = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.argmax_accuracy(data["y_val"], probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_sparse_categorical_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
