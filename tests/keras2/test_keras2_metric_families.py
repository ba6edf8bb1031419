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
