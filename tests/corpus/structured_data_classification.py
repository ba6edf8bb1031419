"""Structured data classification from scratch: ``tf.data`` input yielding a dict
of features, one ``keras.Input`` per feature, and a custom ``Layer`` subclass
(``Classifier``) that holds the output activation (its inner Dense(1, sigmoid));
``binary_crossentropy`` with ``metrics=["accuracy"]`` (right: probabilities
thresholded at 0.5).

Source: keras-team/keras-io,
examples/structured_data/structured_data_classification_from_scratch.py
(https://keras.io/examples/structured_data/structured_data_classification_from_scratch/),
the backend-agnostic version.
Kept: ``dataframe_to_dataset`` (``from_tensor_slices((dict(features), labels))``,
mapped through ``encode_categorical``: IntegerLookup / StringLookup with
``output_mode="binary"``, then shuffled and batched 32);
``encode_numerical_feature`` (a Normalization layer adapted on the train
dataset); ``create_model_inputs``; the ``Classifier`` layer (concatenate,
Dense(relu), Dropout(0.5), Dense(1, sigmoid)); compile ("adam",
"binary_crossentropy", ["accuracy"]); labels of shape (batch,).
Changed: 6 features (age, thalach, oldpeak numeric; sex, cp integer-coded;
thal a string) instead of 13; Dense(64) instead of Dense(32) in ``Classifier``;
400 synthetic patients (the target follows a logistic model of the features)
instead of the Cleveland heart-disease CSV; 5 epochs. And one fix: in the
Keras 3 version ``create_model_inputs`` puts the Normalization *outputs* in the
dict passed to ``keras.Model`` as inputs, so the model is fed raw values (e.g.
thalach ~150) and the Normalization is skipped; here the Inputs are the model's
inputs and their normalized values feed ``Classifier``, as in the TF-only
version of the example.
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 5
N, N_VAL = 400, 80
NUMERIC_FEATURE_NAMES = ["age", "thalach", "oldpeak"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "sex": [0, 1],
    "cp": [0, 1, 2, 3, 4],
    "thal": ["fixed", "normal", "reversible"],
}
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())


def _patients(rng, n):
    age = rng.normal(54, 9, n).round()
    thalach = rng.normal(150, 22, n).round()
    oldpeak = np.abs(rng.normal(1.0, 1.1, n)).round(1)
    sex = rng.integers(0, 2, n)
    cp = rng.integers(0, 5, n)
    thal = np.array(["fixed", "normal", "reversible"])[rng.integers(0, 3, n)]
    logit = (
        0.08 * (age - 54) - 0.06 * (thalach - 150) + 1.5 * (oldpeak - 1.0)
        + 1.0 * sex + np.array([-1.5, -0.5, 0.5, 1.5, 2.0])[cp]
        + 2.0 * (thal == "reversible") - 1.5 * (thal == "normal") - 0.6
    )
    target = (logit + rng.logistic(size=n) * 0.3 > 0).astype("int64")
    features = {
        "age": age.astype("float32"), "thalach": thalach.astype("float32"),
        "oldpeak": oldpeak.astype("float32"), "sex": sex.astype("int64"),
        "cp": cp.astype("int64"), "thal": thal,
    }
    return features, target


def encode_categorical(features, target):
    for feature_name in features:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            lookup_class = (
                layers.StringLookup if features[feature_name].dtype == "string" else layers.IntegerLookup
            )
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # Create a lookup to convert a string values to an integer indices.
            # Since we are not using a mask token nor expecting any out of vocabulary
            # (oov) token, we set mask_token to None and  num_oov_indices to 0.
            index = lookup_class(
                vocabulary=vocabulary, mask_token=None, num_oov_indices=0, output_mode="binary"
            )
            # Convert the string input values into integer indices.
            value_index = index(features[feature_name])
            features[feature_name] = value_index
    # Change features from OrderedDict to Dict to match Inputs as they are Dict.
    return dict(features), target


def dataframe_to_dataset(features, labels, seed):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((dict(features), labels)).map(encode_categorical)
    ds = ds.shuffle(buffer_size=len(labels), seed=seed)
    return ds


def _encoded_arrays(features):
    """The validation features as the model sees them (for ``predict``)."""
    encoded = {}
    for name, values in features.items():
        if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocab = list(CATEGORICAL_FEATURES_WITH_VOCABULARY[name])
            encoded[name] = np.eye(len(vocab), dtype="int64")[[vocab.index(v) for v in values.tolist()]]
        else:
            encoded[name] = values[:, None]
    return encoded


def make_data(rng):
    features, target = _patients(rng, N)
    train = {k: v[:-N_VAL] for k, v in features.items()}
    val = {k: v[-N_VAL:] for k, v in features.items()}
    train_ds = dataframe_to_dataset(train, target[:-N_VAL], seed=1).batch(32)
    val_ds = dataframe_to_dataset(val, target[-N_VAL:], seed=2).batch(32)
    return {"x": train_ds, "val": val_ds, "x_val": _encoded_arrays(val), "y_val": target[-N_VAL:]}


def encode_numerical_feature(feature, name, dataset):
    import tensorflow as tf

    # Create a Normalization layer for our feature
    normalizer = layers.Normalization()
    # Prepare a Dataset that only yields our feature
    feature_ds = dataset.map(lambda x, y: x[name])
    feature_ds = feature_ds.map(lambda x: tf.expand_dims(x, -1))
    # Learn the statistics of the data
    normalizer.adapt(feature_ds)
    # Normalize the input feature
    encoded_feature = normalizer(feature)
    return encoded_feature


# Categorical features have different shapes after the encoding, dependent on the
# vocabulary or unique values of each feature. We create them accordinly to match the
# input data elements generated by tf.data.Dataset after pre-processing them
def create_model_inputs(train_ds):
    inputs, encoded = {}, {}

    # This a helper function for creating categorical features
    def create_input_helper(feature_name):
        num_categories = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name])
        inputs[feature_name] = layers.Input(name=feature_name, shape=(num_categories,), dtype="int64")
        encoded[feature_name] = inputs[feature_name]
        return inputs

    for feature_name in FEATURE_NAMES:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            # Categorical features
            create_input_helper(feature_name)
        else:
            # Make them float32, they are Real numbers
            feature_input = layers.Input(name=feature_name, shape=(1,), dtype="float32")
            # Process the Inputs here
            inputs[feature_name] = feature_input
            encoded[feature_name] = encode_numerical_feature(feature_input, feature_name, train_ds)
    return inputs, encoded


# This Layer defines the logic of the Model to perform the classification
class Classifier(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(64, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.dense_2 = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        all_features = layers.concatenate(list(inputs.values()))
        x = self.dense_1(all_features)
        x = self.dropout(x)
        output = self.dense_2(x)
        return output

    # Surpress build warnings
    def build(self, input_shape):
        self.built = True


# Create the Classifier model
def create_model(train_ds):
    all_inputs, encoded_features = create_model_inputs(train_ds)
    output = Classifier()(encoded_features)
    model = keras.Model(all_inputs, output)
    return model


def build(extra, data):
    model = create_model(data["x"])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"] + extra())
    return model


def reference(model, data):
    probs = model.predict(data["x_val"], verbose=0)
    return {"accuracy": ref.binary_accuracy(data["y_val"], probs, 0.5)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
