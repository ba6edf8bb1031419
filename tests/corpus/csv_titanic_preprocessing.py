"""Load CSV data (Titanic), mixed data types: a dict of ``keras.Input``s (one per
CSV column), a nested preprocessing ``Model`` (numeric columns concatenated and
``Normalization``-adapted, categorical columns one-hot by
``CategoryEncoding``, all concatenated) feeding a nested ``Sequential`` body
(Dense(64), Dense(1): logits), ``BinaryCrossentropy(from_logits=True)`` and NO
metrics (only the harness's ``truacc.auto``); fit on a dict of numpy columns.
The true accuracy: logits decided at 0.

Source: tensorflow/docs, site/en/tutorials/load_data/csv.ipynb
(https://www.tensorflow.org/tutorials/load_data/csv), "Mixed data types".
Kept: ``titanic_features = titanic.copy()``, ``titanic_labels =
titanic_features.pop('survived')`` (a pandas int column: labels of shape
(N,)), one ``Input(shape=(1,), name=name, dtype=...)`` per column (float32 for
numbers), ``numeric_inputs`` concatenated then ``Normalization()`` adapted on
``np.array(titanic[numeric_inputs.keys()])``, ``preprocessed_inputs =
[all_numeric_inputs]`` plus one ``CategoryEncoding`` one-hot per string column,
``Concatenate()``, ``titanic_preprocessing = keras.Model(inputs,
preprocessed_inputs_cat)``, ``titanic_model(preprocessing_head, inputs)``
(body = Sequential([Dense(64), Dense(1)]); ``keras.Model(inputs,
body(preprocessing_head(inputs)))``; compile(loss=BinaryCrossentropy(
from_logits=True), optimizer=Adam())), ``titanic_features_dict = {name:
np.array(value) ...}``, ``fit(x=titanic_features_dict, y=titanic_labels)``,
the Titanic columns (sex, age, n_siblings_spouses, parch, fare, class, deck,
embark_town, alone).
Changed: the string columns are mapped to vocabulary indices by
``StringLookup(vocabulary=np.unique(...))`` in numpy, before the model, and
their Inputs take int64 indices (string tensors only run inside a TensorFlow
model; the same case runs on JAX), so the model keeps ``CategoryEncoding``
(num_tokens = the lookup's vocabulary size) but not the lookup; 800 synthetic
passengers (survival drawn from sex, class, age and fare) instead of the
downloaded train.csv; ``dtype == object`` also accepts pandas 3's string
dtype; ``validation_split=0.2`` added (the tutorial trains
without validation); 4 epochs instead of 10; batch 32 (Keras's default).
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 4
N = 800
SPLIT = 0.2


def _titanic(rng):
    import pandas as pd

    sex = rng.choice(["male", "female"], N, p=[0.62, 0.38])
    klass = rng.choice(["First", "Second", "Third"], N, p=[0.25, 0.2, 0.55])
    age = np.clip(rng.normal(29, 13, N), 0.75, 80).round(1)
    fare = np.where(klass == "First", 80, np.where(klass == "Second", 20, 9)) * rng.lognormal(0, 0.4, N)
    deck = np.where(klass == "First", rng.choice(list("ABCDE"), N), "unknown")
    score = (
        2.2 * (sex == "female") + 1.0 * (klass == "First") - 1.0 * (klass == "Third")
        - 0.025 * (age - 29) + 0.004 * fare - 0.6 + rng.logistic(0, 0.7, N)
    )
    return pd.DataFrame(
        {
            "survived": (score > 0).astype("int64"),
            "sex": sex,
            "age": age,
            "n_siblings_spouses": rng.poisson(0.5, N).astype("float64"),
            "parch": rng.poisson(0.4, N).astype("float64"),
            "fare": fare.round(2),
            "class": klass,
            "deck": deck,
            "embark_town": rng.choice(["Southampton", "Cherbourg", "Queenstown", "unknown"], N,
                                      p=[0.72, 0.19, 0.08, 0.01]),
            "alone": rng.choice(["y", "n"], N, p=[0.6, 0.4]),
        }
    )


def _is_string(dtype):
    # the tutorial's ``dtype == object``; pandas 3 gives text columns a string dtype
    import pandas as pd

    return dtype == object or pd.api.types.is_string_dtype(dtype)


def make_data(rng):
    titanic = _titanic(rng)
    titanic_features = titanic.copy()
    titanic_labels = titanic_features.pop("survived")

    vocab_sizes = {}
    titanic_features_dict = {}
    for name, value in titanic_features.items():
        if _is_string(value.dtype):
            lookup = layers.StringLookup(vocabulary=np.unique(titanic_features[name]))
            vocab_sizes[name] = lookup.vocabulary_size()
            titanic_features_dict[name] = np.asarray(lookup(np.array(value))).astype("int64")
        else:
            titanic_features_dict[name] = np.array(value)
    labels = np.array(titanic_labels)
    cut = int(N * (1 - SPLIT))  # Keras's validation_split takes the tail
    return {
        "x": titanic_features_dict, "y": labels, "val": None,
        "fit": {"validation_split": SPLIT},
        "titanic": titanic, "vocab_sizes": vocab_sizes,
        "x_val": {k: v[cut:] for k, v in titanic_features_dict.items()}, "y_val": labels[cut:],
    }


def titanic_model(preprocessing_head, inputs, extra):
    body = keras.Sequential([layers.Dense(64), layers.Dense(1)])

    preprocessed_inputs = preprocessing_head(inputs)
    result = body(preprocessed_inputs)
    model = keras.Model(inputs, result)

    model.compile(
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        optimizer=keras.optimizers.Adam(),
        metrics=extra(),
    )
    return model


def build(extra, data):
    titanic = data["titanic"]
    titanic_features = titanic.drop(columns="survived")

    inputs = {}
    for name, column in titanic_features.items():
        dtype = column.dtype
        if _is_string(dtype):
            dtype = "int64"  # vocabulary indices (see "Changed")
        else:
            dtype = "float32"
        inputs[name] = keras.Input(shape=(1,), name=name, dtype=dtype)

    numeric_inputs = {name: input for name, input in inputs.items() if input.dtype == "float32"}
    x = layers.Concatenate()(list(numeric_inputs.values()))
    norm = layers.Normalization()
    norm.adapt(np.array(titanic[numeric_inputs.keys()]))
    all_numeric_inputs = norm(x)

    preprocessed_inputs = [all_numeric_inputs]
    for name, input in inputs.items():
        if input.dtype == "float32":
            continue
        one_hot = layers.CategoryEncoding(num_tokens=data["vocab_sizes"][name])
        x = one_hot(input)
        preprocessed_inputs.append(x)

    preprocessed_inputs_cat = layers.Concatenate()(preprocessed_inputs)
    titanic_preprocessing = keras.Model(inputs, preprocessed_inputs_cat)
    return titanic_model(titanic_preprocessing, inputs, extra)


def reference(model, data):
    logits = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.binary_accuracy(data["y_val"], logits, 0.0)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {},  # no compiled accuracy
    "warnings": [],
    "wrong": set(),
}
