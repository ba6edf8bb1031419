"""``truacc.TruAccMonitor()`` on tf_keras models: keys, warnings, callback order,
repeated evaluate, and the model left as it was found."""

import csv
import sys
import warnings

import numpy as np
import pytest
import tf_keras

import keras_truacc as truacc
from keras_truacc.keras2.injection import compile_record
from keras_truacc.monitor.step_cache import kept_steps

sys.path.insert(0, __file__.rsplit("/keras2/", 1)[0])
import reference  # noqa: E402

layers = tf_keras.layers


def seed_model():
    model = tf_keras.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    return model


def seed_data(rng, n=320):
    x = rng.normal(size=(n, 8)).astype("float32")
    y = rng.integers(0, 10, n)
    return x, y, np.eye(10)[y].astype("float32")


class SeesLogs(tf_keras.callbacks.Callback):
    """A callback placed before the monitor: the keys must already be in its logs."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(dict(logs or {}))


def fit_recording(model, *args, baseline_too=False, **kwargs):
    """``fit``, and truacc's warnings (not the baseline's, on these random labels,
    unless asked)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(*args, **kwargs)
    return history, [
        w for w in caught
        if issubclass(w.category, truacc.TruAccWarning)
        and (baseline_too or not issubclass(w.category, truacc.BaselineWarning))
    ]


def test_keys_every_epoch_for_callbacks_in_any_order(rng, tmp_path):
    x, y, y1 = seed_data(rng)
    model = seed_model()
    before, after = SeesLogs(), SeesLogs()
    log = tmp_path / "log.csv"
    monitor = truacc.TruAccMonitor(summary=False)
    history, caught = fit_recording(
        model, x, y1, validation_split=0.25, epochs=3, batch_size=64, verbose=0,
        callbacks=[before, tf_keras.callbacks.CSVLogger(str(log)), monitor, after])
    keys = {"true_accuracy", "majority_baseline", "val_true_accuracy", "val_majority_baseline"}
    for seen in (before.seen, after.seen):
        assert len(seen) == 3 and all(keys <= set(logs) for logs in seen)
    with open(log) as f:
        rows = list(csv.DictReader(f))
    assert keys <= set(rows[0]) and len(rows) == 3
    assert keys <= set(history.history)
    # One warning per cause, on the first epoch, naming the fix.
    assert [type(w.message).__name__ for w in caught] == ["AccuracyMismatchWarning"]
    assert "binary_accuracy" in str(caught[0].message) and "truacc.auto()" in str(caught[0].message)
    assert {m.split for m in monitor.mismatches} == {"train", "validation"}
    # The validation figure is over the whole split, at the final weights.
    x_val, y_val = x[240:], y[240:]
    truth = reference.argmax_accuracy(y_val, model.predict(x_val, verbose=0))
    assert history.history["val_true_accuracy"][-1] == pytest.approx(truth, abs=1e-6)
    share = np.bincount(y_val, minlength=10).max() / len(y_val)
    assert history.history["val_majority_baseline"][-1] == pytest.approx(share, abs=1e-6)


