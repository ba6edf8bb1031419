"""A custom ``keras.losses.Loss`` subclass (``CustomMSE``: mean squared error plus a
term pushing predictions away from 0.5) on a functional softmax classifier with
one-hot labels; no compiled metric (only the harness's ``truacc.auto()``). The
classes are exclusive (softmax, one-hot): the true accuracy is the argmax.

Source: keras-team/keras-io, guides/training_with_built_in_methods.py
(https://keras.io/guides/training_with_built_in_methods/), "Custom losses".
Kept: ``get_uncompiled_model()`` (Input(784,) named "digits", Dense(64, relu)
x2, Dense(10, softmax, name="predictions")), ``CustomMSE(regularization_factor=
0.1, name="custom_mse")`` with its ``call``, compile
(optimizer=keras.optimizers.Adam(), loss=CustomMSE()), one-hot labels
(``ops.one_hot(y_train, num_classes=10)``), batch 64.
Changed: 64 inputs instead of 784; Dense(128) instead of Dense(64); 600
synthetic "digits" (a template per class plus noise) instead of MNIST; 6 epochs
instead of 1; ``metrics=`` added for the harness; validation_data added.
"""

import keras
from keras import layers, ops

from tests import reference as ref

EPOCHS = 6
D, NUM_CLASSES, N, N_VAL = 64, 10, 600, 100


def make_data(rng):
    templates = rng.normal(size=(NUM_CLASSES, D))
    y = rng.integers(0, NUM_CLASSES, N)
    x = (templates[y] + rng.normal(0, 1.5, size=(N, D))).astype("float32")
    y_one_hot = keras.utils.to_categorical(y, NUM_CLASSES)  # == ops.one_hot(y, 10)
    return {"x": x[:-N_VAL], "y": y_one_hot[:-N_VAL], "val": (x[-N_VAL:], y_one_hot[-N_VAL:]),
            "fit": {"batch_size": 64}}


def get_uncompiled_model():
    inputs = keras.Input(shape=(D,), name="digits")
    x = layers.Dense(128, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(128, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


def build(extra, data):
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE(), metrics=extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
