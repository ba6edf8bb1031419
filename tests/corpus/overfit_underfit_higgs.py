"""Overfit and underfit (the Higgs "tiny model"): Dense(1) logits,
``BinaryCrossentropy(from_logits=True)``, ``metrics=[BinaryCrossentropy(
from_logits=True, name='binary_crossentropy'), 'accuracy']`` (Keras picks
BinaryAccuracy(threshold=0.5) for the one-unit output: 0.5 on logits, WRONG;
the decision point of a logit is 0), trained on an endless ``repeat()``
dataset with ``steps_per_epoch``, an InverseTimeDecay schedule, and the
tutorial's three callbacks: EpochDots, EarlyStopping on
``val_binary_crossentropy`` and TensorBoard.

Source: tensorflow/docs, site/en/tutorials/keras/overfit_and_underfit.ipynb
(https://www.tensorflow.org/tutorials/keras/overfit_and_underfit),
"Training procedure" and "Tiny model"; EpochDots from tensorflow/docs,
tools/tensorflow_docs/modeling/__init__.py.
Kept: ``pack_row`` over rows of scalars (label first, then FEATURES columns),
``packed_ds = ds.batch(...).map(pack_row).unbatch()``,
``validate_ds = packed_ds.take(N_VALIDATION).cache()``,
``train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()``, then
``validate_ds.batch(BATCH_SIZE)`` and
``train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)`` (labels of shape
(batch,) against the (batch, 1) output), ``STEPS_PER_EPOCH =
N_TRAIN // BATCH_SIZE``, ``lr_schedule = InverseTimeDecay(0.001,
decay_steps=STEPS_PER_EPOCH*1000, decay_rate=1, staircase=False)`` in Adam,
``tiny_model`` (Dense(16, 'elu'), Dense(1)), ``compile_and_fit`` (its loss,
its metric list with the *loss* object BinaryCrossentropy(from_logits=True,
name='binary_crossentropy') and 'accuracy', fit with steps_per_epoch and
validation_data), ``get_callbacks(name)`` (EpochDots(), EarlyStopping(
monitor='val_binary_crossentropy', patience=200), TensorBoard(logdir/name)
with ``logdir = pathlib.Path(tempfile.mkdtemp())/"tensorboard_logs"``), 28
features.
Changed: EpochDots copied here (tensorflow_docs is not installed), ported to
``keras.callbacks.Callback``; ``keras.Input`` instead of ``input_shape=``; 1200
synthetic "collisions" (the label depends on a few features through a
nonlinear score) in memory instead of the 11M-row HIGGS.csv.gz read by
CsvDataset (the columns are fed as a dataset of scalar tuples, as CsvDataset
yields them); N_VALIDATION 200, N_TRAIN 1000, BATCH_SIZE 50, 10 epochs instead
of up to 10000.
"""

import pathlib
import shutil
import tempfile

import keras
import numpy as np
from keras import layers

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 10
FEATURES = 28
N_VALIDATION = 200
N_TRAIN = 1000
BUFFER_SIZE = 1000
BATCH_SIZE = 50
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE


class EpochDots(keras.callbacks.Callback):
    """A simple callback that prints a "." every epoch, with occasional reports.

    Args:
      report_every: How many epochs between full reports
      dot_every: How many epochs between dots.
    """

    def __init__(self, report_every=100, dot_every=1):
        self.report_every = report_every
        self.dot_every = dot_every

    def on_epoch_end(self, epoch, logs):
        if epoch % self.report_every == 0:
            print()
            print("Epoch: {:d}, ".format(epoch), end="")
            for name, value in sorted(logs.items()):
                print("{}:{:0.4f}".format(name, value), end=",  ")
            print()

        if epoch % self.dot_every == 0:
            print(".", end="", flush=True)


def pack_row(*row):
    import tensorflow as tf

    label = row[0]
    features = tf.stack(row[1:], 1)
    return features, label


def _rows(rng, n):
    features = rng.normal(size=(n, FEATURES)).astype("float32")
    score = 0.5 * features[:, 0] * features[:, 1] + 2.0 * features[:, 2] + features[:, 5] - 0.3 * np.abs(features[:, 3])
    label = (score + rng.normal(0, 0.5, n) > 0).astype("float32")
    return label, features


def make_data(rng):
    import tensorflow as tf

    label, features = _rows(rng, N_VALIDATION + N_TRAIN)
    columns = (label,) + tuple(features[:, j] for j in range(FEATURES))
    ds = tf.data.Dataset.from_tensor_slices(columns)  # what CsvDataset yields: a tuple of scalars
    packed_ds = ds.batch(10000).map(pack_row).unbatch()

    validate_ds = packed_ds.take(N_VALIDATION).cache()
    train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()
    validate_ds = validate_ds.batch(BATCH_SIZE)
    train_ds = train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)

    logdir = pathlib.Path(tempfile.mkdtemp()) / "tensorboard_logs"
    shutil.rmtree(logdir, ignore_errors=True)

    def get_callbacks(name):
        return [
            EpochDots(),
            keras.callbacks.EarlyStopping(monitor="val_binary_crossentropy", patience=200),
            keras.callbacks.TensorBoard(logdir / name),
        ]

    return {
        "x": train_ds, "val": validate_ds,
        "fit": {"steps_per_epoch": STEPS_PER_EPOCH, "callbacks": get_callbacks("sizes/Tiny")},
        "x_val": features[:N_VALIDATION], "y_val": label[:N_VALIDATION],
    }


def get_optimizer():
    lr_schedule = keras.optimizers.schedules.InverseTimeDecay(
        0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False
    )
    return keras.optimizers.Adam(lr_schedule)


def build(extra, data):
    tiny_model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            layers.Dense(16, activation="elu"),
            layers.Dense(1),
        ]
    )
    tiny_model.compile(
        optimizer=get_optimizer(),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[
            keras.losses.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
            "accuracy",
        ] + extra(),
    )
    return tiny_model


def reference(model, data):
    logits = model.predict(data["x_val"], verbose=0)
    return {
        "accuracy": ref.binary_accuracy(data["y_val"], logits, 0.0),
        "keras_at_0.5": ref.binary_accuracy(data["y_val"], logits, 0.5),
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    # Keras's 'accuracy' is BinaryAccuracy(0.5) on logits: checked to be exactly that.
    "keras": {"val_accuracy": "keras_at_0.5"},
    "present": ["val_binary_crossentropy"],
    "warnings": [Warn("AccuracyMismatchWarning", "'accuracy'", count=1)],
    "wrong": {"accuracy"},
}
