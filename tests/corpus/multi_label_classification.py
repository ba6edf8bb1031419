"""Large-scale multi-label text classification: a Sequential model WITHOUT an
Input (built on the first batch), sigmoid over the labels, ``binary_crossentropy``
and ``metrics=["binary_accuracy"]`` (per-label accuracy at 0.5: right).

Source: keras-team/keras-io, examples/nlp/multi_label_classification.py
(https://keras.io/examples/nlp/multi_label_classification/).
Kept: ``make_model()`` (Sequential of Dense(relu), Dense(relu),
Dense(num_labels, sigmoid), no Input), compile (binary_crossentropy, adam,
["binary_accuracy"]), tf.data datasets of (TF-IDF vector, multi-hot labels),
shuffled for training only, batched.
Changed: Dense 256/128 instead of 512/256; 400 synthetic abstracts as TF-IDF-like
vectors over 64 terms instead of arXiv text through TextVectorization; 6 labels,
each switched on by its own key term (rows hold 0, 1 or several labels);
batch 16; 4 epochs.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 4
VOCAB, NUM_LABELS, N, N_VAL = 64, 6, 400, 100


def make_data(rng):
    import tensorflow as tf

    counts = rng.poisson(0.7, size=(N, VOCAB)).astype("float32")
    idf = np.log(1 + N / (1 + (counts > 0).sum(0)))
    x = (counts * idf).astype("float32")
    # label j: the abstract uses key term j (rows hold 0, 1 or several labels)
    y = (counts[:, :NUM_LABELS] > 0).astype("float32")
    x_train, y_train, x_val, y_val = x[:-N_VAL], y[:-N_VAL], x[-N_VAL:], y[-N_VAL:]
    batch_size = 16
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(batch_size * 10, seed=0)
    val = tf.data.Dataset.from_tensor_slices((x_val, y_val))
    return {"x": train.batch(batch_size), "val": val.batch(batch_size),
            "x_val": x_val, "y_val": y_val}


def build(extra, data):
    shallow_mlp_model = keras.Sequential(
        [
            layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_LABELS, activation="sigmoid"),
        ]
    )
    shallow_mlp_model.compile(
        loss="binary_crossentropy", optimizer="adam", metrics=["binary_accuracy"] + extra()
    )
    return shallow_mlp_model


def reference(model, data):
    probs = model.predict(data["x_val"], verbose=0)
    return {
        "per_label": ref.per_label_accuracy(data["y_val"], probs, 0.5),
        "exact_match": ref.exact_match_accuracy(data["y_val"], probs, 0.5),
    }


EXPECT = {
    "keys": {
        "val_true_accuracy": "per_label",
        "val_true_exact_match": "exact_match",
        "val_truacc_auto": "per_label",
    },
    "keras": {"val_binary_accuracy": "per_label"},
    "present": [
        "true_accuracy", "true_exact_match", "majority_baseline",
        "val_true_accuracy", "val_true_exact_match", "val_majority_baseline",
    ],
    "warnings": [],
    "wrong": set(),
}
