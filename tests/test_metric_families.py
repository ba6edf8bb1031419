"""Issue 22: compiled metrics beyond accuracy, judged. Each wrong configuration is
said, with the Keras line that is right; that line, built from the judgement
(``Judgement.corrected``), is run on ``model.predict`` and compared with
scikit-learn on the same predictions. Right configurations raise nothing.

Runs on TensorFlow here, and on JAX and PyTorch through test_other_backends.py.
"""

import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn import metrics as skm

import keras_truacc as truacc
from keras_truacc.cli import main as cli_main

N = 256


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _rows_summing_to_one(probabilities):
    """float32 softmax rows in float64, renormalised (scikit-learn checks the sums)."""
    rows = probabilities.astype("float64")
    return rows / rows.sum(axis=1, keepdims=True)


def _fit(model, loss, metrics, x, y):
    """Trained without the metrics (some wrong ones make Keras's step raise), then
    compiled with them, as the user's script compiles it."""
    model.compile(keras.optimizers.Adam(0.01), loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    model.compile(keras.optimizers.Adam(0.01), loss, metrics=metrics)
    return model


def _judgements(model, x, y):
    report = truacc.inspect(model, x=x[:64], y=y[:64])
    return {m.key: m.judgement for m in report.metrics}


def _fit_and_judge(model, loss, metric, x, y):
    """The judgement of ``metric``, the one compiled, and ``model.predict(x)``."""
    model = _fit(model, loss, [metric], x, y)
    (judgement,) = _judgements(model, x, y).values()
    return judgement, model.predict(x, verbose=0)


def _corrected_value(judgement, y, predictions):
    class_name, config = judgement.corrected
    metric = getattr(keras.metrics, class_name).from_config(dict(config))
    with warnings.catch_warnings():
        # Keras's IoU metrics ask JAX for int64 (without x64 it says so, and uses int32).
        warnings.filterwarnings("ignore", "Explicitly requested dtype int64", UserWarning)
        metric.update_state(y, predictions)
        return float(metric.result())


def _binary_data(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    y = (x[:, 0] + 0.7 * rng.normal(size=N) > 0.3).astype("float32")[:, None]
    return x, y


def _four_class_data(rng):
    """Four classes, as class indices, learnable from the first four features."""
    x = rng.normal(size=(N, 8)).astype("float32")
    return x, np.argmax(x[:, :4] + 0.5 * rng.normal(size=(N, 4)), axis=1)


def _dense(units, activation=None):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(units, activation=activation)])


def test_logits_model_metrics_are_wrong_and_their_fixes_match_sklearn(rng):
    x, y = _binary_data(rng)
    metrics = ["auc", keras.metrics.Precision(), "recall", keras.metrics.BinaryIoU(),
               keras.metrics.BinaryCrossentropy()]
    model = _fit(_dense(1), keras.losses.BinaryCrossentropy(from_logits=True), metrics, x, y)
    judged = _judgements(model, x, y)
    for key in ("auc", "precision", "recall", "binary_io_u", "binary_crossentropy"):
        assert judged[key].correct is False, (key, judged[key])
        assert judged[key].fix.startswith("keras.metrics."), judged[key].fix
    logits = model.predict(x, verbose=0)
    labels, decided = y[:, 0].astype(int), (logits[:, 0] > 0).astype(int)
    assert judged["auc"].fix == "keras.metrics.AUC(from_logits=True)"
    assert _corrected_value(judged["auc"], y, logits) == pytest.approx(
        skm.roc_auc_score(labels, logits[:, 0]), abs=0.01)  # Keras's 200-threshold AUC
    assert judged["precision"].fix == "keras.metrics.Precision(thresholds=0.0)"
    assert _corrected_value(judged["precision"], y, logits) == pytest.approx(
        skm.precision_score(labels, decided), abs=1e-5)
    assert _corrected_value(judged["recall"], y, logits) == pytest.approx(
        skm.recall_score(labels, decided), abs=1e-5)
    assert _corrected_value(judged["binary_io_u"], y, logits) == pytest.approx(
        skm.jaccard_score(labels, decided, average=None).mean(), abs=1e-5)
    assert _corrected_value(judged["binary_crossentropy"], y, logits) == pytest.approx(
        skm.log_loss(labels, _sigmoid(logits[:, 0].astype("float64"))), abs=1e-3)


