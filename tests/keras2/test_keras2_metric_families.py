"""Issue 22 on tf_keras: the same judgements of AUC, Precision, ... and the same true
twins, on tf_keras's own metric classes (scikit-learn as the reference)."""

import warnings

import numpy as np
import pytest
import tf_keras
from sklearn import metrics as skm

import keras_truacc as truacc


def test_wrong_auc_and_precision_are_said_and_their_twins_are_right(rng):
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(256, 1)) > 0).astype("float32")
    model = tf_keras.Sequential([tf_keras.layers.Input((8,)), tf_keras.layers.Dense(1)])
    model.compile("adam", tf_keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf_keras.metrics.AUC(), tf_keras.metrics.Precision(),
                           tf_keras.metrics.Recall(thresholds=0.0)])
    report = truacc.inspect(model, x=x[:32], y=y[:32])
    judged = {m.key: m.judgement for m in report.metrics}
    assert judged["auc"].fix == "keras.metrics.AUC(from_logits=True)"
    assert judged["precision"].fix == "keras.metrics.Precision(thresholds=0.0)"
    assert judged["recall"].correct is True
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x[:192], y[:192], validation_data=(x[192:], y[192:]), epochs=2,
                            verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    said = [w for w in warned if issubclass(w.category, truacc.MetricMismatchWarning)]
    assert len(said) == 2 and "true_recall" not in history.history
    logits = model.predict(x[192:], verbose=0)[:, 0]
    labels = y[192:, 0].astype(int)
    assert history.history["val_true_auc"][-1] == pytest.approx(
        skm.roc_auc_score(labels, logits), abs=0.01)
    assert history.history["val_true_precision"][-1] == pytest.approx(
        skm.precision_score(labels, (logits > 0).astype(int)), abs=1e-5)
    assert np.isfinite(history.history["val_true_accuracy"][-1])


def _fit_quietly(model, x, y, **kw):
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x[:192], y[:192], validation_data=(x[192:], y[192:]), epochs=2,
                            verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)], **kw)
    said = [str(w.message) for w in warned
            if issubclass(w.category, truacc.MetricMismatchWarning)]
    return history.history, said


def test_mean_iou_f1_and_the_crossentropy_metric_on_a_sigmoid_or_logits_are_said(rng):
    """tf_keras's MeanIoU on a sigmoid, F1Score with threshold=None on independent
    units and BinaryCrossentropy on logits: wrong, and each corrected metric gives
    scikit-learn's figure on model.predict."""
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(256, 1)) > 0).astype("float32")
    model = tf_keras.Sequential([tf_keras.layers.Input((8,)),
                                 tf_keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[tf_keras.metrics.MeanIoU(num_classes=2)])
    logs, said = _fit_quietly(model, x, y)
    assert len(said) == 1 and "'mean_io_u'" in said[0], said
    decided = (model.predict(x[192:], verbose=0)[:, 0] > 0.5).astype(int)
    labels = y[192:, 0].astype(int)
    assert logs["val_true_mean_io_u"][-1] == pytest.approx(
        skm.jaccard_score(labels, decided, average=None).mean(), abs=1e-5)

    y5 = (x[:, :5] + 0.5 * rng.normal(size=(256, 5)) > 0.2).astype("float32")
    model = tf_keras.Sequential([tf_keras.layers.Input((8,)),
                                 tf_keras.layers.Dense(5, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[tf_keras.metrics.F1Score(average="macro")])
    # Five sigmoid units could hold one class per row: only the label rows settle it,
    # after the twins are made. Said then, with the fix; no twin.
    logs, said = _fit_quietly(model, x, y5)
    assert len(said) == 1 and "F1Score(average='macro', threshold=0.5)" in said[0], said
    assert "val_true_f1_score" not in logs
    report = truacc.inspect(model, x=x[:32], y=y5[:32])
    (judgement,) = [m.judgement for m in report.metrics if m.key == "f1_score"]
    twin = tf_keras.metrics.F1Score.from_config(dict(judgement.corrected[1]))
    twin.update_state(y5[192:], model.predict(x[192:], verbose=0))
    decided = (model.predict(x[192:], verbose=0) > 0.5).astype(int)
    assert float(twin.result()) == pytest.approx(
        skm.f1_score(y5[192:].astype(int), decided, average="macro"), abs=1e-4)

    model = tf_keras.Sequential([tf_keras.layers.Input((8,)), tf_keras.layers.Dense(1)])
    model.compile("adam", tf_keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf_keras.metrics.BinaryCrossentropy()])
    logs, said = _fit_quietly(model, x, y)
    assert len(said) == 1, said
    logits = model.predict(x[192:], verbose=0)[:, 0].astype("float64")
    assert logs["val_true_binary_crossentropy"][-1] == pytest.approx(
        skm.log_loss(labels, 1 / (1 + np.exp(-logits))), abs=1e-3)


def test_top_k_on_class_indices_is_wrong_and_a_right_set_up_is_not(rng):
    x = rng.normal(size=(256, 8)).astype("float32")
    y = np.argmax(x[:, :6] + 0.5 * rng.normal(size=(256, 6)), axis=1)
    model = tf_keras.Sequential([tf_keras.layers.Input((8,)),
                                 tf_keras.layers.Dense(6, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[tf_keras.metrics.TopKCategoricalAccuracy(k=3)])
    report = truacc.inspect(model, x=x[:32], y=y[:32])
    (judgement,) = [m.judgement for m in report.metrics if m.key != "accuracy"]
    assert judgement.correct is False and "SparseTopKCategoricalAccuracy(k=3)" in judgement.fix
    logs, said = _fit_quietly(model, x, y)
    assert len(said) == 1, said
    top3 = np.argsort(model.predict(x[192:], verbose=0), axis=1)[:, -3:]
    assert logs["val_true_top_k_categorical_accuracy"][-1] == pytest.approx(
        np.mean([label in row for label, row in zip(y[192:], top3)]), abs=1e-6)

    model = tf_keras.Sequential([tf_keras.layers.Input((8,)),
                                 tf_keras.layers.Dense(6, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[tf_keras.metrics.SparseTopKCategoricalAccuracy(k=3),
                           tf_keras.metrics.SparseCategoricalCrossentropy()])
    logs, said = _fit_quietly(model, x, y)
    assert said == [] and sorted(k for k in logs if "true_" in k) == [
        "true_accuracy", "val_true_accuracy"], logs
