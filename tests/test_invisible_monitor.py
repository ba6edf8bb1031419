"""A fit with ``TruAccMonitor`` trains exactly as the same fit without it (issue 20, rule 1).

Same seed, same data, same callbacks: the weights, Keras's keys and values, the
epochs run, the learning rate and every other callback's decisions must match
the fit without the monitor, with the monitor first or last in the list, and
with ``mode="auto"`` both on Keras's key (``val_accuracy``) and on ours
(``val_true_accuracy``, maximised as Keras's accuracies are).

The model's ``'accuracy'`` is right here (softmax, sparse labels), so the
monitor's ``val_true_accuracy`` equals Keras's ``val_accuracy`` epoch by epoch
(asserted): a callback watching ours must then decide exactly as the same
callback watching Keras's key does in the fit without the monitor.
"""

import csv
import os
import warnings

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import keras_truacc as truacc

EPOCHS = 6
CLASSES, FEATURES = 4, 8


def _data():
    rng = np.random.default_rng(3)
    centers = rng.normal(scale=1.2, size=(CLASSES, FEATURES))
    y = rng.integers(0, CLASSES, size=360)
    x = (centers[y] + rng.normal(scale=1.6, size=(360, FEATURES))).astype("float32")
    return x[:240], y[:240], (x[240:], y[240:])


def _model(use_ema=False):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((FEATURES,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    optimizer = keras.optimizers.Adam(0.05, use_ema=use_ema)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(callbacks, monitor=None, use_ema=False, verbose=0):
    """One fit from the same seed; ``monitor`` is None, "first" or "last"."""
    x, y, val = _data()
    model = _model(use_ema)
    callbacks = list(callbacks)
    if monitor == "first":
        callbacks.insert(0, truacc.TruAccMonitor(summary=False))
    elif monitor == "last":
        callbacks.append(truacc.TruAccMonitor(summary=False))
    keras.utils.set_random_seed(1)
    history = model.fit(x, y, validation_data=val, epochs=EPOCHS, batch_size=32,
                        shuffle=False, verbose=verbose, callbacks=callbacks)
    return model, history


def _same_training(plain, monitored, ours_for=None):
    """The monitored fit trained as the plain one: weights, Keras's keys, epochs, lr."""
    (plain_model, plain_history), (model, history) = plain, monitored
    assert history.epoch == plain_history.epoch
    for key, values in plain_history.history.items():
        assert history.history[key] == pytest.approx(values, abs=0, rel=0), key
    for ours, theirs in (ours_for or {}).items():
        assert history.history[ours] == pytest.approx(history.history[theirs], abs=1e-7)
    for a, b in zip(plain_model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == float(plain_model.optimizer.learning_rate)


MONITORED = {
    "EarlyStopping": lambda key, tmp: keras.callbacks.EarlyStopping(
        monitor=key, patience=1, restore_best_weights=True),
    "ModelCheckpoint": lambda key, tmp: keras.callbacks.ModelCheckpoint(
        os.path.join(tmp, "epoch{epoch:02d}.weights.h5"), monitor=key, save_best_only=True,
        save_weights_only=True),
    "ReduceLROnPlateau": lambda key, tmp: keras.callbacks.ReduceLROnPlateau(
        monitor=key, patience=1, factor=0.5),
}


@pytest.mark.parametrize("position", ["first", "last"])
@pytest.mark.parametrize("key", ["val_accuracy", "val_true_accuracy"])
@pytest.mark.parametrize("name", sorted(MONITORED))
def test_a_callback_in_mode_auto_decides_as_without_the_monitor(tmp_path, name, key, position):
    plain_dir, monitored_dir = tmp_path / "plain", tmp_path / "monitored"
    plain_dir.mkdir(), monitored_dir.mkdir()
    # Without the monitor there is no 'val_true_accuracy': the same callback on
    # Keras's key, whose values ours equals here, is the reference.
    plain_callback = MONITORED[name]("val_accuracy", str(plain_dir))
    callback = MONITORED[name](key, str(monitored_dir))
    plain = _fit([plain_callback])
    monitored = _fit([callback], monitor=position)
    _same_training(plain, monitored, {"val_true_accuracy": "val_accuracy"})
    assert sorted(os.listdir(monitored_dir)) == sorted(os.listdir(plain_dir))
    assert callback.best == plain_callback.best
    if name == "EarlyStopping":
        assert callback.stopped_epoch == plain_callback.stopped_epoch


def test_the_reference_fits_exercise_the_decisions(tmp_path):
    """The set-up above makes each callback act: EarlyStopping stops early,
    ReduceLROnPlateau lowers the rate, ModelCheckpoint skips some epochs."""
    early = MONITORED["EarlyStopping"]("val_accuracy", str(tmp_path))
    _, history = _fit([early])
    assert len(history.epoch) < EPOCHS
    plateau = MONITORED["ReduceLROnPlateau"]("val_accuracy", str(tmp_path))
    model, _ = _fit([plateau])
    assert float(model.optimizer.learning_rate) < 0.05
    checkpoint = MONITORED["ModelCheckpoint"]("val_accuracy", str(tmp_path))
    _fit([checkpoint])
    assert 0 < len(os.listdir(tmp_path)) < EPOCHS


def _others(tmp, tag):
    """Keras's other built-ins, each writing what it saw into ``tmp/tag*``."""
    seen = []
    return [
        keras.callbacks.CSVLogger(os.path.join(tmp, f"{tag}.csv")),
        keras.callbacks.TensorBoard(os.path.join(tmp, f"{tag}_tb")),
        keras.callbacks.BackupAndRestore(os.path.join(tmp, f"{tag}_backup")),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9),
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs))),
        keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
    ], seen


