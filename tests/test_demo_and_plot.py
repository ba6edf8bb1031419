"""`truacc demo` end to end, and plot_history against History."""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from keras_truacc.plot import plot_history


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "keras_truacc.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


def test_demo_shows_binary_accuracy_far_above_the_truth(tmp_path):
    out = run_cli("demo", "--epochs", "3", "--quiet", "--out", "demo-out", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "AccuracyMismatchWarning" in text and "averages 10 per-class 0/1 decisions" in text
    row = re.search(r"\| binary_crossentropy \+ binary_accuracy \| val_binary_accuracy \| ([\d.]+) \| ([\d.]+) \|", text)
    assert row, text[-2000:]
    reported, true = float(row.group(1)), float(row.group(2))
    assert reported > true + 0.3
    assert os.path.exists(tmp_path / "demo-out" / "seed-0.png")
    assert os.listdir(tmp_path / "demo-out" / "logs" / "seed-0")


@pytest.mark.parametrize("case", ["logits", "multilabel", "padded", "imbalance"])
def test_demo_other_cases_run(tmp_path, case):
    out = run_cli("demo", "--case", case, "--epochs", "2", "--quiet", "--out", "o", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Validation split, last epoch" in out.stdout


def test_demo_help_explains_each_option(tmp_path):
    out = run_cli("demo", "--help", cwd=tmp_path)
    for option in ("--epochs", "--out", "--case", "logits", "multilabel", "padded", "imbalance"):
        assert option in out.stdout


def test_plot_history_draws_what_history_holds(tmp_path, rng):
    x = rng.normal(size=(200, 6)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 4, 200), 4)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="softmax")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[truacc.TruAccMonitor(summary=False)])
    path = os.path.join(tmp_path, "acc.png")
    fig = plot_history(history, path)
    assert os.path.getsize(path) > 1000
    train, val = fig.axes
    lines = {line.get_label(): line for line in val.lines}
    assert set(lines) == {"binary_accuracy (Keras)", "true_accuracy", "majority_baseline"}
    np.testing.assert_allclose(lines["true_accuracy"].get_ydata(), history.history["val_true_accuracy"], atol=1e-6)
    np.testing.assert_allclose(lines["binary_accuracy (Keras)"].get_ydata(), history.history["val_binary_accuracy"], atol=1e-6)
    np.testing.assert_allclose(lines["majority_baseline"].get_ydata(), history.history["val_majority_baseline"], atol=1e-6)
    assert val.collections, "the gap is shaded"
    assert {line.get_label() for line in train.lines} == {"binary_accuracy (Keras)", "true_accuracy", "majority_baseline"}


def test_a_keras_line_equal_to_the_true_line_stays_visible():
    """Issue 23: in the demo's second plot the true line lay exactly under Keras's."""
    fig = plot_history({"accuracy": [0.5, 0.7], "true_accuracy": [0.5, 0.7]})
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    keras_line, true_line = lines["accuracy (Keras) = true_accuracy"], lines["true_accuracy"]
    assert keras_line.get_zorder() > true_line.get_zorder()
    assert keras_line.get_linestyle() == "--"
    # The true line is a band wider than the reported line, so it shows on both sides.
    assert true_line.get_linewidth() >= 3 * keras_line.get_linewidth()


def test_a_keras_line_apart_from_the_true_line_is_drawn_as_itself():
    fig = plot_history({"accuracy": [0.5, 0.7], "true_accuracy": [0.5, 0.6]})
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["accuracy (Keras)", "true_accuracy"]
