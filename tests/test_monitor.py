"""TruAccMonitor in real fits, checked against numpy on model.predict output."""

import csv
import os
import warnings

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from tests import reference as ref

N, D = 480, 12
VAL = 0.25


def data(rng, n=N):
    x = rng.normal(size=(n, D)).astype("float32")
    return x, x @ rng.normal(size=(D, 10))


def split(x, y):
    cut = int(len(x) * (1 - VAL))
    return x[cut:], y[cut:]


def fit(model, x, y, callbacks, epochs=2, **kw):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=epochs, batch_size=32, validation_split=VAL,
                            verbose=0, callbacks=callbacks, **kw)
    ours = [w for w in seen if issubclass(w.category, truacc.TruAccWarning)]
    return history, ours


def seq(units, activation, loss, metrics):
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile("adam", loss, metrics=metrics)
    return model


def pitfall_case(rng, name):
    x, z = data(rng)
    if name == "binary_accuracy on 10 one-hot classes":
        y = keras.utils.to_categorical(z.argmax(-1), 10)
        model = seq(10, "softmax", "binary_crossentropy", ["binary_accuracy"])
        reference = lambda p, yv: ref.argmax_accuracy(yv, p)  # noqa: E731
    elif name == "logits with 'accuracy'":
        y = (z[:, 0] > 0.5).astype("float32")[:, None]
        model = seq(1, None, keras.losses.BinaryCrossentropy(from_logits=True), ["accuracy"])
        reference = lambda p, yv: ref.binary_accuracy(yv, p, 0.0)  # noqa: E731
    else:  # multi-label with 'accuracy'
        y = (z[:, :5] > 0.3).astype("float32")
        model = seq(5, "sigmoid", "binary_crossentropy", ["accuracy"])
        reference = lambda p, yv: ref.per_label_accuracy(yv, p, 0.5)  # noqa: E731
    return model, x, y, reference


PITFALLS = ["binary_accuracy on 10 one-hot classes", "logits with 'accuracy'", "multi-label with 'accuracy'"]


@pytest.mark.parametrize("name", PITFALLS)
def test_pitfalls_warn_with_cause_and_fix_and_val_true_accuracy_is_exact(rng, name):
    model, x, y, reference = pitfall_case(rng, name)
    monitor = truacc.TruAccMonitor(summary=False)
    history, warned = fit(model, x, y, [monitor])
    xv, yv = split(x, y)
    expected = reference(model.predict(xv, verbose=0), yv)
    assert history.history["val_true_accuracy"][-1] == pytest.approx(expected, abs=1e-6)
    mismatch = [w for w in warned if issubclass(w.category, truacc.AccuracyMismatchWarning)
                and "Cause:" in str(w.message)]
    assert len(mismatch) == 1, [str(w.message) for w in warned]  # once per cause, not per epoch
    text = str(mismatch[0].message)
    assert "Fix: metrics=[truacc.auto()]" in text and "epoch 1" in text
    assert monitor.mismatches


def test_multilabel_logs_exact_match_beside_per_label(rng):
    model, x, y, _ = pitfall_case(rng, "multi-label with 'accuracy'")
    history, _ = fit(model, x, y, [truacc.TruAccMonitor(summary=False)])
    xv, yv = split(x, y)
    p = model.predict(xv, verbose=0)
    assert history.history["val_true_exact_match"][-1] == pytest.approx(
        ref.exact_match_accuracy(yv, p, 0.5), abs=1e-6)


def test_exact_match_leaves_the_summary_where_the_labels_show_one_class_per_row(rng):
    """Sigmoid units scored one by one could be multi-label when fit starts, so the
    key is made; one-hot labels settle it as argmax, and the summary drops the row
    that would repeat the true accuracy. Multi-label keeps it."""
    x, z = data(rng)
    y = keras.utils.to_categorical(z.argmax(-1), 10)
    model = seq(10, "sigmoid", "binary_crossentropy", [])
    monitor = truacc.TruAccMonitor(summary=False)
    history, _ = fit(model, x, y, [monitor])
    logs = {key: values[-1] for key, values in history.history.items()}
    assert "val_true_exact_match" in logs  # every callback still sees the key
    summary = monitor.summary_text(logs)
    assert "exact_match" not in summary and "val_true_accuracy" in summary

    model, x, y, _ = pitfall_case(rng, "multi-label with 'accuracy'")
    monitor = truacc.TruAccMonitor(summary=False)
    history, _ = fit(model, x, y, [monitor])
    logs = {key: values[-1] for key, values in history.history.items()}
    assert "val_true_exact_match" in monitor.summary_text(logs)


