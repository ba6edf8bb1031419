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
         "-q", "-p", "no:cacheprovider", "-p", "no:benchmark", "-o", "addopts=", "-W",
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


TOO_OLD = """
import keras_truacc as truacc          # imports, whatever tf_keras is installed
for make in (truacc.auto, truacc.TruAccMonitor):
    try:
        make()
    except RuntimeError as error:
        print(error)
    else:
        print("no error")
"""


def test_a_too_old_tf_keras_is_refused_at_construction_not_at_import(tmp_path):
    """An installed tf_keras 2.15 (a stand-in package: CI can't install a TensorFlow
    2.15 beside 2.21): the import works; auto() and TruAccMonitor() refuse it."""
    stub = tmp_path / "tf_keras"
    stub.mkdir()
    (stub / "__init__.py").write_text('__version__ = "2.15.1"\n')
    code, output = run(["-c", TOO_OLD], {
        "TF_USE_LEGACY_KERAS": "1", "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])},
        timeout=240)
    assert code == 0, output[-4000:]
    lines = [line for line in output.splitlines() if line.startswith("truacc:")]
    assert len(lines) == 2, output[-4000:]
    for line in lines:
        assert "tf_keras 2.15.1 is installed" in line and "2.16 or newer" in line
        assert "pip install 'tf-keras>=2.16'" in line
