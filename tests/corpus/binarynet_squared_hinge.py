"""BinaryNet MLP: binarized Dense layers, the last one over 10 units followed by
BatchNormalization (linear scores), trained with ``squared_hinge`` on one-hot
labels mapped to -1/+1 (exactly one +1 per row), ``metrics=['acc']``. Keras picks
CategoricalAccuracy from the shapes: the argmax, which is right here (the classes
are exclusive: one +1 per row).

Source: DingKe/nn_playground, binarynet/mnist_mlp.py with binary_layers.py and
binary_ops.py (a Keras port of Courbariaux et al.'s BinaryNet; "Modified from
keras' examples/mnist_mlp.py").
Kept: ``binary_tanh`` (round-through hard tanh), ``binarize``,
``BinaryDense`` (Glorot H, kernel clipped to [-H, H] and binarized to +-H in
``call``, no bias), ``DropoutNoScale``, the layer stack (DropoutNoScale(0.2);
per hidden layer BinaryDense, BatchNormalization(epsilon=1e-6,
momentum=0.9), Activation(binary_tanh), DropoutNoScale(0.5); BinaryDense(10),
BatchNormalization), compile (loss='squared_hinge', Adam(lr_start=1e-3),
metrics=['acc']), labels ``to_categorical(y, 10) * 2 - 1``.
Changed: ported to Keras 3 (``keras.ops``; ``self.add_weight``; a
``keras.constraints.Constraint``); 64 inputs (8x8) instead of 784, 2 hidden layers
of 256 units instead of 3 of 2048; the kernel learning-rate multiplier and the
LearningRateScheduler dropped; 500 synthetic "digits" (a template per class plus
noise, in [0, 1]) instead of MNIST; batch 32; 3 epochs.
"""

import keras
import numpy as np
from keras import layers, ops

from tests import reference as ref

EPOCHS = 3
NB_CLASSES, N_INPUT, N, N_VAL = 10, 64, 500, 100

# network
num_unit = 256
num_hidden = 2
use_bias = False
# learning rate schedule
lr_start = 1e-3
# BN
epsilon = 1e-6
momentum = 0.9
# dropout
drop_in = 0.2
drop_hidden = 0.5


def round_through(x):
    """Element-wise rounding to the closest integer with full gradient propagation."""
    rounded = ops.round(x)
    return x + ops.stop_gradient(rounded - x)


def _hard_sigmoid(x):
    x = (0.5 * x) + 0.5
    return ops.clip(x, 0, 1)


def binary_tanh(x):
    """Binary hard tanh: the sign in the forward pass, hard tanh's gradient backward."""
    return 2 * round_through(_hard_sigmoid(x)) - 1


def binarize(W, H=1):
    # [-H, H] -> -H or H
    Wb = H * binary_tanh(W / H)
    return Wb


class Clip(keras.constraints.Constraint):
    def __init__(self, min_value, max_value=None):
        self.min_value = min_value
        self.max_value = max_value
        if not self.max_value:
            self.max_value = -self.min_value
        if self.min_value > self.max_value:
            self.min_value, self.max_value = self.max_value, self.min_value

    def __call__(self, p):
        return ops.clip(p, self.min_value, self.max_value)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value}


class BinaryDense(layers.Dense):
    """Binarized Dense layer (BinaryNet)."""

    def __init__(self, units, H=1.0, **kwargs):
        self.H = H
        super().__init__(units, **kwargs)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if self.H == "Glorot":
            self.H = np.float32(np.sqrt(1.5 / (input_dim + self.units)))
        self.kernel_constraint = Clip(-self.H, self.H)
        self._kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=keras.initializers.RandomUniform(-self.H, self.H),
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
            if self.use_bias
            else None
        )
        self.built = True

    def call(self, inputs, training=None):
        Wb = binarize(self._kernel, H=self.H)
        output = ops.matmul(inputs, Wb)
        if self.bias is not None:
            output = output + self.bias
        return self.activation(output)


class DropoutNoScale(layers.Dropout):
    """Keras Dropout does scale the input in training phase, which is undesirable here."""

    def call(self, inputs, training=False):
        if training and 0.0 < self.rate < 1.0:
            return keras.random.dropout(inputs, self.rate, seed=self.seed_generator) * (1 - self.rate)
        return inputs


def make_data(rng):
    templates = (rng.uniform(size=(NB_CLASSES, N_INPUT)) > 0.5).astype("float32")
    y = rng.integers(0, NB_CLASSES, N)
    x = np.clip(templates[y] + rng.normal(0, 1.0, size=(N, N_INPUT)), 0, 1).astype("float32")
    # convert class vectors to binary class matrices
    Y = keras.utils.to_categorical(y, NB_CLASSES) * 2 - 1  # -1 or 1 for hinge loss
    return {"x": x[:-N_VAL], "y": Y[:-N_VAL], "val": (x[-N_VAL:], Y[-N_VAL:]),
            "fit": {"batch_size": 32}}


def build(extra, data):
    H = "Glorot"
    model = keras.Sequential()
    model.add(keras.Input(shape=(N_INPUT,)))
    model.add(DropoutNoScale(drop_in, name="drop0"))
    for i in range(num_hidden):
        model.add(BinaryDense(num_unit, H=H, use_bias=use_bias, name="dense{}".format(i + 1)))
        model.add(layers.BatchNormalization(epsilon=epsilon, momentum=momentum, name="bn{}".format(i + 1)))
        model.add(layers.Activation(binary_tanh, name="act{}".format(i + 1)))
        model.add(DropoutNoScale(drop_hidden, name="drop{}".format(i + 1)))
    model.add(BinaryDense(NB_CLASSES, H=H, use_bias=use_bias, name="dense"))
    model.add(layers.BatchNormalization(epsilon=epsilon, momentum=momentum, name="bn"))

    opt = keras.optimizers.Adam(learning_rate=lr_start)
    model.compile(loss="squared_hinge", optimizer=opt, metrics=["acc"] + extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    scores = model.predict(x_val, verbose=0)
    # One +1 per row: exclusive classes, the argmax of the scores.
    return {"accuracy": ref.argmax_accuracy(y_val, scores)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_acc": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
