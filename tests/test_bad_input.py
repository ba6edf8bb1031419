"""Bad input: each case gets a clear message naming the tensor and the fix, or a
warning while training goes on. Runs on every backend (see test_other_backends)."""

import warnings

import keras
import numpy as np
import pytest

import keras_truacc as truacc

D = 6
BACKEND = keras.backend.backend()


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(96, D)).astype("float32")
    return x, rng.integers(0, 3, 96)


def softmax_model(loss="sparse_categorical_crossentropy", metrics=("accuracy",), units=3, activation="softmax"):
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(units, activation=activation)])
    model.compile("adam", loss, metrics=list(metrics) if metrics is not None else None)
    return model


def ours(seen):
    return [w for w in seen if issubclass(w.category, truacc.TruAccWarning)]


def run(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn()
    return result, ours(seen)


def monitor():
    return truacc.TruAccMonitor(summary=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_outputs_warn_naming_y_pred_and_training_goes_on(xy, bad):
    x, y = xy
    x = x.copy()
    x[::5] = bad
    model = softmax_model()
    history, warned = run(lambda: model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor()]))
    text = " ".join(str(w.message) for w in warned)
    assert "NaN or inf" in text and "y_pred" in text and "float32" in text and "TerminateOnNaN" in text
    assert len(history.history["loss"]) == 2


def test_binary_labels_out_of_range_in_fit_warn_naming_y_true(rng):
    x = rng.normal(size=(96, D)).astype("float32")
    y = rng.integers(0, 3, 96).astype("float32")[:, None]  # 0, 1 and 2 for a sigmoid output
    model = softmax_model("binary_crossentropy", units=1, activation="sigmoid")
    if BACKEND == "torch":  # torch's own BCE refuses such targets first, with a readable error
        with pytest.raises(RuntimeError, match="between 0 and 1"):
            model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor()])
        return
    history, warned = run(lambda: model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor()]))
    text = " ".join(str(w.message) for w in warned)
    assert "y_true" in text and "values in {0, 1}" in text and "Fix:" in text


def test_sparse_labels_out_of_range_standalone_name_the_range():
    m = truacc.auto()
    with pytest.warns(truacc.TruAccWarning, match=r"indices must lie in \[0, 3\).*Dense\(8\)"):
        m.update_state(np.array([0, 1, 7]), np.eye(3)[[0, 1, 2]])


def test_fractional_class_indices_standalone():
    m = truacc.auto(task="multiclass")
    with pytest.warns(truacc.TruAccWarning, match="fractional values.*whole numbers"):
        m.update_state(np.array([0.0, 1.5, 2.0]), np.eye(3))


def test_string_labels_raise_with_the_fix():
    with pytest.raises(ValueError, match=r"labels \(y_true, shape \(2,\).*strings.*StringLookup"):
        truacc.auto().update_state(np.array(["cat", "dog"]), np.eye(2))


def test_shape_mismatch_raises_naming_both_shapes():
    m = truacc.auto(task="multiclass")
    with pytest.raises(ValueError, match=r"labels \(shape \(4, 7\).*\(4, 10\).*Fix"):
        m.update_state(np.zeros((4, 7)), np.zeros((4, 10)))


def test_empty_training_data(xy):
    x, y = xy
    model = softmax_model()
    if BACKEND != "tensorflow":  # Keras's JAX and torch trainers stop before any callback runs
        with pytest.raises((StopIteration, ValueError, RuntimeError)):
            model.fit(x[:0], y[:0], epochs=1, verbose=0, callbacks=[monitor()])
        return
    _, warned = run(lambda: model.fit(x[:0], y[:0], epochs=1, verbose=0, callbacks=[monitor()]))
    assert any("training data held no samples" in str(w.message) for w in warned)


def test_empty_validation_data(xy):
    x, y = xy
    model = softmax_model()
    history, warned = run(lambda: model.fit(x, y, validation_data=(x[:0], y[:0]), epochs=1, verbose=0,
                                            callbacks=[monitor()]))
    assert any("validation data held no samples" in str(w.message) for w in warned)
    assert "true_accuracy" in history.history


def test_zero_length_validation_split_is_simply_absent(xy):
    x, y = xy
    history, warned = run(lambda: softmax_model().fit(x, y, validation_split=0.0, epochs=1, verbose=0,
                                                      callbacks=[monitor()]))
    assert "val_true_accuracy" not in history.history and "true_accuracy" in history.history


def test_single_sample_batch(xy):
    x, y = xy
    model = softmax_model()
    history, warned = run(lambda: model.fit(x[:1], y[:1], batch_size=1, epochs=1, verbose=0,
                                            callbacks=[monitor()]))
    p = model.predict(x[:1], verbose=0)
    result = model.evaluate(x[:1], y[:1], verbose=0, return_dict=True, callbacks=[monitor()])
    assert result["true_accuracy"] == float(p.argmax(-1)[0] == y[0])
    assert not [w for w in warned if "baseline" in str(w.message)]


def test_all_masked_batch_counts_nothing(rng):
    tokens = rng.integers(1, 9, size=(64, 6))
    tokens[:32] = 0  # the first batch is all padding
    tags = tokens % 3
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(9, 4, mask_zero=True),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[truacc.auto()])
    first = model.evaluate(tokens[:32], tags[:32], batch_size=32, verbose=0, return_dict=True)
    both = model.evaluate(tokens, tags, batch_size=32, verbose=0, return_dict=True)
    p = model.predict(tokens[32:], verbose=0)
    assert first["accuracy"] == 0.0  # nothing counted: 0 by Keras's convention (divide_no_nan)
    assert both["accuracy"] == pytest.approx(float(np.mean(p.argmax(-1) == tags[32:])), abs=1e-6)


def test_all_zero_sample_weights_warn(xy):
    x, y = xy
    model = softmax_model()
    _, warned = run(lambda: model.fit(x, y, sample_weight=np.zeros(len(y)), epochs=1, verbose=0,
                                      callbacks=[truacc.TruAccMonitor(summary=False, weighted=True)]))
    assert any("counted no samples" in str(w.message) for w in warned)
    assert not any("majority class" in str(w.message) for w in warned)


def test_model_with_no_loss(xy):
    x, y = xy
    model = softmax_model(loss=None, metrics=[truacc.auto()])
    report = truacc.inspect(model)
    assert report.outputs[0].verdict.task == "multiclass"
    if BACKEND != "jax":
        with pytest.raises(ValueError, match="No loss"):  # Keras's own message; nothing of ours in the way
            model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor()])
        return
    # Keras's JAX trainer fits a model with no loss (nothing to learn); the figures still hold.
    history, warned = run(lambda: model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor()]))
    p = model.predict(x, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(float(np.mean(p.argmax(-1) == y)), abs=1e-6)
