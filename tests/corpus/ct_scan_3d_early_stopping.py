"""3D image classification from CT scans: a 3D CNN (Conv3D relu, MaxPool3D,
BatchNormalization blocks, GlobalAveragePooling3D, Dense(512, relu), Dropout(0.3),
Dense(1, sigmoid)), ``binary_crossentropy`` and ``metrics=["acc"]`` (right: Keras
reads "acc" as BinaryAccuracy at 0.5 on a sigmoid unit), trained from ``tf.data``
loaders (batch 2, volumes rotated by ``scipy.ndimage.rotate`` inside
``tf.numpy_function``), with the example's ``ModelCheckpoint(save_best_only=True)``
(monitoring "val_loss") and ``EarlyStopping(monitor="val_acc")`` in its default
``mode="auto"``: Keras then works out the direction by looking up a metric named
"acc" among the model's compiled metrics, at the end of the first epoch, while the
monitor is attached. The monitor must not disturb that.

Source: keras-team/keras-io, examples/vision/3D_image_classification.py
(https://keras.io/examples/vision/3D_image_classification/), the Keras 3 version
(examples/vision/md/3D_image_classification.md).
Kept: ``rotate(volume)`` (angles [-20, -10, -5, 5, 10, 20], ``random.choice``,
``ndimage.rotate(volume, angle, reshape=False)``, clipped to [0, 1]) wrapped in
``tf.numpy_function``; ``train_preprocessing`` (rotate, then add a channel) and
``validation_preprocessing`` (add a channel); the loaders
(``from_tensor_slices``, ``shuffle(len(x))``, ``map``, ``batch(2)``,
``prefetch(2)``); the block structure of ``get_model`` (Conv3D(kernel_size=3,
relu), MaxPool3D(pool_size=2), BatchNormalization; GlobalAveragePooling3D;
Dense(512, relu); Dropout(0.3); Dense(1, sigmoid); name "3dcnn"); compile
(loss="binary_crossentropy", Adam with ExponentialDecay(0.0001, decay_steps=100000,
decay_rate=0.96, staircase=True), metrics=["acc"]);
``ModelCheckpoint("3d_image_classification.keras", save_best_only=True)``;
``EarlyStopping(monitor="val_acc", patience=15)``; labels 1 = abnormal, 0 = normal;
volumes already in [0, 1].
Changed: volumes of 16x16x12 instead of 128x128x64; two Conv3D blocks (8 and 16
filters) instead of four (64, 64, 128, 256) -- with 3x3x3 "valid" kernels four
blocks need at least 46 voxels a side -- and Dense(32) instead of Dense(512); 140
synthetic scans (abnormal ones carry a bright blob, a "lesion", in a noisy
volume) instead of the MosMedData CT scans read from NIfTI files and resized with
``scipy.ndimage.zoom``; initial learning rate 1e-3 instead of 1e-4 (3 short epochs);
``run_eagerly=True`` (in the Keras 3 version's compile) dropped: eager steps made
the case take 30 s on TensorFlow and 80 s on JAX here; 3 epochs instead of 100; the
checkpoint under a ``tempfile.mkdtemp()`` folder.
"""

import os
import random
import tempfile

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 3
WIDTH, HEIGHT, DEPTH = 16, 16, 12
N, N_VAL = 140, 40