@pytest.mark.parametrize("setup", ["sparse softmax", "one-hot softmax", "sigmoid binary"])
def test_correct_setups_emit_no_warning_at_all(rng, setup):
    x, z = data(rng)
    if setup == "sparse softmax":
        y, model = z.argmax(-1), seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    elif setup == "one-hot softmax":
        y = keras.utils.to_categorical(z.argmax(-1), 10)
        model = seq(10, "softmax", "categorical_crossentropy", ["accuracy"])
    else:
        y, model = (z[:, 0] > 0).astype("float32"), seq(1, "sigmoid", "binary_crossentropy", ["accuracy"])
    history, warned = fit(model, x, y, [truacc.TruAccMonitor(summary=False, baseline=False)], epochs=3)
    assert warned == []
    assert history.history["val_accuracy"][-1] == pytest.approx(history.history["val_true_accuracy"][-1], abs=1e-6)


@pytest.mark.parametrize("position", ["first", "last"])
def test_other_callbacks_see_the_keys_from_epoch_0(rng, tmp_path, position):
    model, x, y, reference = pitfall_case(rng, "logits with 'accuracy'")
    monitor = truacc.TruAccMonitor(summary=False)
    log = os.path.join(tmp_path, "log.csv")
    ckpt = os.path.join(tmp_path, "best.keras")
    others = [
        keras.callbacks.CSVLogger(log),
        keras.callbacks.EarlyStopping(monitor="val_true_accuracy", mode="max", patience=5),
        keras.callbacks.ModelCheckpoint(ckpt, monitor="val_true_accuracy", mode="max", save_best_only=True),
    ]
    callbacks = [monitor] + others if position == "first" else others + [monitor]
    history, _ = fit(model, x, y, callbacks, epochs=3)
    with open(log) as f:
        rows = list(csv.DictReader(f))
    assert "val_true_accuracy" in rows[0] and "true_accuracy" in rows[0]
    assert [float(r["val_true_accuracy"]) for r in rows] == pytest.approx(history.history["val_true_accuracy"])
    assert os.path.exists(ckpt)
    reloaded = keras.models.load_model(ckpt)  # no custom_objects; the monitor left no trace
    assert "TrueAccuracy" not in str(reloaded.get_compile_config())


def test_model_is_restored_after_fit(rng):
    model, x, y, _ = pitfall_case(rng, "logits with 'accuracy'")
    original = model._compile_metrics
    fit(model, x, y, [truacc.TruAccMonitor(summary=False)], epochs=1)
    assert model._compile_metrics is original
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert "true_accuracy" not in result


def test_repeated_fits_evaluate_and_recompile(rng):
    model, x, y, reference = pitfall_case(rng, "binary_accuracy on 10 one-hot classes")
    monitor = truacc.TruAccMonitor(summary=False)
    fit(model, x, y, [monitor], epochs=1)
    history, warned = fit(model, x, y, [monitor], epochs=1)
    assert any(issubclass(w.category, truacc.AccuracyMismatchWarning) for w in warned)  # warns again per fit
    torch = keras.backend.backend() == "torch"  # torch allows neither option
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"],
                  steps_per_execution=1 if torch else 8, jit_compile=not torch)
    history, _ = fit(model, x, y, [monitor], epochs=1)
    xv, yv = split(x, y)
    assert history.history["val_true_accuracy"][-1] == pytest.approx(
        reference(model.predict(xv, verbose=0), yv), abs=1e-6)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[monitor])
    assert result["true_accuracy"] == pytest.approx(reference(model.predict(x, verbose=0), y), abs=1e-6)
    assert any(issubclass(w.category, truacc.AccuracyMismatchWarning) for w in seen)


def test_auto_compiled_model_and_no_metrics_model(rng):
    x, z = data(rng)
    y = z.argmax(-1)
    for metrics in ([truacc.auto()], None):
        model = seq(10, "softmax", "sparse_categorical_crossentropy", metrics)
        history, warned = fit(model, x, y, [truacc.TruAccMonitor(summary=False, baseline=False)], epochs=1)
        assert warned == []
        xv, yv = split(x, y)
        assert history.history["val_true_accuracy"][-1] == pytest.approx(
            ref.argmax_accuracy(yv, model.predict(xv, verbose=0)), abs=1e-6)