def _csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("order", ["forward", "reversed"])
@pytest.mark.parametrize("position", ["first", "last"])
def test_the_other_built_in_callbacks_see_what_they_saw_without_the_monitor(
    tmp_path, order, position
):
    plain_callbacks, plain_seen = _others(str(tmp_path), "plain")
    callbacks, seen = _others(str(tmp_path), "monitored")
    if order == "reversed":
        plain_callbacks.reverse(), callbacks.reverse()
    plain = _fit(plain_callbacks, use_ema=True, verbose=2)
    monitored = _fit(callbacks, monitor=position, use_ema=True, verbose=2)
    _same_training(plain, monitored, {"val_true_accuracy": "val_accuracy"})
    assert len(seen) == len(plain_seen) == EPOCHS
    for ours, theirs in zip(seen, plain_seen):
        assert {k: ours[k] for k in theirs} == theirs  # plus our keys, nothing else changed
        assert "val_true_accuracy" in ours
    plain_rows, rows = _csv(tmp_path / "plain.csv"), _csv(tmp_path / "monitored.csv")
    assert [{k: r[k] for k in plain_rows[0]} for r in rows] == plain_rows
    assert "val_true_accuracy" in rows[0]
    assert os.listdir(tmp_path / "monitored_tb") == os.listdir(tmp_path / "plain_tb")


def test_a_per_output_key_of_ours_has_its_direction_too():
    """Two outputs: the monitor's per-output key (``val_cls_true_accuracy``) is found
    by ``mode="auto"`` and maximised, as Keras's accuracies are."""
    x, y, (x_val, y_val) = _data()
    keras.utils.set_random_seed(0)
    inputs = keras.Input((FEATURES,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = {"cls": keras.layers.Dense(CLASSES, activation="softmax", name="cls")(hidden),
               "reg": keras.layers.Dense(1, name="reg")(hidden)}
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05),
                  loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"})
    stop = keras.callbacks.EarlyStopping(monitor="val_cls_true_accuracy", patience=1)
    history = model.fit(x, {"cls": y, "reg": x[:, :1]}, epochs=EPOCHS, verbose=0,
                        validation_data=(x_val, {"cls": y_val, "reg": x_val[:, :1]}),
                        callbacks=[truacc.TruAccMonitor(summary=False), stop])
    values = history.history["val_cls_true_accuracy"]
    assert stop.best == pytest.approx(max(values))
    probs = model.predict(x_val, verbose=0)["cls"]
    assert values[-1] == pytest.approx(float(np.mean(probs.argmax(-1) == y_val)), abs=1e-6)


def _logits_fit(callbacks, monitor=False):
    """A logits model with a wrong AUC (the monitor adds a twin, ``true_auc``) and a
    wrong KLDivergence (no twin: said only), from the same seed."""
    x, y, (x_val, y_val) = _data()
    binary, binary_val = (y % 2).astype("float32")[:, None], (y_val % 2).astype("float32")[:, None]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    # Named: a second unnamed AUC() in one process is 'auc_1', in Keras with or without us.
    model.compile(keras.optimizers.Adam(0.05), keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.AUC(name="auc"), keras.metrics.KLDivergence()])
    if monitor:
        callbacks = [truacc.TruAccMonitor(summary=False), *callbacks]
    keras.utils.set_random_seed(1)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x, binary, validation_data=(x_val, binary_val), epochs=EPOCHS,
                            batch_size=32, shuffle=False, verbose=0, callbacks=callbacks)
    said = [w for w in warned if issubclass(w.category, truacc.MetricMismatchWarning)]
    return (model, history), said, (x_val, binary_val)


@pytest.mark.parametrize("name", ["EarlyStopping", "ModelCheckpoint"])
def test_with_wrong_compiled_metrics_the_monitor_still_trains_as_without_it(tmp_path, name):
    """A twin and a warning change nothing Keras does: on Keras's 'val_auc' the
    callback decides as without the monitor; on the twin 'val_true_auc' mode="auto"
    finds the direction (maximised, as Keras's AUC is) and the fit trains the same."""
    plain_dir, monitored_dir, twin_dir = (tmp_path / d for d in ("plain", "monitored", "twin"))
    for folder in (plain_dir, monitored_dir, twin_dir):
        folder.mkdir()
    plain_callback = MONITORED[name]("val_auc", str(plain_dir))
    callback = MONITORED[name]("val_auc", str(monitored_dir))
    plain, said_plain, _ = _logits_fit([plain_callback])
    monitored, said, _ = _logits_fit([callback], monitor=True)
    assert said_plain == [] and len(said) == 2  # 'auc' (a twin) and 'kl_divergence' (none)
    _same_training(plain, monitored)
    assert sorted(os.listdir(monitored_dir)) == sorted(os.listdir(plain_dir))
    assert callback.best == plain_callback.best

    on_twin = MONITORED[name]("val_true_auc", str(twin_dir))
    (model, history), _, (x_val, y_val) = _logits_fit([on_twin], monitor=True)
    values = history.history["val_true_auc"]
    assert on_twin.best == pytest.approx(max(values))  # maximised
    if name == "EarlyStopping":  # patience 1: it stops at the first epoch with no gain
        worse = [i for i in range(1, len(values)) if values[i] <= max(values[:i])]
        assert len(values) == (worse[0] + 1 if worse else EPOCHS)
    else:  # the twin is the AUC of the logits, for the model as the fit ends
        logits = model.predict(x_val, verbose=0)[:, 0]
        assert values[-1] == pytest.approx(roc_auc_score(y_val[:, 0], logits), abs=0.01)