def _scans(rng, n):
    labels = (rng.uniform(size=n) < 0.5).astype("float32")
    volumes = rng.uniform(0.0, 0.3, size=(n, WIDTH, HEIGHT, DEPTH))
    zz, yy, xx = np.mgrid[0:WIDTH, 0:HEIGHT, 0:DEPTH]
    for i in np.flatnonzero(labels):
        c = rng.uniform([4, 4, 3], [WIDTH - 4, HEIGHT - 4, DEPTH - 3])
        r2 = (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2
        volumes[i] += 0.8 * np.exp(-r2 / (2 * rng.uniform(3.0, 4.0) ** 2))
    return np.clip(volumes, 0.0, 1.0).astype("float32"), labels


def rotate(volume):
    """Rotate the volume by a few degrees"""

    def scipy_rotate(volume):
        from scipy import ndimage

        # define some rotation angles
        angles = [-20, -10, -5, 5, 10, 20]
        # pick angles at random
        angle = random.choice(angles)
        # rotate volume
        volume = ndimage.rotate(volume, angle, reshape=False)
        volume[volume < 0] = 0
        volume[volume > 1] = 1
        return volume

    import tensorflow as tf

    augmented_volume = tf.numpy_function(scipy_rotate, [volume], tf.float32)
    return augmented_volume


def train_preprocessing(volume, label):
    """Process training data by rotating and adding a channel."""
    import tensorflow as tf

    # Rotate volume
    volume = rotate(volume)
    volume = tf.reshape(volume, (WIDTH, HEIGHT, DEPTH))  # numpy_function drops the shape
    volume = tf.expand_dims(volume, axis=3)
    return volume, label


def validation_preprocessing(volume, label):
    """Process validation data by only adding a channel."""
    import tensorflow as tf

    volume = tf.expand_dims(volume, axis=3)
    return volume, label


def make_data(rng):
    import tensorflow as tf

    volumes, labels = _scans(rng, N)
    x_train, y_train = volumes[:-N_VAL], labels[:-N_VAL]
    x_val, y_val = volumes[-N_VAL:], labels[-N_VAL:]

    # Define data loaders.
    train_loader = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    validation_loader = tf.data.Dataset.from_tensor_slices((x_val, y_val))

    batch_size = 2
    # Augment the on the fly during training.
    train_dataset = (
        train_loader.shuffle(len(x_train), seed=0)
        .map(train_preprocessing)
        .batch(batch_size)
        .prefetch(2)
    )
    # Only rescale.
    validation_dataset = (
        validation_loader.shuffle(len(x_val), seed=0)
        .map(validation_preprocessing)
        .batch(batch_size)
        .prefetch(2)
    )

    folder = tempfile.mkdtemp(prefix="truacc-corpus-3dcnn-")
    checkpoint_cb = keras.callbacks.ModelCheckpoint(
        os.path.join(folder, "3d_image_classification.keras"), save_best_only=True
    )
    early_stopping_cb = keras.callbacks.EarlyStopping(monitor="val_acc", patience=15)
    return {
        "x": train_dataset, "val": validation_dataset,
        "fit": {"shuffle": True, "callbacks": [checkpoint_cb, early_stopping_cb]},
        "x_val": x_val[..., None], "y_val": y_val,
        "checkpoint": os.path.join(folder, "3d_image_classification.keras"),
        "early_stopping": early_stopping_cb,
    }


def get_model(width=128, height=128, depth=64):
    """Build a 3D convolutional neural network model."""

    inputs = keras.Input((width, height, depth, 1))

    x = layers.Conv3D(filters=8, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=16, kernel_size=3, activation="relu")(x)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.GlobalAveragePooling3D()(x)
    x = layers.Dense(units=32, activation="relu")(x)
    x = layers.Dropout(0.3)(x)

    outputs = layers.Dense(units=1, activation="sigmoid")(x)

    # Define the model.
    model = keras.Model(inputs, outputs, name="3dcnn")
    return model


def build(extra, data):
    model = get_model(width=WIDTH, height=HEIGHT, depth=DEPTH)
    initial_learning_rate = 0.001
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=lr_schedule),
        metrics=["acc"] + extra(),
    )
    return model


def reference(model, data):
    # The callbacks saw "val_acc" every epoch and the checkpoint was written.
    stopper = data["early_stopping"]
    assert stopper.best is not None and np.isfinite(stopper.best), stopper.best
    assert os.path.exists(data["checkpoint"])
    probs = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.binary_accuracy(data["y_val"], probs, 0.5)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_acc": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
