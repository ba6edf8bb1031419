"""Issue 12's deterministic bars: graph ops and metric variables, counted from the traced
train step (benchmarks/ops.py), never timed. The timed ratios live in benchmarks/RESULTS.md."""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_truacc as truacc

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import ops  # noqa: E402

on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                   reason="counts TensorFlow graph ops")
on_jax = pytest.mark.skipif(keras.backend.backend() != "jax",
                            reason="counts JAX equations (run by test_other_backends.py)")


# numpy's default integer (what ``np.array([0, 1])`` gives) first, then int32.
LABEL_DTYPES = pytest.mark.parametrize("label_dtype", ["int64", "int32"])


def measured(metric, monitor=None, label_dtype="int64"):
    keras.utils.clear_session()
    x = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
    y = np.zeros(64, label_dtype)
    model = ops.build(keras, metric)
    return ops.measure(model, x, y, [monitor] if monitor else None)


@on_tensorflow
@LABEL_DTYPES
def test_auto_costs_at_most_50_ops_and_2_variables_over_no_metric(label_dtype):
    none, auto = measured(None, label_dtype=label_dtype), measured("auto", label_dtype=label_dtype)
    assert auto["tf"]["ops"] - none["tf"]["ops"] <= 50
    assert auto["variables"]["unique"] - none["variables"]["unique"] <= 2


@on_tensorflow
@LABEL_DTYPES
def test_the_monitor_costs_at_most_60_ops_and_3_variables_of_its_own(label_dtype):
    accuracy = measured("accuracy", label_dtype=label_dtype)
    monitored = measured("accuracy", truacc.TruAccMonitor(summary=False), label_dtype)
    # True accuracy with its checks, the class counts and the majority baseline.
    assert monitored["tf"]["ops"] - accuracy["tf"]["ops"] <= 60
    assert monitored["variables"]["unique"] - accuracy["variables"]["unique"] <= 3
    assert monitored["variables"]["entries"] == monitored["variables"]["unique"], (
        "a metric variable is listed twice in the model's metric state")


@on_jax
def test_jax_equations_in_the_same_proportion_to_accuracy():
    """Issue 12: on JAX, the jaxpr equations in the proportion the TensorFlow bars
    set against the 42 ops of 'accuracy': auto() 50/42 of what 'accuracy' adds
    over no metric, the monitor 60/42 of it over 'accuracy'."""
    none, accuracy, auto = measured(None), measured("accuracy"), measured("auto")
    monitored = measured("accuracy", truacc.TruAccMonitor(summary=False))
    equations = {name: run["jax"]["equations"] for name, run in
                 {"none": none, "accuracy": accuracy, "auto": auto, "monitor": monitored}.items()}
    accuracy_cost = equations["accuracy"] - equations["none"]
    assert equations["auto"] - equations["none"] <= accuracy_cost * 50 / 42, equations
    assert equations["monitor"] - equations["accuracy"] <= accuracy_cost * 60 / 42, equations
    assert auto["variables"]["unique"] - none["variables"]["unique"] <= 2
    assert monitored["variables"]["unique"] - accuracy["variables"]["unique"] <= 3


@on_tensorflow
def test_a_right_set_up_of_other_compiled_metrics_costs_the_monitor_nothing_more():
    """Issue 22: twins exist only for metrics that are certainly wrong. Beside right
    top-k and cross-entropy metrics the monitor adds what it adds beside 'accuracy'
    alone: no twin, no extra op, no extra variable."""
    from benchmarks import models

    def cost(*metrics):
        counts = []
        for monitor in (None, truacc.TruAccMonitor(summary=False)):
            keras.utils.clear_session()
            keras.utils.set_random_seed(0)
            model = models.build_ops_model(keras)
            model.compile("adam", "sparse_categorical_crossentropy", metrics=list(metrics))
            x = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
            counts.append(ops.measure(model, x, np.zeros(64, "int64"),
                                      [monitor] if monitor else None))
        plain, monitored = counts
        return (monitored["tf"]["ops"] - plain["tf"]["ops"],
                monitored["variables"]["unique"] - plain["variables"]["unique"])

    alone = cost("accuracy")
    beside = cost("accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=3),
                  keras.metrics.SparseCategoricalCrossentropy())
    assert beside == alone, (alone, beside)
