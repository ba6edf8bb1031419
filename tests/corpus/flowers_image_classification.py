"""Image classification (flowers), the model with data augmentation and Dropout:
a nested ``data_augmentation`` Sequential (RandomFlip), Rescaling(1./255), three Conv2D/MaxPooling2D blocks, Dense(
num_classes) logits, ``SparseCategoricalCrossentropy(from_logits=True)`` and
``metrics=['accuracy']`` (Keras picks SparseCategoricalAccuracy: the argmax of
the logits, right), on datasets made by ``image_dataset_from_directory``
(integer labels of shape (batch,), the validation subset split off by
``validation_split``/``subset``/``seed``).

Source: tensorflow/docs, site/en/tutorials/images/classification.ipynb
(https://www.tensorflow.org/tutorials/images/classification), "Load data
using a Keras utility", "Configure the dataset for performance", "Data
augmentation", "Dropout", "Compile and train the model".
Kept: ``image_dataset_from_directory(data_dir, validation_split=0.2,
subset="training"/"validation", seed=123, image_size=(img_height, img_width),
batch_size=batch_size)``, ``train_ds.cache().shuffle(1000).prefetch(
buffer_size=AUTOTUNE)`` and ``val_ds.cache().prefetch(buffer_size=AUTOTUNE)``,
``data_augmentation`` (a Sequential of RandomFlip("horizontal")), the model (data_augmentation, Rescaling(1./255),
Conv2D(16/32/64, 3, padding='same', relu) each followed by MaxPooling2D,
Dropout(0.2), Flatten, Dense(128, relu), Dense(num_classes)), compile
(optimizer='adam', SparseCategoricalCrossentropy(from_logits=True),
metrics=['accuracy']), fit(train_ds, validation_data=val_ds, epochs=...), 5
classes named as the flower folders.
Changed: 320 synthetic 24x24 PNGs (each class a colour and a stripe direction,
plus noise) written to a ``tempfile.mkdtemp()`` folder tree instead of the
downloaded flower_photos; img_height = img_width = 24 instead of 180;
``keras.Input`` in data_augmentation instead of ``input_shape=``; 4 epochs
instead of 15; RandomRotation(0.1) and RandomZoom(0.1) left out of
data_augmentation (on JAX their first-step compile alone takes ~16 s on 2
cores).
"""

import os
import tempfile

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 4
CLASS_NAMES = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
PER_CLASS = 64
batch_size = 32
img_height = 24
img_width = 24
num_classes = 5


def _write_photos(rng, root):
    from PIL import Image

    colours = np.array([[230, 230, 240], [240, 220, 40], [200, 30, 50], [250, 180, 20], [220, 80, 160]])
    yy, xx = np.mgrid[0:img_height, 0:img_width]
    stripes = [np.sin(xx / 2.0), np.sin(yy / 2.0), np.sin((xx + yy) / 2.5), np.sin((xx - yy) / 2.5),
               np.sin(np.hypot(xx - 12, yy - 12) / 1.5)]
    for c, name in enumerate(CLASS_NAMES):
        folder = os.path.join(root, name)
        os.makedirs(folder)
        for i in range(PER_CLASS):
            img = 0.25 * colours[c] + 0.2 * 255 * (stripes[c][..., None] > 0) + 0.35 * colours[rng.integers(5)]
            img = img + rng.normal(0, 50, size=(img_height, img_width, 3))
            img = np.clip(img, 0, 255).astype("uint8")
            Image.fromarray(img).save(os.path.join(folder, f"{name}_{i:03d}.png"))


def make_data(rng):
    import tensorflow as tf

    data_dir = os.path.join(tempfile.mkdtemp(), "flower_photos")
    _write_photos(rng, data_dir)

    train_ds = keras.utils.image_dataset_from_directory(
        data_dir,
        validation_split=0.2,
        subset="training",
        seed=123,
        image_size=(img_height, img_width),
        batch_size=batch_size,
        verbose=False,
    )
    val_ds = keras.utils.image_dataset_from_directory(
        data_dir,
        validation_split=0.2,
        subset="validation",
        seed=123,
        image_size=(img_height, img_width),
        batch_size=batch_size,
        verbose=False,
    )
    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
    return {"x": train_ds, "val": val_ds}


def build(extra, data):
    data_augmentation = keras.Sequential(
        [
            keras.Input(shape=(img_height, img_width, 3)),
            layers.RandomFlip("horizontal"),
        ]
    )
    model = keras.Sequential(
        [
            data_augmentation,
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Dropout(0.2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(num_classes),
        ]
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"] + extra(),
    )
    return model


def reference(model, data):
    # One pass over the validation dataset: its images and labels, in whatever
    # order it yields them (the accuracy over the whole split doesn't depend on it).
    xs, ys = [], []
    for images, labels in data["val"]:
        xs.append(np.asarray(images))
        ys.append(np.asarray(labels))
    logits = model.predict(np.concatenate(xs), verbose=0)
    return {"accuracy": ref.argmax_accuracy(np.concatenate(ys), logits)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
