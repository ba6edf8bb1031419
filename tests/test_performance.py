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

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="counts TensorFlow graph ops")


def measured(metric, monitor=None):
    keras.utils.clear_session()
    x = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
    y = np.zeros(64, "int32")
    model = ops.build(keras, metric)
    return ops.measure(model, x, y, [monitor] if monitor else None)


def test_auto_costs_at_most_50_ops_and_one_variable_over_no_metric():
    none, auto = measured(None), measured("auto")
    assert auto["tf"]["ops"] - none["tf"]["ops"] <= 50
    assert auto["variables"]["unique"] - none["variables"]["unique"] <= 2


def test_the_monitor_costs_at_most_60_ops_and_3_variables_of_its_own():
    accuracy = measured("accuracy")
    monitored = measured("accuracy", truacc.TruAccMonitor(summary=False))
    # True accuracy with its checks, the class counts and the majority baseline.
    assert monitored["tf"]["ops"] - accuracy["tf"]["ops"] <= 60
    assert monitored["variables"]["unique"] - accuracy["variables"]["unique"] <= 3
    assert monitored["variables"]["entries"] == monitored["variables"]["unique"], (
        "a metric variable is listed twice in the model's metric state")
