"""Issue 22's table as a user's script: the wrong metric lines, or with `right` as the
first argument, the lines `truacc check` gives as their fixes."""

import sys

import keras
import numpy as np

RIGHT = sys.argv[1:2] == ["right"]
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 8)).astype("float32")
y_binary = (x[:, :1] > 0).astype("float32")
y_labels = (x[:, :5] > 0).astype("float32")
y_classes = np.argmax(x[:, :6], axis=1)


def dense(units, activation=None):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(units, activation=activation)])


logits = dense(1)
logits.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=[
    keras.metrics.AUC(from_logits=True) if RIGHT else keras.metrics.AUC(),
    keras.metrics.Precision(thresholds=0.0) if RIGHT else keras.metrics.Precision(),
    keras.metrics.Recall(thresholds=0.0) if RIGHT else keras.metrics.Recall(),
    keras.metrics.BinaryIoU(threshold=0.0) if RIGHT else keras.metrics.BinaryIoU(),
    keras.metrics.BinaryCrossentropy(from_logits=RIGHT),
])
logits.fit(x, y_binary, epochs=1, verbose=0)

sigmoid = dense(1, "sigmoid")
sigmoid.compile("adam", "binary_crossentropy", metrics=[
    keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.5) if RIGHT
    else keras.metrics.MeanIoU(num_classes=2),
    keras.metrics.F1Score(average="micro", threshold=0.5 if RIGHT else None),
])
sigmoid.fit(x, y_binary, epochs=1, verbose=0)

labels = dense(5, "sigmoid")
labels.compile("adam", "binary_crossentropy", metrics=[
    keras.metrics.F1Score(average="macro", threshold=0.5 if RIGHT else None),
])
labels.fit(x, y_labels, epochs=1, verbose=0)

softmax = dense(6, "softmax")
softmax.compile("adam", "sparse_categorical_crossentropy", metrics=[
    keras.metrics.SparseTopKCategoricalAccuracy(k=3) if RIGHT
    else keras.metrics.TopKCategoricalAccuracy(k=3),
    "accuracy" if RIGHT else keras.metrics.Accuracy(),
])
softmax.fit(x, y_classes, epochs=1, verbose=0)
