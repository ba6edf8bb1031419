"""Binary segmentation with a small U-Net, a sigmoid mask, ``binary_crossentropy`` and
``tf.keras.metrics.MeanIoU(num_classes=2)`` as the only metric.

MeanIoU reads its predictions as class ids (``sparse_y_pred=True``): every
probability below 1 is cast to class 0, so the logged IoU says nothing about the
model. truacc names it WRONG and logs ``true_mean_io_u``, computed by
``BinaryIoU(target_class_ids=[0, 1], threshold=0.5)``: the mean IoU of the two
classes at the model's decision point.

Source: a public GitHub script (an iceberg-segmentation U-Net on synthetic radar
images: ``conv_block``, ``encoder_block``, ``decoder_block``, ``build_unet``), found
by searching public code for ``metrics=[tf.keras.metrics.MeanIoU(num_classes=``.
Kept: the encoder/decoder blocks (two 3x3 Conv2D+ReLU, MaxPooling2D /
UpSampling2D + Concatenate), the sigmoid 1x1 output, ``compile(optimizer="adam",
loss="binary_crossentropy", metrics=[tf.keras.metrics.MeanIoU(num_classes=2)])``,
validation data as arrays.
Changed: 32x32 single-channel images of bright blobs instead of 128x128 synthetic
radar scenes; 8/16/32 filters instead of 16/32/64/128 (one level less); no
augmenting generator (arrays, batch 16); 10 epochs.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 10
SIZE, N, N_VAL = 32, 160, 32


def make_data(rng):
    x = rng.normal(0.0, 0.3, size=(N, SIZE, SIZE, 1)).astype("float32")
    y = np.zeros((N, SIZE, SIZE, 1), "float32")
    for i in range(N):
        r, c = rng.integers(6, SIZE - 6, size=2)
        radius = rng.integers(3, 7)
        rows, cols = np.ogrid[:SIZE, :SIZE]
        blob = (rows - r) ** 2 + (cols - c) ** 2 <= radius**2
        y[i, blob, 0] = 1.0
        x[i, blob, 0] += 2.5
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 16}}


def conv_block(x, n_filters):
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    return x


def encoder_block(x, n_filters):
    c = conv_block(x, n_filters)
    p = layers.MaxPooling2D((2, 2))(c)
    return c, p


def decoder_block(x, skip, n_filters):
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Concatenate()([x, skip])
    return conv_block(x, n_filters)


def build_unet(input_shape=(SIZE, SIZE, 1)):
    inputs = layers.Input(shape=input_shape)
    c1, p1 = encoder_block(inputs, 8)
    c2, p2 = encoder_block(p1, 16)
    b = conv_block(p2, 32)
    d2 = decoder_block(b, c2, 16)
    d1 = decoder_block(d2, c1, 8)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(d1)
    return keras.Model(inputs, outputs)


def build(extra, data):
    model = build_unet()
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[keras.metrics.MeanIoU(num_classes=2)] + extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    truth, decided = y_val[..., 0] > 0.5, probs[..., 0] > 0.5
    ious = [np.logical_and(truth == k, decided == k).sum()
            / np.logical_or(truth == k, decided == k).sum() for k in (False, True)]
    return {"pixel_accuracy": ref.binary_accuracy(y_val, probs, 0.5),
            "mean_iou": float(np.mean(ious))}


EXPECT = {
    "keys": {"val_true_accuracy": "pixel_accuracy", "val_truacc_auto": "pixel_accuracy",
             "val_true_mean_io_u": "mean_iou"},
    "warnings": [Warn("MetricMismatchWarning", "'mean_io_u'", count=1),
                 Warn("BaselineWarning", required=False)],
    "wrong": {"mean_io_u"},
}