def test_the_model_is_left_as_it_was(rng):
    x, _, y1 = seed_data(rng)
    model = seed_model()
    container = model.compiled_metrics
    model.fit(x, y1, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    assert model.compiled_metrics is container
    after = model.evaluate(x, y1, verbose=0, return_dict=True)
    assert set(after) == {"loss", "binary_accuracy"}
    assert [m.name for m in model.metrics] == ["loss", "binary_accuracy"]


def test_repeated_evaluate_retraces_nothing(rng):
    x, y, y1 = seed_data(rng)
    model = seed_model()
    monitor = truacc.TruAccMonitor(summary=False)
    results, traces = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            results.append(model.evaluate(x, y1, verbose=0, return_dict=True, callbacks=[monitor]))
            assert model.test_function is None  # Keras's own is back (it had made none)
            steps = kept_steps(compile_record(model)).monitor  # kept for the next call
            traces.append(steps.test.experimental_get_tracing_count())
    # The first call traces (twice: a tf.function that creates variables traces
    # again); the later ones reuse that step.
    assert traces[1:] == [traces[0]] * 2
    # A new monitor per call (the same options) takes the step the first one left.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            fresh = truacc.TruAccMonitor(summary=False)
            results.append(model.evaluate(x, y1, verbose=0, return_dict=True, callbacks=[fresh]))
            assert kept_steps(compile_record(model)).monitor is steps
            assert steps.test.experimental_get_tracing_count() == traces[0]
    assert all(r == results[0] for r in results)
    truth = reference.argmax_accuracy(y, model.predict(x, verbose=0))
    assert results[0]["true_accuracy"] == pytest.approx(truth, abs=1e-6)
    plain = model.evaluate(x, y1, verbose=0, return_dict=True)
    assert "true_accuracy" not in plain


def test_two_outputs_get_one_pair_each(rng):
    inputs = layers.Input((8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    kind = layers.Dense(3, activation="softmax", name="kind")(hidden)
    flag = layers.Dense(1, name="flag")(hidden)
    model = tf_keras.Model(inputs, [kind, flag])
    model.compile("adam", {"kind": "sparse_categorical_crossentropy",
                           "flag": tf_keras.losses.BinaryCrossentropy(from_logits=True)},
                  metrics={"kind": "accuracy", "flag": "accuracy"})
    x = rng.normal(size=(256, 8)).astype("float32")
    y_kind = rng.integers(0, 3, 256)
    y_flag = (x[:, 0] > 0).astype("float32")
    monitor = truacc.TruAccMonitor(summary=False)
    history, caught = fit_recording(model, x, {"kind": y_kind, "flag": y_flag}, epochs=2,
                                    verbose=0, callbacks=[monitor])
    for key in ("kind_true_accuracy", "flag_true_accuracy", "kind_majority_baseline",
                "flag_majority_baseline"):
        assert key in history.history
    # 'flag_accuracy' thresholds logits at 0.5: certain, so said once.
    assert [("flag_accuracy" in str(w.message)) for w in caught] == [True]
    result = model.evaluate(x, {"kind": y_kind, "flag": y_flag}, verbose=0, return_dict=True,
                            callbacks=[monitor])
    kind_p, flag_p = model.predict(x, verbose=0)
    assert result["kind_true_accuracy"] == pytest.approx(
        reference.argmax_accuracy(y_kind, kind_p), abs=1e-6)
    assert result["flag_true_accuracy"] == pytest.approx(
        reference.binary_accuracy(y_flag, flag_p, 0.0), abs=1e-6)


def test_right_metrics_raise_no_alarm_and_a_constant_model_meets_the_baseline(rng):
    x = rng.normal(size=(300, 8)).astype("float32")
    y = (rng.random(300) < 0.1).astype("float32")  # 10% positives
    constant = layers.Dense(1, activation="sigmoid", kernel_initializer="zeros",
                            bias_initializer=tf_keras.initializers.Constant(-3.0))
    model = tf_keras.Sequential([layers.Input((8,)), constant])
    model.compile(tf_keras.optimizers.SGD(0.0), "binary_crossentropy", metrics=["accuracy"])
    history, caught = fit_recording(model, x, y, epochs=1, verbose=0, baseline_too=True,
                                    callbacks=[truacc.TruAccMonitor(summary=False)])
    assert [type(w.message).__name__ for w in caught] == ["BaselineWarning"]
    assert history.history["true_accuracy"][-1] == pytest.approx(0.9, abs=0.02)
    assert history.history["accuracy"][-1] == pytest.approx(history.history["true_accuracy"][-1])


def test_padding_without_a_mask_is_named(rng):
    tokens = rng.integers(1, 20, size=(200, 12))
    lengths = rng.integers(2, 7, size=200)
    valid = np.arange(12)[None, :] < lengths[:, None]
    tokens, tags = np.where(valid, tokens, 0), np.where(valid, tokens % 3 + 1, 0)
    model = tf_keras.Sequential([layers.Input((12,)), layers.Embedding(20, 8),
                                 layers.Dense(4, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    _, caught = fit_recording(model, tokens, tags, epochs=1, verbose=0,
                              callbacks=[truacc.TruAccMonitor(summary=False)])
    assert [type(w.message).__name__ for w in caught] == ["DataWarning"]
    assert "padding" in str(caught[0].message) and "mask_zero=True" in str(caught[0].message)


def test_summary_follows_verbose(rng, capsys):
    x, _, y1 = seed_data(rng, 128)
    model = seed_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y1, epochs=1, verbose=2, callbacks=[truacc.TruAccMonitor()])
    out = capsys.readouterr().out
    assert "TruAccMonitor summary" in out and "WRONG" in out


class _Interrupt(tf_keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise KeyboardInterrupt("the user stops the cell")


def test_a_fit_that_raises_or_a_predict_leaves_nothing_behind(rng):
    x, y, y1 = seed_data(rng)
    model = seed_model()
    container = model.compiled_metrics
    monitor = truacc.TruAccMonitor(summary=False)
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y1, epochs=1, verbose=0, callbacks=[monitor, _Interrupt()])
    model.predict(x, verbose=0, callbacks=[monitor])  # attaches at set_model, lets go at once
    assert model.compiled_metrics is container
    assert set(model.evaluate(x, y1, verbose=0, return_dict=True)) == {"loss", "binary_accuracy"}
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y1, epochs=1, verbose=0,
                  callbacks=[truacc.TruAccMonitor(summary=False), _Interrupt()])
    history, _ = fit_recording(model, x, y1, epochs=1, verbose=0, validation_split=0.25,
                               callbacks=[truacc.TruAccMonitor(summary=False)])
    assert "val_true_accuracy" in history.history
    assert model.compiled_metrics is container
    assert set(model.evaluate(x, y1, verbose=0, return_dict=True)) == {"loss", "binary_accuracy"}


def _invisible_fit(callbacks, monitor=None):
    """One fit from the same seed (a model whose 'accuracy' is right); ``monitor`` is
    None, "first" or "last"."""
    rng = np.random.default_rng(3)
    centers = rng.normal(scale=1.2, size=(4, 8))
    y = rng.integers(0, 4, size=360)
    x = (centers[y] + rng.normal(scale=1.6, size=(360, 8))).astype("float32")
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                                 layers.Dropout(0.3), layers.Dense(4, activation="softmax")])
    model.compile(tf_keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callbacks = list(callbacks)
    if monitor == "first":
        callbacks.insert(0, truacc.TruAccMonitor(summary=False))
    elif monitor == "last":
        callbacks.append(truacc.TruAccMonitor(summary=False))
    tf_keras.utils.set_random_seed(1)
    history = model.fit(x[:240], y[:240], validation_data=(x[240:], y[240:]), epochs=6,
                        batch_size=32, shuffle=False, verbose=0, callbacks=callbacks)
    return model, history


@pytest.mark.parametrize("position", ["first", "last"])
@pytest.mark.parametrize("key", ["val_accuracy", "val_true_accuracy"])
@pytest.mark.parametrize("name", ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"])
def test_a_callback_in_mode_auto_decides_as_without_the_monitor(tmp_path, name, key, position):
    """Issue 20, rule 1 on tf_keras: same weights, keys, epochs and decisions."""
    def make(monitored, folder):
        folder.mkdir()
        if name == "EarlyStopping":
            return tf_keras.callbacks.EarlyStopping(monitor=monitored, patience=1,
                                                    restore_best_weights=True)
        if name == "ModelCheckpoint":
            return tf_keras.callbacks.ModelCheckpoint(
                str(folder / "epoch{epoch:02d}.h5"), monitor=monitored, save_best_only=True,
                save_weights_only=True)
        return tf_keras.callbacks.ReduceLROnPlateau(monitor=monitored, patience=1, factor=0.5)

    plain_callback = make("val_accuracy", tmp_path / "plain")
    callback = make(key, tmp_path / "monitored")
    plain_model, plain = _invisible_fit([plain_callback])
    model, monitored = _invisible_fit([callback], monitor=position)
    assert monitored.epoch == plain.epoch
    for k, values in plain.history.items():
        assert monitored.history[k] == values, k
    assert monitored.history["val_true_accuracy"] == pytest.approx(plain.history["val_accuracy"],
                                                                   abs=1e-7)
    for a, b in zip(plain_model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == float(plain_model.optimizer.learning_rate)
    assert sorted(p.name for p in (tmp_path / "monitored").iterdir()) == sorted(
        p.name for p in (tmp_path / "plain").iterdir())
