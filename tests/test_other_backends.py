"""The same scenarios on the JAX and PyTorch backends.

A Keras backend is fixed per process, so the TensorFlow run of the suite starts
one pytest per other backend, on the scenario files below (a subset, to keep
CI within its time budget; the README's backend table says which).
"""

import importlib.util
import os
import subprocess
import sys

import keras
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = [
    "tests/test_bad_input.py",
    "tests/test_pitfalls.py",
    "tests/test_real_model_cases.py",
    "tests/test_auto_metric.py::test_binary_logits_threshold_at_zero_even_when_logits_sit_in_0_1",
    "tests/test_auto_metric.py::test_multilabel_per_label_and_exact_match",
    "tests/test_auto_metric.py::test_sequences_with_a_mask_count_real_tokens_only",
    "tests/test_auto_metric.py::test_two_outputs_each_get_their_own_accuracy",
    "tests/test_auto_metric.py::test_save_and_load_without_custom_objects",
    "tests/test_auto_metric.py::test_mixed_precision_outputs_count_like_float32",
    "tests/test_monitor.py::test_pitfalls_warn_with_cause_and_fix_and_val_true_accuracy_is_exact",
    "tests/test_monitor.py::test_other_callbacks_see_the_keys_from_epoch_0",
    "tests/test_monitor.py::test_repeated_fits_evaluate_and_recompile",
    "tests/test_monitor.py::test_a_new_monitor_per_evaluate_reuses_the_traced_step_and_still_warns",
    "tests/test_monitor.py::test_a_recompiled_model_runs_its_new_loss_after_a_monitor_is_done",
    "tests/test_monitor.py::test_a_recompile_without_metrics_is_a_new_compile_for_the_kept_steps",
    "tests/test_monitor.py::test_a_monitor_whose_fit_raised_holds_no_step_past_a_recompile",
    "tests/test_scale.py::test_more_than_4096_classes_in_half_precision",
    "tests/test_scale.py::test_save_reload_in_a_fresh_process_and_resume",
    "tests/test_tensorboard.py::test_dashboard_through_tensorboard[monitor_only]",
    "tests/test_invisible_monitor.py",
    "tests/test_performance.py",  # JAX: the equation bars (TensorFlow's run the op bars)
    "tests/test_metric_families.py",
]


# Each backend's scenarios run as PARTS separate runs of one process each, so that
# xdist spreads them over its workers like any other tests (one long run would
# leave a worker alone at the end of the suite).
PARTS = 2


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="started from the TensorFlow run only")
@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_scenarios_pass_on_backend(backend, part):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (the dev extra installs it on x86_64, Python 3.11)")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if backend == "jax":
        # Small models: XLA's backend optimisations cost more time than they save
        # (the figures don't depend on them; the JAX corpus runs the same way).
        env["XLA_FLAGS"] = "--xla_backend_optimization_level=0"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--no-header",
         "-W", "ignore::DeprecationWarning", *SCENARIOS[part::PARTS]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    tail = out.stdout[-4000:]
    failures = "\n".join(line for line in out.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E  ")))
    assert out.returncode == 0, (failures or tail)[-6000:]
    assert " passed" in tail and " failed" not in tail
