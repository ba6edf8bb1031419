"""truacc.inspect flags every wrong set-up and none of the right ones; the CLI prints it."""

import os
import subprocess
import sys

import keras
import pytest

import keras_truacc as truacc

D = 6


def compiled(units, activation, loss, metrics, rank1=False):
    layers = [keras.Input((D,)), keras.layers.Dense(units, activation=activation)]
    if rank1:
        layers.append(keras.layers.Reshape(()))
    model = keras.Sequential(layers)
    model.compile("adam", loss, metrics=metrics)
    return model


LOGITS = keras.losses.BinaryCrossentropy(from_logits=True)

# name -> (model factory, wrong metric keys)
MATRIX = {
    "binary sigmoid + accuracy": (lambda: compiled(1, "sigmoid", "binary_crossentropy", ["accuracy"]), []),
    "binary logits + accuracy": (lambda: compiled(1, None, LOGITS, ["accuracy"]), ["accuracy"]),
    "binary logits + BinaryAccuracy(0)": (lambda: compiled(1, None, LOGITS, [keras.metrics.BinaryAccuracy(threshold=0.0)]), []),
    "binary rank-1 output + accuracy": (lambda: compiled(1, "sigmoid", "binary_crossentropy", ["accuracy"], rank1=True), ["accuracy"]),
    "softmax over 2 + sparse": (lambda: compiled(2, "softmax", "sparse_categorical_crossentropy", ["accuracy"]), []),
    "multiclass sparse": (lambda: compiled(10, "softmax", "sparse_categorical_crossentropy", ["accuracy", "sparse_categorical_accuracy"]), []),
    "multiclass logits sparse": (lambda: compiled(10, None, keras.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"]), []),
    "multiclass one-hot": (lambda: compiled(10, "softmax", "categorical_crossentropy", ["accuracy", keras.metrics.CategoricalAccuracy()]), []),
    "softmax + BCE + binary_accuracy": (lambda: compiled(10, "softmax", "binary_crossentropy", ["binary_accuracy"]), ["binary_accuracy"]),
    "softmax + BCE + BinaryAccuracy()": (lambda: compiled(10, "softmax", "binary_crossentropy", [keras.metrics.BinaryAccuracy()]), ["binary_accuracy"]),
    # Sigmoid units + BCE: multi-label, or exclusive classes if every label row is
    # one-hot. Without labels that is open, so 'accuracy' (argmax) can't be called wrong.
    "sigmoid units + accuracy, no labels": (lambda: compiled(5, "sigmoid", "binary_crossentropy", ["accuracy"]), []),
    "multi-label + binary_accuracy": (lambda: compiled(5, "sigmoid", "binary_crossentropy", ["binary_accuracy"]), []),
    "regression + accuracy": (lambda: compiled(1, None, "mse", ["accuracy"]), ["accuracy"]),
    "keras.metrics.Accuracy on classes": (lambda: compiled(10, "softmax", "categorical_crossentropy", [keras.metrics.Accuracy()]), ["accuracy"]),
    "auto()": (lambda: compiled(1, None, LOGITS, [truacc.auto()]), []),
    "top-k is not judged": (lambda: compiled(10, "softmax", "categorical_crossentropy", ["top_k_categorical_accuracy"]), []),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_inspect_flags_exactly_the_wrong_metrics(name):
    factory, wrong = MATRIX[name]
    report = truacc.inspect(factory())
    assert [m.key for m in report.wrong] == wrong
    text = str(report)
    for metric in report.wrong:
        assert metric.judgement.cause in text and metric.judgement.fix in text
        assert "WRONG" in text and "truacc.auto()" in metric.judgement.fix or "mae" in metric.judgement.fix


def test_labels_settle_multilabel_or_exclusive_classes():
    import numpy as np

    model = compiled(5, "sigmoid", "binary_crossentropy", ["accuracy", "binary_accuracy"])
    open_report = truacc.inspect(model)
    assert open_report.wrong == ()
    assert "Can't tell yet whether 'accuracy' is right" in str(open_report)
    multi_hot = np.array([[1, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 1, 0, 0, 1]])
    assert [m.key for m in truacc.inspect(model, y=multi_hot).wrong] == ["accuracy"]
    one_hot = np.eye(5)[[0, 3, 2, 1]]
    assert [m.key for m in truacc.inspect(model, y=one_hot).wrong] == ["binary_accuracy"]


def test_minus_one_labels_make_keras_binary_accuracy_wrong_at_any_threshold():
    """Found by a new user: hinge with -1/+1 labels. Keras's BinaryAccuracy compares
    y_true with its 0/1 decisions, so -1 rows never count; threshold=0 doesn't help,
    and no fix may suggest it. Checked against Keras's own figure."""
    import numpy as np

    x = np.random.default_rng(3).normal(size=(64, 6)).astype("float32")
    signed = np.where(x[:, :1] > 0, 1.0, -1.0).astype("float32")
    model = compiled(1, "linear", "hinge", [keras.metrics.BinaryAccuracy(threshold=0.0)])
    scores = model.predict(x, verbose=0)
    keras_figure = model.evaluate(x, signed, verbose=0, return_dict=True)["binary_accuracy"]
    assert keras_figure == pytest.approx(np.mean((scores > 0) & (signed > 0)))  # no -1 row counts
    report = truacc.inspect(model, y=signed, x=x)
    (wrong,) = report.wrong
    assert "-1 for the negative class" in wrong.judgement.cause
    assert "BinaryAccuracy" not in wrong.judgement.fix
    # Without the labels, the fix names Keras's line only for 0/1 labels.
    (guarded,) = truacc.inspect(compiled(1, "linear", "hinge", ["accuracy"])).wrong
    assert guarded.judgement.fix.endswith("if the labels are 0/1")


def test_inspect_with_labels_checks_values():
    import numpy as np

    model = compiled(10, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    report = truacc.inspect(model, y=np.array([0, 3, 12]))
    codes = [p.code for p in report.outputs[0].verdict.problems]
    assert "labels_out_of_range" in codes and not report.ok


def test_cli_inspect_prints_the_report_for_a_saved_model(tmp_path):
    path = os.path.join(tmp_path, "logits.keras")
    compiled(1, None, LOGITS, ["accuracy"]).save(path)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-m", "keras_truacc.cli", "inspect", path],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 1, out.stderr  # 1: a compiled accuracy is wrong (a CI gate)
    assert "[WRONG] 'accuracy'" in out.stdout and "BinaryAccuracy(threshold=0)" in out.stdout


def test_keras_pick_is_said_after_fit_as_before_it(rng):
    """Issue 23: "(picked by Keras from shapes)" was said for a loaded model and before
    fit, but not for the same 'accuracy' once fit had built it."""
    x = rng.normal(size=(32, D)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = compiled(1, "sigmoid", "binary_crossentropy", ["accuracy"])
    before = truacc.inspect(model)
    model.fit(x, y, epochs=1, verbose=0)
    after = truacc.inspect(model)
    for report in (before, after):
        (metric,) = report.outputs[0].metrics
        assert metric.computation.picked_by_keras, str(report)
        assert "(picked by Keras from shapes)" in str(report)
    # An accuracy the user named as a class is not Keras's pick.
    named = compiled(1, "sigmoid", "binary_crossentropy", [keras.metrics.BinaryAccuracy()])
    named.fit(x, y, epochs=1, verbose=0)
    assert "picked by Keras" not in str(truacc.inspect(named))


def test_report_renders_as_markdown_in_notebooks():
    report = truacc.inspect(MATRIX["binary logits + accuracy"][0]())
    markdown = report._repr_markdown_()
    assert "| `accuracy` | BinaryAccuracy(threshold=0.5) (picked by Keras from shapes) | **WRONG** |" in markdown
    assert "`metrics=[truacc.auto()]" in markdown and "1 compiled accuracy metric(s) are wrong" in markdown
