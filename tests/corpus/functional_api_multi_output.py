"""Functional API, "models with multiple inputs and outputs": three named inputs
(dict), a ``priority`` regression head (Dense(1)) and a ``department``
multi-label head (Dense(num_departments) logits), losses and metrics given per
output as dicts. The priority head gets no accuracy (truacc.auto() on it logs
NaN); the department head is decided per label at 0 (logits).

Source: keras-team/keras-io, guides/functional_api.py
(https://keras.io/guides/functional_api/), "Models with multiple inputs and
outputs" (ranking customer issue tickets by priority and routing them to
departments).
Kept: the model (title/body Inputs of variable-length token ids, tags Input of
num_tags binary flags; Embedding + LSTM per text input; concatenate; Dense(1,
name="priority") and Dense(num_departments, name="department") without
activation; ``keras.Model(inputs=[...], outputs=[...])``); compile with
RMSprop, losses and loss_weights as dicts keyed by output name
(priority 1.0, department 0.2); fit on dicts of inputs and targets
(continuous priority targets in [0, 1), multi-hot department targets).
Changed: the losses: MeanSquaredError for the priority score (the guide uses
BinaryCrossentropy(from_logits=True) on continuous targets) and
BinaryCrossentropy(from_logits=True) for the multi-hot departments (the guide
uses CategoricalCrossentropy(from_logits=True) on multi-hot targets): a
regression head beside a multi-label head. ``metrics=`` per output added for
the harness's ``truacc.auto()``. num_words 100 instead of 10000, Embedding 16
instead of 64, LSTM 16/8 instead of 128/32, title 6 and body 12 tokens instead
of 10/100; 400 synthetic tickets whose departments and priority follow the
tags instead of random targets; RMSprop(1e-2) instead of 1e-3 (so that the
department head learns within a few epochs whatever its initial weights);
batch 16; 6 epochs; validation_data added.
"""

import keras
from keras import layers

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 6
NUM_TAGS, NUM_WORDS, NUM_DEPARTMENTS = 12, 100, 4
N, N_VAL = 400, 80


def make_data(rng):
    title_data = rng.integers(1, NUM_WORDS, size=(N, 6))
    body_data = rng.integers(1, NUM_WORDS, size=(N, 12))
    tags_data = rng.integers(0, 2, size=(N, NUM_TAGS)).astype("float32")
    priority_targets = (tags_data[:, 8:].mean(1, keepdims=True) * 0.9 + rng.uniform(0, 0.1, (N, 1)))
    # department j: tag j is set (multi-hot: 0, 1 or several departments)
    dept_targets = tags_data[:, :NUM_DEPARTMENTS].copy()
    x = {"title": title_data, "body": body_data, "tags": tags_data}
    y = {"priority": priority_targets.astype("float32"), "department": dept_targets}
    head = lambda d: {k: v[:-N_VAL] for k, v in d.items()}  # noqa: E731
    tail = lambda d: {k: v[-N_VAL:] for k, v in d.items()}  # noqa: E731
    return {"x": head(x), "y": head(y), "val": (tail(x), tail(y)), "fit": {"batch_size": 16}}


def build(extra, data):
    title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
    body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
    tags_input = keras.Input(shape=(NUM_TAGS,), name="tags")  # Binary vectors of size `num_tags`

    # Embed each word in the title into a 16-dimensional vector
    title_features = layers.Embedding(NUM_WORDS, 16)(title_input)
    # Embed each word in the text into a 16-dimensional vector
    body_features = layers.Embedding(NUM_WORDS, 16)(body_input)

    # Reduce sequence of embedded words in the title into a single 16-dimensional vector
    title_features = layers.LSTM(16)(title_features)
    # Reduce sequence of embedded words in the body into a single 8-dimensional vector
    body_features = layers.LSTM(8)(body_features)

    # Merge all available features into a single large vector via concatenation
    x = layers.concatenate([title_features, body_features, tags_input])

    # Stick a logistic regression for priority prediction on top of the features
    priority_pred = layers.Dense(1, name="priority")(x)
    # Stick a department classifier on top of the features
    department_pred = layers.Dense(NUM_DEPARTMENTS, name="department")(x)

    # Instantiate an end-to-end model predicting both priority and department
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs=[priority_pred, department_pred],
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-2),
        loss={
            "priority": keras.losses.MeanSquaredError(),
            "department": keras.losses.BinaryCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={"priority": extra(), "department": extra()},
    )
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    priority, department = model.predict(x_val, verbose=0)
    labels = y_val["department"]
    return {
        "priority": float("nan"),  # a regression output has no accuracy
        "department": ref.per_label_accuracy(labels, department, 0.0),
        "department_exact": ref.exact_match_accuracy(labels, department, 0.0),
    }


EXPECT = {
    "keys": {
        "val_department_true_accuracy": "department",
        "val_department_true_exact_match": "department_exact",
        "val_department_truacc_auto": "department",
        "val_priority_truacc_auto": "priority",  # NaN, not 0.0
    },
    "absent": ["val_priority_true_accuracy", "priority_true_accuracy"],
    # truacc.auto() was attached to a regression output: saying so is fair, not required.
    "warnings": [Warn("TruAccWarning", "'priority'", required=False)],
    "wrong": set(),
}