def test_two_outputs_get_one_pair_each(rng):
    x, z = data(rng)
    inputs = keras.Input((D,))
    h = keras.layers.Dense(16, activation="relu")(inputs)
    model = keras.Model(inputs, {"kind": keras.layers.Dense(10, activation="softmax", name="kind")(h),
                                 "flag": keras.layers.Dense(1, name="flag")(h)})
    model.compile("adam", {"kind": "sparse_categorical_crossentropy",
                           "flag": keras.losses.BinaryCrossentropy(from_logits=True)},
                  metrics={"kind": ["accuracy"], "flag": ["accuracy"]})
    y = {"kind": z.argmax(-1), "flag": (z[:, 0] > 0.3).astype("float32")[:, None]}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=1, verbose=0, validation_split=VAL,
                            callbacks=[truacc.TruAccMonitor(summary=False)])
    keys = history.history
    assert {"kind_true_accuracy", "flag_true_accuracy", "val_kind_true_accuracy", "val_flag_true_accuracy"} <= set(keys)
    cut = int(N * (1 - VAL))
    p = model.predict(x[cut:], verbose=0)
    assert keys["val_flag_true_accuracy"][-1] == pytest.approx(ref.binary_accuracy(y["flag"][cut:], p["flag"], 0.0), abs=1e-6)
    assert keys["val_kind_true_accuracy"][-1] == pytest.approx(ref.argmax_accuracy(y["kind"][cut:], p["kind"]), abs=1e-6)
    flagged = [str(w.message) for w in seen if issubclass(w.category, truacc.AccuracyMismatchWarning)]
    assert any("flag_accuracy" in m for m in flagged)
    assert not any("'kind_accuracy'" in m for m in flagged)


def test_majority_baseline_warning_on_imbalanced_data(rng):
    x, _ = data(rng)
    y = (rng.uniform(size=N) < 0.05).astype("float32")
    model = seq(1, "sigmoid", "binary_crossentropy", ["accuracy"])
    history, warned = fit(model, x, y, [truacc.TruAccMonitor(summary=False)], epochs=2)
    _, yv = split(x, y)
    assert history.history["val_majority_baseline"][-1] == pytest.approx(max(yv.mean(), 1 - yv.mean()), abs=1e-6)
    assert any("majority class" in str(w.message) for w in warned)


def test_sample_weights_with_unweighted_accuracy_are_a_note_not_a_mismatch(rng):
    """Unweighted accuracy beside a weighted loss is usually what is meant: the
    summary notes it, but no AccuracyMismatchWarning claims the figures differ."""
    x, z = data(rng)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    monitor = truacc.TruAccMonitor(summary=False, baseline=False)
    _, warned = fit(model, x, y, [monitor], epochs=1, sample_weight=rng.uniform(0.1, 2, size=N))
    assert warned == []
    assert any("weighted_metrics" in note for note in monitor.notes)
    assert "weighted_metrics" in monitor.summary_text(monitor.history[-1])


def test_nan_outputs_get_a_clear_message_and_training_goes_on(rng):
    x, z = data(rng)
    x[::7] = np.nan
    y = z.argmax(-1)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])  # no relu: NaN flows
    history, warned = fit(model, x, y, [truacc.TruAccMonitor(summary=False, baseline=False)], epochs=1)
    messages = [str(w.message) for w in warned]
    assert any("NaN or inf" in m and "y_pred" in m and ", 10)" in m and "float32" in m for m in messages), messages
    assert len(history.history["loss"]) == 1


def test_internal_failure_warns_once_and_steps_aside(rng, monkeypatch):
    model, x, y, _ = pitfall_case(rng, "logits with 'accuracy'")
    monitor = truacc.TruAccMonitor(summary=False)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(monitor, "_check", broken)  # this one instance only
    history, warned = fit(model, x, y, [monitor], epochs=3)
    stepped = [w for w in warned if issubclass(w.category, truacc.MonitorDisabledWarning)]
    assert len(stepped) == 1 and "boom" in str(stepped[0].message)
    assert len(history.history["loss"]) == 3
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "accuracy"}


@pytest.mark.parametrize("verbose, summary, printed", [(0, None, False), (2, None, True),
                                                       (0, True, True), (2, False, False)])
