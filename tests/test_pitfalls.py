"""The cases of ../shared/pitfalls.md where Keras's number is wrong: Keras's figure,
auto()'s figure, and auto() equal to numpy on model.predict output."""

import warnings

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from tests import reference as ref

N, D = 400, 12


@pytest.fixture
def xz(rng):
    x = rng.normal(size=(N, D)).astype("float32")
    return x, x @ rng.normal(size=(D, 10))


def model_for(units, activation, loss, metrics):
    m = keras.Sequential([keras.Input((D,)), keras.layers.Dense(units, activation=activation)])
    m.compile("adam", loss, metrics=metrics)
    return m


def run(model, x, y, epochs=2):
    model.fit(x, y, epochs=epochs, verbose=0)
    return model.evaluate(x, y, verbose=0, return_dict=True), model.predict(x, verbose=0)


def test_case1_binary_accuracy_on_ten_one_hot_classes(xz):
    x, z = xz
    y = keras.utils.to_categorical(z.argmax(-1), 10)
    result, p = run(model_for(10, "softmax", "binary_crossentropy", ["binary_accuracy", truacc.auto()]), x, y)
    true = ref.argmax_accuracy(y, p)
    assert result["accuracy"] == pytest.approx(true, abs=1e-6)
    assert result["binary_accuracy"] == pytest.approx(ref.per_label_accuracy(y, p, 0.5), abs=1e-6)
    assert result["binary_accuracy"] > true + 0.3  # Keras's figure, far above


def test_case2_logits_thresholded_at_half(xz):
    x, z = xz
    y = (z[:, 0] > 0).astype("float32")[:, None]
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    result, p = run(model_for(1, None, loss, ["accuracy", truacc.auto(name="true")]), x, y)
    assert result["true"] == pytest.approx(ref.binary_accuracy(y, p, 0.0), abs=1e-6)
    assert result["accuracy"] == pytest.approx(ref.binary_accuracy(y, p, 0.5), abs=1e-6)
    assert result["accuracy"] != pytest.approx(result["true"], abs=1e-3)


def test_case3_multilabel_gets_argmax(xz):
    x, z = xz
    y = (z[:, :5] > 0.3).astype("float32")
    result, p = run(model_for(5, "sigmoid", "binary_crossentropy", ["accuracy", truacc.auto(name="true")]), x, y)
    assert result["true"] == pytest.approx(ref.per_label_accuracy(y, p, 0.5), abs=1e-6)
    keras_argmax = float(np.mean(y.argmax(-1) == p.argmax(-1)))  # CategoricalAccuracy: first 1 of the row
    assert result["accuracy"] == pytest.approx(keras_argmax, abs=1e-6)


def test_case5_padding_counted_without_a_mask(rng):
    n, t = 300, 10
    lengths = rng.integers(2, t + 1, size=n)
    valid = np.arange(t)[None, :] < lengths[:, None]
    tokens = np.where(valid, rng.integers(1, 20, size=(n, t)), 0)
    tags = np.where(valid, tokens % 3 + 1, 0)
    model = keras.Sequential([keras.Input((t,), dtype="int32"), keras.layers.Embedding(20, 8),
                              keras.layers.Dense(4, activation="softmax")])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
                  metrics=["accuracy", truacc.auto(name="true")])
    result, p = run(model, tokens, tags)
    assert result["true"] == pytest.approx(ref.argmax_accuracy(tags, p, valid=valid), abs=1e-6)
    assert result["accuracy"] == pytest.approx(ref.argmax_accuracy(tags, p), abs=1e-6)  # padding counted
    assert truacc.inspect(model).wrong[0].key == "accuracy"


def test_case7_regression_asked_for_accuracy(xz):
    x, z = xz
    y = z[:, :1]
    model = model_for(1, None, "mse", ["accuracy"])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result, _ = run(model, x, y, epochs=1)
        report = truacc.inspect(model)
    assert result["accuracy"] < 0.05  # Keras: exact equality after thresholding
    assert report.wrong and "mae" in report.wrong[0].judgement.fix
    assert report.outputs[0].verdict.task == "none"


# Keras's own warning about this very set-up: expected here, not an error.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1:UserWarning")
def test_case4_softmax_over_one_unit_is_reported(xz):
    x, z = xz
    y = (z[:, 0] > 0).astype("float32")[:, None]
    model = model_for(1, "softmax", "binary_crossentropy", [truacc.auto()])
    with pytest.warns(truacc.TruAccWarning, match="softmax over a size-1 axis"):
        result, p = run(model, x, y, epochs=1)
    assert np.allclose(p, 1.0)
    assert result["accuracy"] == pytest.approx(y.mean(), abs=1e-6)  # the positive rate, as stated
