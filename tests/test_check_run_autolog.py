"""`truacc check` and `truacc run` on unchanged scripts and a notebook (real
subprocesses), `truacc.autolog()`, and the first batch `check` reads from each
kind of data."""

import os
import re
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from keras_truacc.cli import main as cli_main
from keras_truacc.cli.script_check import first_batch
from tests.cli_fixtures.processes import run_all
from tests.cli_fixtures.processes import truacc as cli

FIXTURES = Path(__file__).parent / "cli_fixtures"
BACKEND_NOISE = ("oneDNN", "cpu_feature_guard", "absl::InitializeLog")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every command of this file, run once, two at a time; ``(folder, results)``."""
    tmp = tmp_path_factory.mktemp("runs")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["KERAS_BACKEND"] = "tensorflow"
    commands = {
        "check wrong": cli("check", FIXTURES / "logits_accuracy.py", tmp / "wrong.log"),
        "check notebook": cli("check", FIXTURES / "logits_accuracy.ipynb", tmp / "notebook.log"),
        "run": cli("run", FIXTURES / "logits_accuracy.py", tmp / "run.log"),
    }
    return tmp, run_all(commands, cwd=tmp, env=env)


def weight_sums(path):
    before, after, *rest = path.read_text().split()
    return float(before), float(after), rest


def assert_quiet(result):
    both = result.stdout + result.stderr
    assert not any(noise in both for noise in BACKEND_NOISE), result.stderr


def test_check_names_a_wrong_accuracy_exits_1_and_trains_nothing(runs):
    tmp, results = runs
    result = results["check wrong"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[WRONG] 'accuracy': BinaryAccuracy(threshold=0.5)" in result.stdout
    assert "first batch x (16, 4) float32, y (16, 1) float32, sample_weight (16,) float32" in result.stdout
    assert "logits_accuracy.py: fit #1 (logits_accuracy.py, line 23): 'accuracy' is wrong" in result.stdout
    before, after, (history_keys,) = weight_sums(tmp / "wrong.log")
    assert before == after and history_keys == "0"  # no optimizer step; an empty History
    assert "after fit: the script went on" in result.stdout
    assert "model.save(" in result.stdout and not (tmp / "wrong.log.keras").exists()
    assert "Traceback" not in result.stderr
    assert_quiet(result)


def test_check_of_a_right_accuracy_exits_0_and_evaluate_measures_nothing(tmp_path, capsys):
    # In this process (the subprocess tests above cover the command's own start-up).
    log = tmp_path / "right.log"
    assert cli_main(["check", str(FIXTURES / "sigmoid_accuracy.py"), str(log)]) == 0
    out, err = capsys.readouterr()
    assert "[ok   ] 'accuracy'" in out
    assert "sigmoid_accuracy.py: every compiled accuracy is right (1 call(s) checked)." in out
    before, after, _ = weight_sums(log)
    assert before == after
    assert "after fit: evaluate gave loss=nan accuracy=nan" in out
    assert err == ""


def test_check_of_a_script_that_raises_before_fit_exits_2_with_one_line(capsys):
    fit = keras.Model.fit
    assert cli_main(["check", str(FIXTURES / "raises_before_fit.py")]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [(
        "truacc check: raises_before_fit.py raised before any fit: FileNotFoundError: "
        "no data at data/train.npz (raises_before_fit.py, line 5)"
    )]
    assert out == "" and keras.Model.fit is fit


def test_check_debug_adds_the_traceback(capsys):
    assert cli_main(["--debug", "check", str(FIXTURES / "raises_before_fit.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("truacc check: raises_before_fit.py raised before any fit: ")
    assert "Traceback (most recent call last):" in err
    assert 'raises_before_fit.py", line 9, in <module>' in err


def test_check_of_a_notebook_lists_what_only_ipython_runs_and_exits_1(runs):
    tmp, results = runs
    result = results["check notebook"]
    assert result.returncode == 1, result.stdout + result.stderr
    for said in (
        "left out 4 thing(s) only IPython runs:",
        "cell 2, line 1: '!pip install keras-truacc' left out (a shell command)",
        "cell 2, line 2: '%matplotlib inline' left out (a line magic)",
        "cell 4: '%%bash' left out (a cell magic: IPython only)",
        "cell 6, line 1: '%%time' left out; the cell's code ran",
        "fit #1 (logits_accuracy.ipynb cell 6, line 2)",
        "[WRONG] 'accuracy'",
        "after fit: the notebook went on",
    ):
        assert said in result.stdout, result.stdout
    before, after, _ = weight_sums(tmp / "notebook.log")
    assert before == after
    assert_quiet(result)


def test_run_trains_with_the_monitor_on_an_unchanged_script(runs):
    tmp, results = runs
    result = results["run"]
    assert result.returncode == 0, result.stderr
    assert "AccuracyMismatchWarning: epoch 1, train: 'accuracy' reports" in result.stderr
    assert "TruAccMonitor summary (last epoch):" in result.stdout
    assert re.search(r"^    accuracy +[\d.]+ +WRONG$", result.stdout, re.MULTILINE), result.stdout
    assert "after fit: the script went on" in result.stdout
    before, after, (history_keys,) = weight_sums(tmp / "run.log")
    assert before != after and int(history_keys) > 4  # trained; true_accuracy & co. logged
    assert (tmp / "run.log.keras").exists()
    assert_quiet(result)


def test_check_of_a_script_that_never_fits_exits_2(capsys):
    assert cli_main(["check", str(FIXTURES / "no_fit.py")]) == 2
    out, err = capsys.readouterr()
    assert out == "nothing to train here\n"
    assert err.splitlines() == [
        "truacc check: no_fit.py ran to its end without calling fit or evaluate: nothing to check."
    ]


def test_run_exits_with_the_script_code_and_its_own_traceback(capsys):
    fit = keras.Model.fit
    assert cli_main(["run", str(FIXTURES / "raises_before_fit.py")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert 'raises_before_fit.py", line 9, in <module>' in lines[1]
    assert lines[-1] == "FileNotFoundError: no data at data/train.npz"
    assert not any("runpy" in line or "script_runner" in line for line in lines)
    assert keras.Model.fit is fit


# -- truacc.autolog() ----------------------------------------------------------

def small_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(32, 3)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


@pytest.fixture
def restore_autolog():
    yield
    truacc.autolog(disable=True)


def test_autolog_attaches_to_fit_and_evaluate_and_undoes_exactly(xy, restore_autolog):
    x, y = xy
    fit, evaluate, before = keras.Model.fit, keras.Model.evaluate, dict(vars(keras.Model))
    truacc.autolog(summary=False)
    truacc.autolog(summary=False)  # twice: still one wrapper
    assert keras.Model.fit.__wrapped__ is fit and keras.Model.evaluate.__wrapped__ is evaluate
    model = small_model()
    with pytest.warns(truacc.AccuracyMismatchWarning):
        history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    assert {"true_accuracy", "val_true_accuracy"} <= set(history.history)
    assert "true_accuracy" in model.evaluate(x, y, verbose=0, return_dict=True)

    truacc.autolog(disable=True)
    assert keras.Model.fit is fit and keras.Model.evaluate is evaluate
    assert dict(vars(keras.Model)) == before
    history = model.fit(x, y, epochs=1, verbose=0)
    assert "true_accuracy" not in history.history
    assert "true_accuracy" not in model.evaluate(x, y, verbose=0, return_dict=True)


def test_autolog_evaluate_without_return_dict_returns_what_keras_would(xy, restore_autolog):
    """`loss, acc = model.evaluate(x, y)` in an unchanged script must still unpack."""
    x, y = xy
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0)
    plain = model.evaluate(x, y, verbose=0)
    truacc.autolog(summary=False)
    with pytest.warns(truacc.AccuracyMismatchWarning):
        monitored = model.evaluate(x, y, verbose=0)
    loss, accuracy = monitored
    assert [loss, accuracy] == pytest.approx(plain, abs=1e-6)
    assert "true_accuracy" in model.evaluate(x, y, verbose=0, return_dict=True)


def test_autolog_keeps_the_monitor_a_call_already_has(xy, restore_autolog):
    x, y = xy
    made = []

    class Counted(truacc.TruAccMonitor):
        def __init__(self, **options):
            super().__init__(**options)
            made.append(self)

    own = Counted(summary=False)
    truacc.autolog(summary=False)
    made.clear()
    with pytest.warns(truacc.AccuracyMismatchWarning):
        small_model().fit(x, y, epochs=1, verbose=0, callbacks=[own])
    assert made == [] and own.history  # no second monitor; the user's one counted


def test_autolog_refuses_a_wrong_option_and_patches_nothing():
    fit = keras.Model.fit
    with pytest.raises(ValueError, match="tolerance"):
        truacc.autolog(tolerance=2.0)
    assert keras.Model.fit is fit


# -- the first batch `truacc check` reads --------------------------------------

def test_first_batch_of_arrays_after_validation_split_with_sample_weight():
    x, y, w = np.arange(40.0).reshape(20, 2), np.arange(20), np.ones(20)
    batch = first_batch(x, y, w, batch_size=32, validation_split=0.5)
    assert batch.x.shape == (10, 2) and sorted(batch.y.tolist()) == list(range(10))
    assert batch.sample_weight.shape == (10,)


def test_first_batch_of_a_dataset_a_generator_and_a_py_dataset():
    import tensorflow as tf

    x, y = np.zeros((10, 2), "float32"), np.arange(10)
    batch = first_batch(tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat())
    assert batch.x.shape == (4, 2) and batch.y.tolist() == [0, 1, 2, 3]

    def generator():
        for start in range(0, 10, 5):
            yield x[start:start + 5], y[start:start + 5]

    assert first_batch(generator()).y.tolist() == [0, 1, 2, 3, 4]

    class Rows(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return x[index * 5:(index + 1) * 5], y[index * 5:(index + 1) * 5]

    assert first_batch(Rows()).y.tolist() == [0, 1, 2, 3, 4]
