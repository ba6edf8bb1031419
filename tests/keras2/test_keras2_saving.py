"""Saved tf_keras models: ``.keras`` and ``.h5`` round trips, checkpoints taken
while the monitor is attached, ``truacc.inspect`` and ``truacc inspect`` on the files."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import tf_keras

import keras_truacc as truacc

layers = tf_keras.layers
REPO = __file__.rsplit("/tests/", 1)[0]


def logits_model():
    model = tf_keras.Sequential([layers.Input((8,)), layers.Dense(8, activation="relu"),
                                 layers.Dense(1)])
    model.compile("adam", tf_keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["acc", truacc.auto(name="true_acc")])
    return model


@pytest.fixture
def data(rng):
    x = rng.normal(size=(200, 8)).astype("float32")
    return x, (x[:, 0] > 0.2).astype("float32")


def run_python(code, tmp_path, **env):
    """A fresh interpreter (its own tf_keras registry), stopped whatever happens."""
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env=dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3", **env))
    try:
        output, _ = child.communicate(timeout=240)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.returncode, output


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_round_trip_and_loading_in_a_fresh_process(data, tmp_path, ext):
    x, y = data
    model = logits_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
    path = tmp_path / f"m.{ext}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf_keras: "HDF5 is legacy"
        model.save(path)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    # With keras_truacc imported: no custom_objects; the metric is ours again.
    code = (
        "import numpy as np, tf_keras, keras_truacc\n"
        f"m = tf_keras.models.load_model('m.{ext}')\n"
        "r = m.evaluate(np.load('x.npy'), np.load('y.npy'), verbose=0, return_dict=True)\n"
        "print(type(m.metrics[-1]).__module__, repr(r['true_acc']))\n")
    code_rc, out = run_python(code, tmp_path)
    assert code_rc == 0, out
    module, value = out.strip().splitlines()[-1].split()
    assert module == "keras_truacc.keras2.metrics"
    assert float(value) == pytest.approx(expected["true_acc"], abs=1e-6)
    # Without keras_truacc: compile=False loads the model alone.
    code = ("import tf_keras, sys\n"
            f"m = tf_keras.models.load_model('m.{ext}', compile=False)\n"
            "print(m.count_params(), 'keras_truacc' in sys.modules)\n")
    code_rc, out = run_python(code, tmp_path)
    assert code_rc == 0, out
    assert out.strip().splitlines()[-1] == f"{model.count_params()} False"


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_checkpoints_taken_while_the_monitor_is_attached(data, tmp_path, ext):
    x, y = data
    model = logits_model()
    path = str(tmp_path / f"best.{ext}")
    checkpoint = tf_keras.callbacks.ModelCheckpoint(path, monitor="val_true_accuracy",
                                                    mode="max", save_best_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(x, y, validation_split=0.25, epochs=3, verbose=0,
                            callbacks=[checkpoint, truacc.TruAccMonitor(summary=False)])
        loaded = tf_keras.models.load_model(path)
    assert os.path.exists(path) and "val_true_accuracy" in history.history
    # What was saved is the model as compiled: no trace of the monitor.
    assert [m.name for m in loaded.metrics if m.name != "loss"] in ([], ["acc", "true_acc"])
    result = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert set(result) == {"loss", "acc", "true_acc"}


def test_inspect_on_a_saved_model_api_and_command(data, tmp_path):
    x, y = data
    model = logits_model()
    model.fit(x, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(tmp_path / "m.h5")
        model.save(tmp_path / "m.keras")
        loaded = tf_keras.models.load_model(tmp_path / "m.h5")
    report = truacc.inspect(loaded)
    assert [m.key for m in report.wrong] == ["acc"]
    assert "logits > 0" in str(report)
    for name in ("m.h5", "m.keras"):
        # The saved file says it was written by Keras 2: truacc loads it with tf_keras,
        # with or without TF_USE_LEGACY_KERAS set.
        for env in ({"TF_USE_LEGACY_KERAS": "1"}, {"TF_USE_LEGACY_KERAS": "0"}):
            child = subprocess.run(
                [sys.executable, "-m", "keras_truacc.cli", "inspect", name],
                cwd=tmp_path, capture_output=True, text=True, timeout=240,
                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env))
            assert child.returncode == 1, child.stdout + child.stderr  # 1: a metric is wrong
            assert "[WRONG] 'acc'" in child.stdout
            assert "logits > 0" in child.stdout