def test_summary_follows_fit_verbose_unless_told(rng, capsys, verbose, summary, printed):
    x, z = data(rng, n=96)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, z.argmax(-1), epochs=1, verbose=verbose,
              callbacks=[truacc.TruAccMonitor(summary=summary, baseline=False)])
    assert ("TruAccMonitor summary" in capsys.readouterr().out) is printed


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="torch runs steps eagerly: nothing is traced")
def test_repeated_evaluate_and_fit_reuse_the_traced_steps(rng, monkeypatch):
    """The monitor's steps are traced once per compiled model: a second evaluate (or
    fit) with the same monitor retraces nothing, and a call without it has no keys."""
    traces = []
    original = truacc.TrueAccuracy.update_state

    def counting(self, *args, **kwargs):
        traces.append(self.name)  # runs at trace time only, in graph and jit steps
        return original(self, *args, **kwargs)

    monkeypatch.setattr(truacc.TrueAccuracy, "update_state", counting)
    x, z = data(rng, n=128)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    monitor = truacc.TruAccMonitor(summary=False)
    first = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[monitor])
    traced = len(traces)
    assert traced >= 1
    again = [model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[monitor]) for _ in range(2)]
    assert len(traces) == traced, "a repeated evaluate retraced the monitor's step"
    assert all(r["true_accuracy"] == pytest.approx(first["true_accuracy"]) for r in again)
    assert "true_accuracy" not in model.evaluate(x, y, verbose=0, return_dict=True)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    traced = len(traces)
    history = model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    assert len(traces) == traced, "a second fit retraced the monitor's step"
    assert "true_accuracy" in history.history
    assert "true_accuracy" not in model.fit(x, y, epochs=1, verbose=0).history


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="torch runs steps eagerly: nothing is traced")
def test_a_new_monitor_per_evaluate_reuses_the_traced_step_and_still_warns(rng, monkeypatch):
    """``evaluate(callbacks=[TruAccMonitor()])`` in a loop, a new monitor each time: the
    step traced for the first is reused (nothing traced again), each call still logs
    the figure numpy gives and states its own warning; other options trace anew."""
    traces = []
    original = truacc.TrueAccuracy.update_state

    def counting(self, *args, **kwargs):
        traces.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(truacc.TrueAccuracy, "update_state", counting)
    model, x, y, reference = pitfall_case(rng, "logits with 'accuracy'")
    expected = reference(model.predict(x, verbose=0), y)

    def evaluate(monitor):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            logs = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[monitor])
        return logs, [w for w in seen if issubclass(w.category, truacc.AccuracyMismatchWarning)]

    evaluate(truacc.TruAccMonitor(summary=False))
    traced = len(traces)
    for _ in range(2):
        logs, warned = evaluate(truacc.TruAccMonitor(summary=False))
        assert logs["true_accuracy"] == pytest.approx(expected, abs=1e-6)
        assert len(warned) == 1, warned
    assert len(traces) == traced, "a new monitor on the same model retraced the step"
    logs, _ = evaluate(truacc.TruAccMonitor(summary=False, baseline=False))
    assert len(traces) > traced and "majority_baseline" not in logs
    assert "true_accuracy" not in model.evaluate(x, y, verbose=0, return_dict=True)
    # Options that keep the same variables but count otherwise (weighted) must trace
    # their own step, never borrow the one left on the model (JAX caches traces).
    weights = rng.uniform(0.1, 2.0, size=len(x)).astype("float32")
    scores = model.predict(x, verbose=0).reshape(-1)
    hits = ((scores > 0.0) == (y.reshape(-1) > 0.5)).astype("float64")
    for weighted, expected in ((False, hits.mean()), (True, np.average(hits, weights=weights))):
        logs = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True,
                              callbacks=[truacc.TruAccMonitor(summary=False, weighted=weighted)])
        assert logs["true_accuracy"] == pytest.approx(expected, abs=1e-6), weighted


