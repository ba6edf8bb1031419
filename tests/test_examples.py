"""Run every script in examples/ with --epochs 1 and check what it prints.

The list of scripts is globbed, and each must have an entry in EXPECTED, so a
new example can't be forgotten here.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES_DIR = pathlib.Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES_DIR.glob("*.py"))

# Text each example must print (stdout and stderr together), even after one epoch.
EXPECTED = {
    "binary_logits": ["val_true_acc", "By hand on the test set", "[WRONG] 'accuracy'"],
    "callbacks_together": ["CSV columns", ", val_true_accuracy", "val_majority_baseline",
                           "validation/epoch_true_accuracy"],
    "multilabel": ["val_true_exact_match", "exact match", "TruAccMonitor flagged 'accuracy'"],
    "sequence_tagging": ["auto(ignore_class=0)", "[WRONG] 'accuracy'", "with no mask",
                         "C. loss ignore_class=0"],
    "text_cnn": ["binary_accuracy", "AccuracyMismatchWarning", "TruAccMonitor summary",
                 "categorical_crossentropy"],
    "two_outputs": ["val_big_true_accuracy", "val_digit_true_accuracy",
                    "big_binary_accuracy", "WRONG"],
    "tuner_search": ["Could not infer optimization direction", "best trial by val_true_accuracy",
                     "best trial by val_binary_accuracy", "true_accuracy"],
    "mlflow_autolog": ["read back from MLflow", "val_true_accuracy",
                       "equals History for binary_accuracy, true_accuracy, majority_baseline"],
    "wandb_offline": ["offline run in", "epoch/val_true_accuracy", "epoch/val_majority_baseline",
                      "wandb sync"],
}
EXTRA_ARGS = {"callbacks_together": ["--out", "logs"]}
# Examples of other tools: the module each needs and the package that installs it
# (all in the dev extra); without it the example is skipped, saying so.
REQUIRES = {"tuner_search": ("keras_tuner", "keras-tuner"), "mlflow_autolog": ("mlflow", "mlflow"),
            "wandb_offline": ("wandb", "wandb")}


def test_every_example_has_expectations():
    assert SCRIPTS, f"no examples found in {EXAMPLES_DIR}"
    assert sorted(p.stem for p in SCRIPTS) == sorted(EXPECTED)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs(script, tmp_path):
    module, package = REQUIRES.get(script.stem, ("keras", "keras"))
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{script.name} needs {package} (pip install -e '.[dev]' installs it)")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    args = [sys.executable, str(script), "--epochs", "1", *EXTRA_ARGS.get(script.stem, [])]
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for text in EXPECTED.get(script.stem, []):
        assert text in output, f"{text!r} not in the output of {script.name}:\n{output[-3000:]}"
    # the monitor never failed internally
    assert "MonitorDisabledWarning" not in output and "stepped aside" not in output, output
    if script.stem == "callbacks_together":
        assert (tmp_path / "logs" / "history.csv").is_file()