def test_mean_iou_on_softmax_and_on_a_sigmoid_is_wrong_and_fixed(rng):
    x, y = _four_class_data(rng)
    judgement, probabilities = _fit_and_judge(
        _dense(4, "softmax"), "sparse_categorical_crossentropy",
        keras.metrics.MeanIoU(num_classes=4), x, y)
    assert judgement.correct is False
    assert judgement.fix == "keras.metrics.MeanIoU(num_classes=4, sparse_y_pred=False)"
    assert _corrected_value(judgement, y, probabilities) == pytest.approx(
        skm.jaccard_score(y, probabilities.argmax(1), average="macro"), abs=1e-5)

    xb, yb = _binary_data(rng)
    judgement, probabilities = _fit_and_judge(
        _dense(1, "sigmoid"), "binary_crossentropy", keras.metrics.MeanIoU(num_classes=2), xb, yb)
    assert judgement.correct is False and judgement.corrected[0] == "BinaryIoU"
    decided = (probabilities[:, 0] > 0.5).astype(int)
    assert _corrected_value(judgement, yb, probabilities) == pytest.approx(
        skm.jaccard_score(yb[:, 0].astype(int), decided, average=None).mean(), abs=1e-5)


def test_f1_with_threshold_none_on_independent_units_is_wrong_and_fixed(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    y = (x[:, :5] + 0.5 * rng.normal(size=(N, 5)) > 0.2).astype("float32")
    judgement, probabilities = _fit_and_judge(
        _dense(5, "sigmoid"), "binary_crossentropy", keras.metrics.F1Score(average="macro"), x, y)
    assert judgement.correct is False
    # The fix keeps the user's other arguments: copying it changes only the threshold.
    assert judgement.fix == "keras.metrics.F1Score(average='macro', threshold=0.5)"
    assert _corrected_value(judgement, y, probabilities) == pytest.approx(
        skm.f1_score(y.astype(int), (probabilities > 0.5).astype(int), average="macro"), abs=1e-4)

    xb, yb = _binary_data(rng)
    judgement, probabilities = _fit_and_judge(
        _dense(1, "sigmoid"), "binary_crossentropy", keras.metrics.F1Score(average="micro"), xb, yb)
    assert judgement.correct is False
    assert _corrected_value(judgement, yb, probabilities) == pytest.approx(
        skm.f1_score(yb[:, 0].astype(int), (probabilities[:, 0] > 0.5).astype(int)), abs=1e-4)


def test_top_k_and_crossentropy_with_the_wrong_label_form_are_wrong_and_fixed(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    y = np.argmax(x[:, :6] + rng.normal(size=(N, 6)), axis=1)
    model = _fit(_dense(6, "softmax"), "sparse_categorical_crossentropy",
                 [keras.metrics.TopKCategoricalAccuracy(k=3),
                  keras.metrics.CategoricalCrossentropy()], x, y)
    judged = _judgements(model, x, y)
    top_k, crossentropy = judged["top_k_categorical_accuracy"], judged["categorical_crossentropy"]
    assert top_k.correct is False and crossentropy.correct is False
    assert top_k.fix == "keras.metrics.SparseTopKCategoricalAccuracy(k=3)"
    probabilities = model.predict(x, verbose=0)
    assert _corrected_value(top_k, y, probabilities) == pytest.approx(
        skm.top_k_accuracy_score(y, probabilities, k=3, labels=range(6)), abs=1e-5)
    assert _corrected_value(crossentropy, y, probabilities) == pytest.approx(
        skm.log_loss(y, _rows_summing_to_one(probabilities), labels=range(6)), abs=1e-3)


def test_metrics_with_no_argument_that_fixes_them_say_what_to_do(rng):
    x, y = _binary_data(rng)
    model = _fit(_dense(1), keras.losses.BinaryCrossentropy(from_logits=True),
                 [keras.metrics.PrecisionAtRecall(0.5), keras.metrics.KLDivergence()], x, y)
    for judgement in _judgements(model, x, y).values():
        assert judgement.correct is False and judgement.corrected is None
        assert "probabilities" in judgement.fix
    # The monitor says each once, with no twin, and lists it in the summary.
    logs, said, monitor = _fit_with_monitor(model, x, y)
    assert len(said) == 2 and all("no Keras metric class computes the right figure" in m
                                  for m in said), said
    assert not [key for key in logs if key.startswith("true_") and key != "true_accuracy"]
    summary = monitor.summary_text(logs)
    assert f"  {'val_kl_divergence':<28} {logs['val_kl_divergence']:.4f}   WRONG (no twin)" \
        in summary.splitlines(), summary


def _fit_with_monitor(model, x, y):
    """One epoch with a monitor: the last logs, the MetricMismatchWarning texts, the monitor."""
    monitor = truacc.TruAccMonitor(summary=False)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x, y, validation_split=0.25, epochs=1, batch_size=64, verbose=0,
                            callbacks=[monitor])
    said = [str(w.message) for w in warned if issubclass(w.category, truacc.MetricMismatchWarning)]
    return {key: values[-1] for key, values in history.history.items()}, said, monitor


def test_a_metric_the_label_rows_make_wrong_is_said_by_the_monitor_once_they_show_it(rng):
    """Five sigmoid units: one class per row (argmax right) or several? The twins are
    made before any label is seen, so F1Score(threshold=None) gets none; the first
    label rows show several positives per row, and the monitor says it then."""
    x = rng.normal(size=(N, 8)).astype("float32")
    y = (x[:, :5] + 0.5 * rng.normal(size=(N, 5)) > 0.2).astype("float32")
    model = _fit(_dense(5, "sigmoid"), "binary_crossentropy",
                 [keras.metrics.F1Score(average="macro")], x, y)
    logs, said, monitor = _fit_with_monitor(model, x, y)
    assert len(said) == 1 and "Fix: keras.metrics.F1Score(average='macro', threshold=0.5)" \
        in said[0] and "the label rows, was seen only once fit had begun" in said[0], said
    assert "  'f1_score' fix: keras.metrics.F1Score(average='macro', threshold=0.5)" \
        in monitor.summary_text(logs).splitlines()

    right = _fit(_dense(5, "sigmoid"), "binary_crossentropy",
                 [keras.metrics.F1Score(average="macro", threshold=0.5)], x, y)
    assert _fit_with_monitor(right, x, y)[1] == []


RIGHT = [
    ("logits", [keras.metrics.AUC(from_logits=True), keras.metrics.Precision(thresholds=0.0),
                keras.metrics.BinaryIoU(threshold=0.0),
                keras.metrics.BinaryCrossentropy(from_logits=True),
                keras.metrics.Recall(top_k=1)]),
    ("sigmoid", ["auc", "precision", "recall", keras.metrics.BinaryIoU(),
                 keras.metrics.F1Score(threshold=0.5), "binary_crossentropy",
                 keras.metrics.PrecisionAtRecall(0.5), keras.metrics.TruePositives()]),
    ("softmax", [keras.metrics.MeanIoU(num_classes=4, sparse_y_pred=False),
                 keras.metrics.SparseTopKCategoricalAccuracy(k=2),
                 keras.metrics.SparseCategoricalCrossentropy()]),
]


@pytest.mark.parametrize("kind, metrics", RIGHT, ids=[kind for kind, _ in RIGHT])
def test_right_configurations_are_never_called_wrong(rng, kind, metrics):
    if kind == "softmax":
        x = rng.normal(size=(N, 8)).astype("float32")
        y = np.argmax(x[:, :4], axis=1)
        model = _fit(_dense(4, "softmax"), "sparse_categorical_crossentropy", metrics, x, y)
    else:
        x, y = _binary_data(rng)
        loss = (keras.losses.BinaryCrossentropy(from_logits=True) if kind == "logits"
                else "binary_crossentropy")
        model = _fit(_dense(1, None if kind == "logits" else "sigmoid"), loss, metrics, x, y)
    judged = _judgements(model, x, y)
    assert len(judged) == len(metrics)
    assert not [key for key, j in judged.items() if j.correct is False], judged
    assert _fit_with_monitor(model, x, y)[1] == []  # and the monitor says nothing


def test_a_pooled_auc_on_softmax_is_a_different_figure_by_design_not_wrong(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    y = keras.utils.to_categorical(np.argmax(x[:, :4], axis=1), 4)
    metrics = ["auc", "precision", keras.metrics.AUC(curve="PR", name="prc"),
               keras.metrics.TopKCategoricalAccuracy(k=2)]
    model = _fit(_dense(4, "softmax"), "categorical_crossentropy", metrics, x, y)
    report = truacc.inspect(model, x=x[:64], y=y[:64])
    for m in report.metrics:
        assert m.judgement.correct is None and m.judgement.by_design, m
        assert "by design" in m.judgement.cause
    assert str(report).splitlines()[-1] == "All compiled metrics are right."
    # The metric is shown as written: the arguments the user gave are kept.
    assert "[other] 'prc': AUC(curve='PR')" in str(report)
    # The monitor's summary says the same as inspect: another figure, nothing open.
    monitor = truacc.TruAccMonitor(summary=False)
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0, callbacks=[monitor])
    summary = monitor.summary_text({key: values[-1] for key, values in history.history.items()})
    rows = [line for line in summary.splitlines() if "top_k_categorical_accuracy" in line]
    assert len(rows) == 2 and all(row.endswith("other: a different figure by design")
                                  for row in rows), summary
    assert "can't tell" not in summary


FIXTURE = Path(__file__).parent / "cli_fixtures" / "metric_families.py"
WRONG_KEYS = ("'auc'", "'precision'", "'recall'", "'binary_io_u'", "'binary_crossentropy'",
              "'mean_io_u'", "'f1_score'", "'top_k_categorical_accuracy'", "'accuracy'")


def test_check_exits_1_on_the_wrong_lines_naming_each_and_0_on_their_fixes(capsys):
    assert cli_main(["check", str(FIXTURE)]) == 1
    out = capsys.readouterr().out
    summary = out.strip().splitlines()[-1]
    for key in WRONG_KEYS:
        assert f"{key} is wrong" in summary, (key, summary)
    assert summary.count(" is wrong") == 10  # f1_score on two models
    assert cli_main(["check", str(FIXTURE), "right"]) == 0
    out = capsys.readouterr().out
    assert "[WRONG]" not in out
    assert out.strip().splitlines()[-1].endswith("every compiled metric is right (4 call(s) checked).")


def test_the_monitor_logs_a_true_twin_beside_each_wrong_metric(rng):
    x, y = _binary_data(rng)
    model = _dense(1)
    model.compile(keras.optimizers.Adam(0.01), keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["auc", "precision", keras.metrics.BinaryIoU(),
                           keras.metrics.Recall(thresholds=0.0)])
    monitor = truacc.TruAccMonitor()
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x[:192], y[:192], validation_data=(x[192:], y[192:]), epochs=2,
                            batch_size=64, verbose=0, callbacks=[monitor])
    logs = {key: values[-1] for key, values in history.history.items()}
    said = [str(w.message) for w in warned if issubclass(w.category, truacc.MetricMismatchWarning)]
    assert len(said) == 3 and all("'val_true_" in message for message in said), said
    # The end-of-fit summary lists each wrong metric under its twin, with the fix.
    summary = monitor.summary_text(logs).splitlines()
    at = summary.index(f"  {'val_true_auc':<28} {logs['val_true_auc']:.4f}")
    assert summary[at + 1] == f"    {'val_auc':<26} {logs['val_auc']:.4f}   WRONG"
    assert "  'auc' fix: keras.metrics.AUC(from_logits=True)" in summary
    assert not [line for line in summary if "recall" in line]
    assert "true_recall" not in logs  # right as compiled: no twin
    logits = model.predict(x[192:], verbose=0)[:, 0]
    labels, decided = y[192:, 0].astype(int), (logits > 0).astype(int)
    assert logs["val_true_auc"] == pytest.approx(skm.roc_auc_score(labels, logits), abs=0.01)
    assert logs["val_true_precision"] == pytest.approx(skm.precision_score(labels, decided),
                                                       abs=1e-5)
    assert logs["val_true_binary_io_u"] == pytest.approx(
        skm.jaccard_score(labels, decided, average=None).mean(), abs=1e-5)
    assert logs["val_recall"] == pytest.approx(skm.recall_score(labels, decided), abs=1e-5)


