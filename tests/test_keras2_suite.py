"""The tf_keras (Keras 2) adapter: its suite, in an interpreter of its own with
``TF_USE_LEGACY_KERAS=1`` (``tests/keras2/``), and the Keras 3 path kept free of it."""

import os
import signal
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, env, timeout):
    """Run a fresh interpreter in its own session; kill the session whatever happens."""
    child = subprocess.Popen([sys.executable, *args], cwd=REPO, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True, env=dict(os.environ, **env))
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
        pytest.fail(f"timed out after {timeout} s:\n{output[-4000:]}")
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return child.returncode, output


def test_tf_keras_suite():
    pytest.importorskip("tf_keras")
    code, output = run(
        ["-m", "pytest", "tests/keras2", "keras_truacc/keras2", "--doctest-modules",
         "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-W",
         "ignore::DeprecationWarning"],
        {"TF_USE_LEGACY_KERAS": "1", "KERAS_BACKEND": "tensorflow",
         "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=900)
    print(output[-3000:])
    assert code == 0, output[-8000:]
    assert " passed" in output and " skipped" not in output


KERAS3_ONLY = """
import sys
import numpy as np, keras
import keras_truacc as truacc
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=["accuracy", truacc.auto(name="true")])
model.fit(x, y, epochs=1, verbose=0, callbacks=[truacc.TruAccMonitor(summary=False)])
truacc.inspect(model)
assert "tf_keras" not in sys.modules, "the Keras 3 path imported tf_keras"
print("clean")
"""


def test_the_keras3_path_never_imports_tf_keras():
    code, output = run(["-c", KERAS3_ONLY], {"KERAS_BACKEND": "tensorflow",
                                            "TF_CPP_MIN_LOG_LEVEL": "3",
                                            "TF_USE_LEGACY_KERAS": "0"}, timeout=240)
    assert code == 0 and output.strip().endswith("clean"), output[-4000:]
