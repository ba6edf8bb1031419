"""``truacc.auto()`` on tf_keras models, against numpy on ``model.predict``.

The same lines a Keras 3 user writes; ``TF_USE_LEGACY_KERAS=1`` makes them tf_keras's.
"""

import sys
import warnings

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

import keras_truacc as truacc
from keras_truacc import which_keras
from keras_truacc.keras2 import metrics as keras2_metrics

sys.path.insert(0, __file__.rsplit("/keras2/", 1)[0])
import reference  # noqa: E402  tests/reference.py: numpy only

layers = tf_keras.layers


def mlp(units, activation, inputs=8, hidden=16):
    return tf_keras.Sequential([
        layers.Input((inputs,)),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(units, activation=activation),
    ])


def final(history, key):
    return history.history[key][-1]


def test_auto_is_a_tf_keras_metric():
    metric = truacc.auto()
    assert isinstance(metric, tf_keras.metrics.Metric)
    assert isinstance(metric, keras2_metrics.TrueAccuracy)
    assert tf.keras is tf_keras or tf.keras.__name__.startswith("tf_keras")


def test_seed_setup_softmax_with_bce_and_binary_accuracy(rng):
    """The seed question on Keras 2: 10 classes, softmax, binary_crossentropy,
    metrics=['binary_accuracy']: Keras reports ~0.9, the argmax accuracy is far lower."""
    x = rng.normal(size=(400, 8)).astype("float32")
    y = rng.integers(0, 10, 400)
    model = mlp(10, "softmax")
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy", truacc.auto()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, np.eye(10)[y], epochs=2, batch_size=64, verbose=0,
                            callbacks=[truacc.TruAccMonitor(summary=False)])
    mismatches = [w for w in caught if issubclass(w.category, truacc.AccuracyMismatchWarning)]
    assert len(mismatches) == 1, [str(w.message) for w in caught]
    assert "'binary_accuracy'" in str(mismatches[0].message)
    assert "truacc.auto()" in str(mismatches[0].message)
    assert final(history, "binary_accuracy") > 0.85
    # Train figures are running means while weights move: check the final state with evaluate.
    result = model.evaluate(x, np.eye(10)[y], verbose=0, return_dict=True)
    truth = reference.argmax_accuracy(y, model.predict(x, verbose=0))
    assert result["accuracy"] == pytest.approx(truth, abs=1e-6)
    assert truth < 0.4


def test_logits_thresholded_at_zero(rng):
    x = rng.normal(size=(400, 8)).astype("float32")
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0.2).astype("float32")
    model = mlp(1, None)
    model.compile("adam", tf_keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["acc", truacc.auto(name="true_acc")])
    model.fit(x, y, epochs=2, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    logits = model.predict(x, verbose=0)
    assert result["true_acc"] == pytest.approx(reference.binary_accuracy(y, logits, 0.0), abs=1e-6)
    assert result["acc"] == pytest.approx(reference.binary_accuracy(y, logits, 0.5), abs=1e-6)


def test_multilabel_per_label_and_exact_match(rng):
    x = rng.normal(size=(300, 8)).astype("float32")
    y = (rng.random((300, 5)) < 0.3).astype("float32")
    model = mlp(5, "sigmoid")
    model.compile("adam", "binary_crossentropy",
                  metrics=[truacc.auto(), truacc.auto(name="exact", average="exact_match")])
    model.fit(x, y, epochs=1, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    scores = model.predict(x, verbose=0)
    per_label = reference.per_label_accuracy(y, scores, 0.5)
    exact = reference.exact_match_accuracy(y, scores, 0.5)
    assert result["accuracy"] == pytest.approx(per_label, abs=1e-6)
    assert result["exact"] == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("labels", ["sparse", "sparse_column", "one_hot"])
def test_multiclass_labels_in_every_form(rng, labels):
    x = rng.normal(size=(300, 8)).astype("float32")
    y = rng.integers(0, 4, 300)
    given = {"sparse": y, "sparse_column": y[:, None], "one_hot": np.eye(4)[y]}[labels]
    loss = "categorical_crossentropy" if labels == "one_hot" else "sparse_categorical_crossentropy"
    model = mlp(4, "softmax")
    model.compile("adam", loss, metrics=[truacc.auto()])
    model.fit(x, given, epochs=1, verbose=0)
    result = model.evaluate(x, given, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(
        reference.argmax_accuracy(y, model.predict(x, verbose=0)), abs=1e-6)


def test_weighted_metrics_and_masked_sequences(rng):
    """sample_weight in weighted_metrics, and Embedding(mask_zero=True) padding left out."""
    tokens = rng.integers(1, 20, size=(200, 12))
    lengths = rng.integers(3, 13, size=200)
    valid = np.arange(12)[None, :] < lengths[:, None]
    tokens = np.where(valid, tokens, 0)
    tags = np.where(valid, tokens % 3, 0)
    model = tf_keras.Sequential([
        layers.Input((12,)),
        layers.Embedding(20, 8, mask_zero=True),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[truacc.auto()])
    model.fit(tokens, tags, epochs=2, verbose=0)
    result = model.evaluate(tokens, tags, verbose=0, return_dict=True)
    probs = model.predict(tokens, verbose=0)
    assert result["accuracy"] == pytest.approx(
        reference.argmax_accuracy(tags, probs, valid=valid), abs=1e-6)

    x = rng.normal(size=(300, 8)).astype("float32")
    y = rng.integers(0, 3, 300)
    weights = rng.random(300).astype("float32")
    model = mlp(3, "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=[truacc.auto()])
    model.fit(x, y, sample_weight=weights, epochs=1, verbose=0)
    result = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(
        reference.argmax_accuracy(y, model.predict(x, verbose=0), sample_weight=weights), abs=1e-5)


def test_counts_exact_and_config_round_trip(rng):
    metric = truacc.auto(task="multiclass")
    y = rng.integers(0, 3, 50)
    probs = rng.random((50, 3))
    metric.update_state(y, probs)
    counts = metric.counts()
    assert counts["total"] == 50
    assert counts["correct"] == float((probs.argmax(1) == y).sum())
    clone = keras2_metrics.TrueAccuracy.from_config(metric.get_config())
    assert isinstance(clone, tf_keras.metrics.Metric) and clone.overrides == metric.overrides


def test_too_old_tf_keras_is_refused_at_construction(monkeypatch):
    monkeypatch.setattr(tf_keras, "__version__", "2.15.1")
    with pytest.raises(RuntimeError) as error:
        truacc.auto()
    message = str(error.value)
    assert "tf_keras 2.15.1 is installed" in message and "2.16 or newer" in message
    with pytest.raises(RuntimeError, match="2.15.1"):
        truacc.TruAccMonitor()


def test_keras2_objects_are_told_by_their_classes():
    assert which_keras.is_keras2_object(mlp(2, "softmax"))
    assert which_keras.is_keras2_object(tf_keras.losses.BinaryCrossentropy())
    import keras  # Keras 3, as installed beside tf_keras

    assert not which_keras.is_keras2_object(keras.metrics.Accuracy())