def test_a_right_set_up_gets_no_twin_and_no_warning(rng):
    x, y = _binary_data(rng)
    model = _dense(1, "sigmoid")
    model.compile("adam", "binary_crossentropy",
                  metrics=["auc", "precision", keras.metrics.BinaryIoU()])
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor()])
    assert not [key for key in history.history if key.startswith("true_") and
                key not in ("true_accuracy",)]
    assert not [w for w in warned if issubclass(w.category, truacc.MetricMismatchWarning)]


def test_one_hot_iou_and_f_beta_are_wrong_and_fixed(rng):
    x, y = _four_class_data(rng)
    one_hot, probabilities = _fit_and_judge(
        _dense(4, "softmax"), "sparse_categorical_crossentropy",
        keras.metrics.OneHotMeanIoU(num_classes=4), x, y)
    assert one_hot.correct is False and one_hot.corrected[0] == "MeanIoU"
    assert _corrected_value(one_hot, y, probabilities) == pytest.approx(
        skm.jaccard_score(y, probabilities.argmax(axis=1), average="macro",
                          labels=range(4)), abs=1e-5)

    labels = (x[:, :5] + 0.5 * rng.normal(size=(N, 5)) > 0.2).astype("float32")
    f_beta, probabilities = _fit_and_judge(
        _dense(5, "sigmoid"), "binary_crossentropy",
        keras.metrics.FBetaScore(average="micro", beta=2.0), x, labels)
    assert f_beta.correct is False
    assert f_beta.fix == "keras.metrics.FBetaScore(average='micro', beta=2.0, threshold=0.5)"
    assert _corrected_value(f_beta, labels, probabilities) == pytest.approx(
        skm.fbeta_score(labels.astype(int), (probabilities > 0.5).astype(int), beta=2.0,
                        average="micro"), abs=1e-4)


