"""Image segmentation with a U-Net-like architecture: per-pixel softmax, output
(N, H, W, C), sparse labels (N, H, W, 1), ``sparse_categorical_crossentropy``,
no compiled metric (only the harness's ``truacc.auto``).

Source: keras-team/keras-io, examples/vision/oxford_pets_image_segmentation.py
(https://keras.io/examples/vision/oxford_pets_image_segmentation/).
Kept: ``get_model`` structure (entry Conv2D stride 2 + BatchNormalization + relu;
down blocks of SeparableConv2D/BatchNormalization + MaxPooling2D with a strided
1x1 Conv2D residual; up blocks of Conv2DTranspose/BatchNormalization +
UpSampling2D with an upsampled 1x1 Conv2D residual; per-pixel
Conv2D(num_classes, 3, softmax)), compile ("rmsprop",
"sparse_categorical_crossentropy", no metrics), targets as (H, W, 1) integer
masks with the trimap's 1/2/3 shifted to 0/1/2, 3 classes.
Changed: 16x16 images instead of 160x160; one down block (64 filters) instead
of three (64, 128, 256), two up blocks (64, 32) instead of four (256, 128, 64,
32); the entry block keeps its 32 filters;
300 synthetic pets (a coloured rectangle = pet, its outline = border, the rest
background, plus noise) instead of the Oxford-IIIT Pet dataset; arrays instead
of a keras.utils.PyDataset; batch 16; 4 epochs.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 4
IMG_SIZE = (16, 16)
NUM_CLASSES = 3
N, N_VAL = 300, 60


def make_data(rng):
    h, w = IMG_SIZE
    x = rng.normal(0.0, 0.15, size=(N, h, w, 3)).astype("float32") + 0.3
    y = np.ones((N, h, w, 1), dtype="uint8")  # 1: background
    for i in range(N):
        top, left = rng.integers(0, h - 10), rng.integers(0, w - 10)
        bottom, right = top + rng.integers(7, 11), left + rng.integers(7, 11)
        y[i, top:bottom, left:right] = 2  # border
        y[i, top + 1 : bottom - 1, left + 1 : right - 1] = 0  # pet
        x[i, top:bottom, left:right, 0] += 0.4
        x[i, top + 1 : bottom - 1, left + 1 : right - 1, :] += (0.5, 0.2, -0.2)
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 16}}


def get_model(img_size, num_classes):
    inputs = keras.Input(shape=img_size + (3,))

    ### [First half of the network: downsampling inputs] ###

    # Entry block
    x = layers.Conv2D(32, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    # Blocks 1, 2, 3 are identical apart from the feature depth.
    for filters in [64]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    ### [Second half of the network: upsampling inputs] ###

    for filters in [64, 32]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.UpSampling2D(2)(x)

        # Project residual
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    # Add a per-pixel classification layer
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)

    # Define the model
    model = keras.Model(inputs, outputs)
    return model


def build(extra, data):
    model = get_model(IMG_SIZE, NUM_CLASSES)
    # We use the "sparse" version of categorical_crossentropy
    # because our target data is integers.
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)  # (N, H, W, 3)
    return {"pixel_accuracy": ref.argmax_accuracy(y_val[..., 0], probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "pixel_accuracy", "val_truacc_auto": "pixel_accuracy"},
    "warnings": [],
    "wrong": set(),
}
