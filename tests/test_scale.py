"""Multi-device, precision, persistence across processes."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from tests import reference as ref

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")
BACKEND = keras.backend.backend()


def run_script(name, *args, env=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    out = subprocess.run([sys.executable, os.path.join(SCRIPTS, name), *map(str, args)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# 301 rows in batches of 38: the last batch (35) splits 18/17 across two replicas.
@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, from the TensorFlow suite")
@pytest.mark.parametrize("n, batch", [(301, 38), (302, 38)])
def test_mirrored_strategy_sums_counts_across_replicas(n, batch):
    out = run_script("mirrored.py", n, batch)
    assert out["replicas"] == 2
    assert out["auto"] == pytest.approx(out["reference"], abs=1e-6)
    assert out["val_true_accuracy"] == pytest.approx(out["reference"], abs=1e-6)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, from the TensorFlow suite")
def test_jax_data_parallel_on_two_host_devices():
    out = run_script("jax_data_parallel.py", 302, 38)
    assert out["replicas"] == 2
    assert out["auto"] == pytest.approx(out["reference"], abs=1e-6)
    assert out["val_true_accuracy"] == pytest.approx(out["reference"], abs=1e-6)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_more_than_4096_classes_in_half_precision(rng, policy):
    """float16 holds integers exactly only up to 2048: class indices must be compared as ints."""
    keras.config.set_dtype_policy(policy)
    classes, n = 5000, 256
    x = rng.normal(size=(n, 16)).astype("float32")
    # Wide logits: a clear winner per row, so no near-tie can flip between two runs.
    dense = keras.layers.Dense(classes, activation="softmax",
                               kernel_initializer=keras.initializers.RandomNormal(stddev=3.0))
    model = keras.Sequential([keras.Input((16,)), dense])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[truacc.auto()], jit_compile=BACKEND != "torch")
    p = model.predict(x, verbose=0)
    assert str(p.dtype) in ("float16", "bfloat16")
    y = p.astype("float32").argmax(-1)  # labels the model gets right: high class indices included
    y[::3] = (y[::3] + 1) % classes
    assert y.max() > 4096
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(ref.argmax_accuracy(y, p.astype("float32")), abs=1e-6)


def test_counts_are_exact_over_long_epochs():
    """Many large batches: the float32 high/low counter stays exact past 2**24."""
    m = truacc.auto(task="multiclass")
    y_pred = np.tile(np.array([[0.0, 1.0]], dtype="float32"), (2**20, 1))
    y_true = np.ones(2**20, dtype="int32")
    y_true[:3] = 0
    for _ in range(20):
        m.update_state(y_true, y_pred)
    counts = m.counts()
    assert counts["total"] == 20 * 2**20
    assert counts["correct"] == 20 * (2**20 - 3)
    keras_mean = keras.metrics.SparseCategoricalAccuracy()
    for _ in range(20):
        keras_mean.update_state(y_true, y_pred)
    # Keras's float32 Mean has lost single samples by now; ours has not.
    assert float(keras_mean.count) != 20 * 2**20 or float(keras_mean.total) != 20 * (2**20 - 3)


def test_save_reload_in_a_fresh_process_and_resume(rng, tmp_path):
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] > 0.2).astype("float32")[:, None]
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=[truacc.auto()])
    ckpt = os.path.join(tmp_path, "ckpt.keras")
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(ckpt), truacc.TruAccMonitor(summary=False)])
    here = model.evaluate(x, y, verbose=0, return_dict=True)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    data = os.path.join(tmp_path, "data.npz")
    np.savez(data, x=x, y=y)
    for saved in (path, ckpt):
        out = run_script("reload_and_resume.py", saved, data, env={"KERAS_BACKEND": BACKEND})
        assert out["before"]["accuracy"] == pytest.approx(here["accuracy"], abs=1e-6)
        assert out["after"]["accuracy"] == pytest.approx(out["reference_after"], abs=1e-6)
