"""Multi-class segmentation: a U-Net with a softmax over 21 classes per pixel, one-hot
masks, ``categorical_crossentropy`` and ``tf.keras.metrics.MeanIoU(num_classes=21)``.

With one-hot masks Keras raises nothing: MeanIoU flattens both tensors, reads the
one-hot 0/1 entries as class ids and casts every probability to class 0, so the
logged IoU is near 0.5 whatever the model does. truacc names it WRONG and logs
``true_mean_io_u``: ``MeanIoU(num_classes=21, sparse_y_true=False,
sparse_y_pred=False)``, the argmax of both.

Source: a public GitHub script (a PASCAL-VOC-style U-Net: ``Conv2D(..., 6,
activation="relu", padding="same")`` blocks, ``UpSampling2D`` + ``concatenate``,
``Conv2D(21, 6, activation="softmax")``, ``compile(optimizer=Adam(lr=0.0001),
loss="categorical_crossentropy", metrics=[tf.keras.metrics.MeanIoU(num_classes=21)])``),
found by searching public code for ``metrics=[tf.keras.metrics.MeanIoU(num_classes=``.
Kept: the 21 classes, the softmax output, one-hot masks, the loss and the metric.
Changed: 16x16 images of 4 coloured squares (classes 1..4 on background 0; the other
16 classes never appear) instead of VOC images from a generator; two levels of 8/16
filters and 3x3 kernels instead of 6x6 and 128 filters; Adam(3e-3); 10 epochs.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 10
SIZE, CLASSES, N, N_VAL = 16, 21, 160, 32


def make_data(rng):
    labels = np.zeros((N, SIZE, SIZE), "int64")
    x = rng.normal(0.0, 0.2, size=(N, SIZE, SIZE, 3)).astype("float32")
    colours = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], "float32")
    for i in range(N):
        for k in rng.permutation(4)[:2] + 1:
            r, c = rng.integers(0, SIZE - 6, size=2)
            labels[i, r : r + 6, c : c + 6] = k
    x += colours[labels]
    y = np.eye(CLASSES, dtype="float32")[labels]
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 16}}


def build(extra, data):
    inp = keras.Input((SIZE, SIZE, 3))
    x1 = layers.Conv2D(8, 3, activation="relu", padding="same")(inp)
    x2 = layers.MaxPooling2D()(x1)
    x2 = layers.Conv2D(16, 3, activation="relu", padding="same")(x2)
    x3 = layers.UpSampling2D()(x2)
    x3 = layers.concatenate([x1, x3])
    x3 = layers.Conv2D(CLASSES, 3, activation="relu", padding="same")(x3)
    out = layers.Conv2D(CLASSES, 3, activation="softmax", padding="same")(x3)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="categorical_crossentropy",
                  metrics=[keras.metrics.MeanIoU(num_classes=CLASSES)] + extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    truth, decided = y_val.argmax(-1), probs.argmax(-1)
    ious = []
    for k in range(CLASSES):
        union = np.logical_or(truth == k, decided == k).sum()
        if union:  # Keras's MeanIoU leaves out classes that never occur
            ious.append(np.logical_and(truth == k, decided == k).sum() / union)
    return {"pixel_accuracy": ref.argmax_accuracy(truth, probs), "mean_iou": float(np.mean(ious))}


EXPECT = {
    "keys": {"val_true_accuracy": "pixel_accuracy", "val_truacc_auto": "pixel_accuracy",
             "val_true_mean_io_u": "mean_iou"},
    "warnings": [Warn("MetricMismatchWarning", "'mean_io_u'", count=1),
                 Warn("BaselineWarning", required=False)],
    "wrong": {"mean_io_u"},
}
