"""A subclassed ``keras.Model`` whose ``call`` returns a TUPLE of two
classification outputs (``return self.dense1(x), self.dense2(x)``): a binary
logit head and a 5-class logits head, losses and metrics given as lists per
output. Such a model has no output names, so Keras logs its metrics unprefixed.

Source: tensorflow/tensorflow issue #48511, "Output names for models defined via
subclassing tf.keras.Model are ignored, fit with multiple losses raises error"
(https://github.com/tensorflow/tensorflow/issues/48511): ``MyModel`` with
``self.dense1 = Dense(1, name="myname1")``, ``self.dense2 = Dense(5,
name="myname2")`` and ``call`` returning both as a tuple; the losses and the
list-of-lists ``metrics=`` of two outputs as in keras-team/keras-io,
guides/training_with_built_in_methods.py ("Passing data to multi-input,
multi-output models": a Dense(1) score head and a Dense(5) class head).
Kept: the two heads (Dense(1), Dense(5), no activation) returned as a tuple,
compile with ``loss=[...]`` and ``metrics=[[...], [...]]``, labels as a tuple.
Changed: a Dense(256, relu) layer before the heads; both heads are classifiers:
``BinaryCrossentropy(from_logits=True)`` with
``BinaryAccuracy(threshold=0.0)`` for the first, ``CategoricalCrossentropy(
from_logits=True)`` with ``CategoricalAccuracy()`` for the second (one-hot
labels); the harness's ``truacc.auto()`` per output, named
``truacc_auto_flag`` / ``truacc_auto_kind`` (Keras would not prefix them);
400 synthetic samples; batch 16; 5 epochs.
"""

import keras
from keras import layers

from tests import reference as ref

EPOCHS = 5
D, NUM_KINDS, N, N_VAL = 10, 5, 400, 100


def make_data(rng):
    x = rng.normal(size=(N, D)).astype("float32")
    flag = (x[:, 0] + 0.5 * x[:, 1] > 0.2).astype("float32")[:, None]
    kind = keras.utils.to_categorical((x @ rng.normal(size=(D, NUM_KINDS))).argmax(-1), NUM_KINDS)
    return {"x": x[:-N_VAL], "y": (flag[:-N_VAL], kind[:-N_VAL]),
            "val": (x[-N_VAL:], (flag[-N_VAL:], kind[-N_VAL:])), "fit": {"batch_size": 16}}


class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(256, activation="relu")
        self.dense1 = layers.Dense(1, name="myname1")
        self.dense2 = layers.Dense(NUM_KINDS, name="myname2")

    def call(self, x):
        x = self.hidden(x)
        return self.dense1(x), self.dense2(x)


def build(extra, data):
    model = MyModel()
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.BinaryCrossentropy(from_logits=True),
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ],
        metrics=[
            [keras.metrics.BinaryAccuracy(threshold=0.0)] + extra("truacc_auto_flag"),
            [keras.metrics.CategoricalAccuracy()] + extra("truacc_auto_kind"),
        ],
    )
    return model


def reference(model, data):
    x_val, (flag, kind) = data["val"]
    flag_logits, kind_logits = model.predict(x_val, verbose=0)
    return {
        "flag": ref.binary_accuracy(flag, flag_logits, 0.0),
        "kind": ref.argmax_accuracy(kind, kind_logits),
    }


EXPECT = {
    "keys": {"val_truacc_auto_flag": "flag", "val_truacc_auto_kind": "kind"},
    "keras": {"val_binary_accuracy": "flag", "val_categorical_accuracy": "kind"},
    # one true accuracy per output, whatever the monitor calls unnamed outputs
    "per_output": ["flag", "kind"],
    "warnings": [],
    "wrong": set(),
}