def test_hinge_metrics_on_class_indices_are_wrong_and_right_on_one_hot_rows(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    y = np.argmax(x[:, :4], axis=1)
    model = _fit(_dense(4, "softmax"), "sparse_categorical_crossentropy",
                 [keras.metrics.CategoricalHinge(), keras.metrics.Hinge()], x, y)
    judged = _judgements(model, x, y)
    assert all(j.correct is False and "one-hot" in j.fix for j in judged.values()), judged
    one_hot = keras.utils.to_categorical(y, 4)
    model = _fit(_dense(4, "softmax"), "categorical_crossentropy",
                 [keras.metrics.CategoricalHinge()], x, one_hot)
    assert [j.correct for j in _judgements(model, x, one_hot).values()] == [True]


def test_metrics_per_output_in_dict_form_are_judged_against_their_own_output(rng):
    x = rng.normal(size=(N, 8)).astype("float32")
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    model = keras.Model(inputs, {"score": keras.layers.Dense(1, name="score")(hidden),
                                 "kind": keras.layers.Dense(3, activation="softmax",
                                                            name="kind")(hidden)})
    y = {"score": (x[:, :1] > 0).astype("float32"), "kind": np.argmax(x[:, :3], axis=1)}
    losses = {"score": keras.losses.BinaryCrossentropy(from_logits=True),
              "kind": "sparse_categorical_crossentropy"}
    model.compile("adam", losses, metrics={"score": ["auc"], "kind": ["auc"]})
    judged = {(m.output_index, m.key): m.judgement
              for m in truacc.inspect(model, x=x[:64], y={k: v[:64] for k, v in y.items()}).metrics}
    on_logits = [j for (index, key), j in judged.items() if "score" in key]
    on_softmax = [j for (index, key), j in judged.items() if "kind" in key]
    assert [j.correct for j in on_logits] == [False]  # AUC() on logits
    assert [j.correct for j in on_softmax] != [False]  # pooled over classes: by design


def test_confusion_counts_on_logits_are_wrong_and_their_twins_count_as_sklearn(rng):
    x, y = _binary_data(rng)
    counts = [keras.metrics.TruePositives(), keras.metrics.FalsePositives(),
              keras.metrics.TrueNegatives(), keras.metrics.FalseNegatives()]
    model = _fit(_dense(1), keras.losses.BinaryCrossentropy(from_logits=True), counts, x, y)
    judged = _judgements(model, x, y)
    logits = model.predict(x, verbose=0)
    tn, fp, fn, tp = skm.confusion_matrix(y[:, 0].astype(int),
                                          (logits[:, 0] > 0).astype(int)).ravel()
    expected = {"true_positives": tp, "false_positives": fp, "true_negatives": tn,
                "false_negatives": fn}
    for key, count in expected.items():
        assert judged[key].correct is False, (key, judged[key])
        assert judged[key].fix.endswith("(thresholds=0.0)"), judged[key].fix
        assert _corrected_value(judged[key], y, logits) == count, key
