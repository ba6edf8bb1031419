"""Text classification with an RNN: TextVectorization, Embedding(mask_zero=True),
Bidirectional(LSTM), Dense(64, relu), Dense(1) logits,
``BinaryCrossentropy(from_logits=True)`` and ``metrics=['accuracy']`` (Keras
picks BinaryAccuracy(threshold=0.5) for the one-unit output: 0.5 on logits,
WRONG; the tutorial itself says "If the prediction is >= 0.0, it is positive").
Validation runs on the first ``validation_steps`` batches of the test set only,
so the true accuracy is over those batches, the ones Keras evaluates.

Source: tensorflow/docs, site/en/tutorials/text/text_classification_rnn.ipynb
(https://www.tensorflow.org/tutorials/text/text_classification_rnn), "Setup
input pipeline", "Create the text encoder", "Create the model", "Train the
model".
Kept: ``train_dataset.shuffle(BUFFER_SIZE).batch(BATCH_SIZE).prefetch(
AUTOTUNE)``, ``test_dataset.batch(BATCH_SIZE).prefetch(AUTOTUNE)``, (text,
int label) pairs (labels of shape (batch,)), ``encoder =
TextVectorization(max_tokens=VOCAB_SIZE)`` adapted on
``train_dataset.map(lambda text, label: text)``, the model (encoder,
Embedding(input_dim=len(encoder.get_vocabulary()), output_dim=64,
mask_zero=True), Bidirectional(LSTM(64)), Dense(64, relu), Dense(1)), compile
(BinaryCrossentropy(from_logits=True), Adam(1e-4), metrics=['accuracy']),
``fit(train_dataset, validation_data=test_dataset, validation_steps=...)``.
Changed: the encoder maps the datasets (``ds.map(lambda text, label:
(encoder(text), label))``) instead of being the model's first layer (string
tensors only run inside a TensorFlow model; the same case runs on JAX), with
``output_sequence_length=SEQUENCE_LENGTH`` (one shape, one compile);
``keras.Input`` added; 480 + 320 synthetic "reviews" (sentiment words among
neutral ones) instead of IMDB from tensorflow_datasets; VOCAB_SIZE 200 instead
of 1000; Embedding 16 and LSTM(16) and Dense(16) instead of 64; BATCH_SIZE 32
instead of 64; BUFFER_SIZE 1000; validation_steps 6 (of 10 test batches)
instead of 30 (of 391); Adam(1e-3) instead of 1e-4, 4 epochs instead of 10.
"""

import keras
import numpy as np

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 4
VOCAB_SIZE = 200
SEQUENCE_LENGTH = 16
BUFFER_SIZE = 1000
BATCH_SIZE = 32
N_TRAIN, N_TEST = 480, 320
VALIDATION_STEPS = 6

_POSITIVE = ["great", "wonderful", "loved", "brilliant", "fun", "moving", "superb", "best"]
_NEGATIVE = ["boring", "awful", "hated", "dull", "worst", "mess", "terrible", "waste"]
_NEUTRAL = [f"w{i}" for i in range(150)] + ["the", "movie", "was", "and", "a", "of", "this", "film"]


def _reviews(rng, n):
    labels = rng.integers(0, 2, n)
    texts = []
    for label in labels:
        length = rng.integers(5, 21)  # some longer than SEQUENCE_LENGTH: truncated
        own = _POSITIVE if label else _NEGATIVE
        other = _NEGATIVE if label else _POSITIVE
        words = []
        for _ in range(length):
            u = rng.uniform()
            pool = own if u < 0.2 else other if u < 0.26 else _NEUTRAL
            words.append(pool[rng.integers(len(pool))])
        texts.append(" ".join(words))
    return np.array(texts), labels.astype("int64")


def make_data(rng):
    import tensorflow as tf

    AUTOTUNE = tf.data.AUTOTUNE
    train_text, train_labels = _reviews(rng, N_TRAIN)
    test_text, test_labels = _reviews(rng, N_TEST)
    train_dataset = tf.data.Dataset.from_tensor_slices((train_text, train_labels))
    test_dataset = tf.data.Dataset.from_tensor_slices((test_text, test_labels))

    train_dataset = train_dataset.shuffle(BUFFER_SIZE).batch(BATCH_SIZE).prefetch(AUTOTUNE)
    test_dataset = test_dataset.batch(BATCH_SIZE).prefetch(AUTOTUNE)

    encoder = keras.layers.TextVectorization(
        max_tokens=VOCAB_SIZE, output_sequence_length=SEQUENCE_LENGTH
    )
    encoder.adapt(train_dataset.map(lambda text, label: text))

    def encode(ds):
        return ds.map(lambda text, label: (encoder(text), label))

    seen = VALIDATION_STEPS * BATCH_SIZE  # the batches Keras's validation pass runs
    return {
        "x": encode(train_dataset), "val": encode(test_dataset),
        "fit": {"validation_steps": VALIDATION_STEPS},
        "vocabulary_size": len(encoder.get_vocabulary()),
        "x_seen": np.asarray(encoder(test_text[:seen])), "y_seen": test_labels[:seen],
        "x_all": np.asarray(encoder(test_text)), "y_all": test_labels,
    }


def build(extra, data):
    model = keras.Sequential(
        [
            keras.Input(shape=(SEQUENCE_LENGTH,), dtype="int64"),
            keras.layers.Embedding(
                input_dim=data["vocabulary_size"],
                output_dim=16,
                # Use masking to handle the variable sequence lengths
                mask_zero=True,
            ),
            keras.layers.Bidirectional(keras.layers.LSTM(16)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        optimizer=keras.optimizers.Adam(1e-3),
        metrics=["accuracy"] + extra(),
    )
    return model


def reference(model, data):
    seen = model.predict(data["x_seen"], verbose=0)
    whole = model.predict(data["x_all"], verbose=0)
    return {
        # the validation batches Keras runs: the first validation_steps of the test set
        "accuracy": ref.binary_accuracy(data["y_seen"], seen, 0.0),
        "keras_at_0.5": ref.binary_accuracy(data["y_seen"], seen, 0.5),
        "whole_test_set": ref.binary_accuracy(data["y_all"], whole, 0.0),  # for the table only
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "keras_at_0.5"},
    "warnings": [Warn("AccuracyMismatchWarning", "'accuracy'", count=1)],
    "wrong": {"accuracy"},
}
