"""Save and load models: the tutorial's ``create_model()`` (Dense(512, relu),
Dropout(0.2), Dense(10) logits, ``SparseCategoricalCrossentropy(
from_logits=True)``, ``metrics=[SparseCategoricalAccuracy()]``: the argmax of
the logits, right) trained with a ``ModelCheckpoint`` that saves uniquely named
weights-only checkpoints every few epochs (``save_freq`` in batches, so a save
falls between two train steps), then restored the tutorial's two ways: the
latest checkpoint's weights into a new ``create_model()``, and the whole model
through ``model.save('my_model.keras')`` / ``keras.models.load_model`` (its
compiled metrics hold ``truacc.auto``, which must load with no
``custom_objects``). All three models must give the same predictions.

Source: tensorflow/docs, site/en/tutorials/keras/save_and_load.ipynb
(https://www.tensorflow.org/tutorials/keras/save_and_load), "Define a
model", "Checkpoint callback options", "Save the entire model".
Kept: ``create_model()`` (Sequential of Dense(512, 'relu'), Dropout(0.2),
Dense(10); compile(optimizer='adam', loss=SparseCategoricalCrossentropy(
from_logits=True), metrics=[SparseCategoricalAccuracy()])), the first 1000
training and test examples flattened and divided by 255, integer labels,
``checkpoint_path = "training_2/cp-{epoch:04d}..."``, ``cp_callback =
ModelCheckpoint(filepath=checkpoint_path, verbose=1, save_weights_only=True,
save_freq=K*n_batches)`` with ``n_batches = math.ceil(len(train_images) /
batch_size)``, ``model.save_weights(checkpoint_path.format(epoch=0))`` before
``fit(train_images, train_labels, epochs=..., batch_size=batch_size,
callbacks=[cp_callback], validation_data=(test_images, test_labels))``,
restoring the latest checkpoint into ``create_model()``, ``model.save(
'my_model.keras')`` and ``keras.models.load_model``.
Changed: 64 inputs (8x8) instead of 784 and Dense(64) instead of 512; 400 +
200 synthetic "digits" (a binary template per class plus noise, 0..255)
instead of MNIST's first 1000 + 1000; ``keras.Input`` instead of
``input_shape=``; the ``.weights.h5`` suffix and ``save_freq=2*n_batches``
(Keras 3's spelling; the older notebook writes ``.ckpt`` and ``period=5``); 4
epochs instead of 50; the checkpoint folder and my_model.keras in a
``tempfile.mkdtemp()``; "the latest checkpoint" is the highest epoch number in
the folder (``tf.train.latest_checkpoint`` reads TensorFlow checkpoints only).
"""

import glob
import math
import os
import tempfile

import keras
import numpy as np

from tests import reference as ref

EPOCHS = 4
INPUTS, NUM_CLASSES = 64, 10
N_TRAIN, N_TEST = 400, 200
batch_size = 32


def create_model(extra=lambda: []):
    model = keras.models.Sequential(
        [
            keras.Input(shape=(INPUTS,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10),
        ]
    )

    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()] + extra(),
    )

    return model


def make_data(rng):
    templates = (rng.uniform(size=(NUM_CLASSES, INPUTS)) > 0.5) * 200.0
    labels = rng.integers(0, NUM_CLASSES, N_TRAIN + N_TEST)
    images = np.clip(templates[labels] + rng.normal(0, 110, size=(len(labels), INPUTS)), 0, 255)
    train_labels, test_labels = labels[:N_TRAIN], labels[N_TRAIN:]
    train_images = (images[:N_TRAIN] / 255.0).astype("float32")
    test_images = (images[N_TRAIN:] / 255.0).astype("float32")

    workdir = tempfile.mkdtemp()
    # Include the epoch in the file name (uses `str.format`)
    checkpoint_path = os.path.join(workdir, "training_2", "cp-{epoch:04d}.weights.h5")
    os.makedirs(os.path.dirname(checkpoint_path))

    # Calculate the number of batches per epoch
    n_batches = len(train_images) / batch_size
    n_batches = math.ceil(n_batches)  # round up the number of batches to the nearest whole integer

    # Create a callback that saves the model's weights every 2 epochs
    cp_callback = keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_path,
        verbose=1,
        save_weights_only=True,
        save_freq=2 * n_batches,
    )
    return {
        "x": train_images, "y": train_labels, "val": (test_images, test_labels),
        "fit": {"batch_size": batch_size, "callbacks": [cp_callback]},
        "checkpoint_path": checkpoint_path, "workdir": workdir,
    }


def build(extra, data):
    model = create_model(extra)
    # Save the weights using the `checkpoint_path` format
    model.save_weights(data["checkpoint_path"].format(epoch=0))
    return model


def _latest(checkpoint_path):
    return max(glob.glob(os.path.join(os.path.dirname(checkpoint_path), "cp-*.weights.h5")))


def reference(model, data):
    test_images, test_labels = data["val"]
    trained = model.predict(test_images, verbose=0)

    # Create a new model instance and load the latest checkpoint
    restored = create_model()
    latest = _latest(data["checkpoint_path"])
    restored.load_weights(latest)
    from_checkpoint = restored.predict(test_images, verbose=0)

    # Save the entire model as a `.keras` zip archive, and reload it
    path = os.path.join(data["workdir"], "my_model.keras")
    model.save(path)
    new_model = keras.models.load_model(path)
    from_archive = new_model.predict(test_images, verbose=0)
    return {
        "accuracy": ref.argmax_accuracy(test_labels, trained),
        "latest_checkpoint": ref.argmax_accuracy(test_labels, from_checkpoint),
        "reloaded_model": ref.argmax_accuracy(test_labels, from_archive),
        "latest_epoch": float(os.path.basename(latest)[3:7]),  # for the table: 4
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "reloaded_model"},
    # The checkpoint saved after the last epoch holds the final weights.
    "keras": {"val_sparse_categorical_accuracy": "latest_checkpoint"},
    "warnings": [],
    "wrong": set(),
}