def test_a_recompiled_model_runs_its_new_loss_after_a_monitor_is_done(rng):
    """The monitor keeps no step function after ``evaluate``: on JAX a kept one would
    keep its trace cached, and a recompiled model would run its old loss."""
    x, z = data(rng)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    model.evaluate(x, y, verbose=0)  # Keras traces its own test step
    monitor = truacc.TruAccMonitor(summary=False)  # kept alive, as a user's variable is
    model.evaluate(x, y, verbose=0, callbacks=[monitor])
    # The same state (one loss tracker, 'accuracy'), a new loss: twice the cross-entropy.
    model.compile("adam", lambda t, p: 2.0 * keras.losses.sparse_categorical_crossentropy(t, p),
                  metrics=["accuracy"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    probabilities = model.predict(x, verbose=0).astype("float64")
    expected = -2.0 * np.log(probabilities[np.arange(len(y)), y]).mean()
    assert logs["loss"] == pytest.approx(expected, rel=1e-4)


def _twice_the_cross_entropy(y_true, y_pred):
    return 2.0 * keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def _numpy_loss(model, x, y, factor=2.0):
    probabilities = model.predict(x, verbose=0).astype("float64")
    return -factor * np.log(probabilities[np.arange(len(y)), y]).mean()


@pytest.mark.parametrize("metrics", [None, ["accuracy"]])
def test_a_recompile_without_metrics_is_a_new_compile_for_the_kept_steps(rng, metrics):
    """Keras keeps the compiled-metrics object when ``compile`` gets no ``metrics``: the
    steps a monitor kept must go anyway, or the next monitor runs the old loss, and
    the old optimizer, layers' trainable state and options."""
    x, z = data(rng)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", metrics)
    model.evaluate(x, y, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    model.fit(x, y, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    model.compile(keras.optimizers.SGD(0.0), _twice_the_cross_entropy)  # no metrics
    logs = model.evaluate(x, y, verbose=0, return_dict=True,
                          callbacks=[truacc.TruAccMonitor(summary=False)])
    assert logs["loss"] == pytest.approx(_numpy_loss(model, x, y), rel=1e-4)
    assert logs["true_accuracy"] == pytest.approx(
        ref.argmax_accuracy(y, model.predict(x, verbose=0)), abs=1e-6)
    weights = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights())), (
        "the monitored fit ran the optimizer compiled before (learning rate 0 now)")


def test_a_monitor_whose_fit_raised_holds_no_step_past_a_recompile(rng):
    """A monitor kept in a variable whose fit was interrupted (a notebook's Ctrl-C) never
    reaches its end hook; after a recompile neither a plain call nor a new monitor's
    may run a step traced before it (on JAX the old trace would be served again)."""
    x, z = data(rng)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)  # Keras traces its own steps
    model.evaluate(x, y, verbose=0)
    model.evaluate(x, y, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    monitor = truacc.TruAccMonitor(summary=False)  # kept, as a user's variable is
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [monitor, _Interrupt()], epochs=1)
    model.compile("adam", _twice_the_cross_entropy, metrics=["accuracy"])
    expected = _numpy_loss(model, x, y)
    plain = model.evaluate(x, y, verbose=0, return_dict=True)
    assert plain["loss"] == pytest.approx(expected, rel=1e-4)
    assert "true_accuracy" not in plain
    monitored = model.evaluate(x, y, verbose=0, return_dict=True,
                               callbacks=[truacc.TruAccMonitor(summary=False)])
    assert monitored["loss"] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("weighted", [False, True])
def test_fractional_weights_raise_no_data_warning_and_the_checks_stay_zero(rng, weighted):
    """The checks derived from the totals (0/1 weights) and counted directly (real
    weights) both find nothing wrong in clean data under fractional class weights."""
    x, z = data(rng)
    y = z.argmax(-1)
    model = seq(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    monitor = truacc.TruAccMonitor(summary=False, weighted=weighted)
    weights = {k: 0.1 + 0.37 * k for k in range(10)}
    _, warned = fit(model, x, y, [monitor], epochs=1, class_weight=weights)
    assert not [w for w in warned if issubclass(w.category, truacc.DataWarning)], warned
    accuracy = [s.metric for s in monitor._slots if s.log_key == "true_accuracy"][0]
    counts = accuracy.counts()
    assert counts["nonfinite_outputs"] == 0 and counts["invalid_labels"] == 0, counts


class _Interrupt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise KeyboardInterrupt("the user stops the cell")


def test_a_fit_that_raises_leaves_nothing_behind_for_the_next_call(rng):
    model, x, y, _ = pitfall_case(rng, "logits with 'accuracy'")
    original = model._compile_metrics
    monitor = truacc.TruAccMonitor(summary=False)
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [monitor, _Interrupt()], epochs=1)
    # The same monitor's next fit puts the model back first, then watches it again.
    history, _ = fit(model, x, y, [monitor], epochs=1)
    assert "val_true_accuracy" in history.history
    assert model._compile_metrics is original
    assert "true_accuracy" not in model.evaluate(x, y, verbose=0, return_dict=True)
    # A new monitor after an interrupted one (a notebook cell run again).
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [truacc.TruAccMonitor(summary=False), _Interrupt()], epochs=1)
    history, _ = fit(model, x, y, [truacc.TruAccMonitor(summary=False)], epochs=1)
    assert "val_true_accuracy" in history.history
    assert model._compile_metrics is original
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert "true_accuracy" not in result
    probs = model.predict(x, verbose=0)
    assert result["accuracy"] == pytest.approx(ref.binary_accuracy(y, probs, 0.5), abs=1e-6)
