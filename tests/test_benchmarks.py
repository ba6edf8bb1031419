"""The benchmark suite runs end to end in --quick mode and writes the expected table.

It only checks that the suite works and reports every row; the numbers
themselves are compared with their targets inside the table, never asserted.
The op-count functions (``benchmarks/ops.py``) are also called in-process on
TensorFlow: they must count, the same way every time; what they count against
the issue's targets is the table's business, not this test's.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import ops, step_time, suite  # noqa: E402

QUICK = suite.CONFIG["quick"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--raw", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, out.read_text(), proc


def test_quick_benchmark_writes_every_row(quick_run):
    out, text, proc = quick_run
    assert text.strip() in proc.stdout  # printed as well as written
    raw = json.loads(out.with_suffix(".json").read_text())  # --raw
    for task in ("metric", "monitor", "valtime", "evalrepeat", "ops", "counters", "valmem"):
        assert raw[task], task

    # Header: the machine, the versions and the command that made it.
    assert "--quick" in text and str(out) in text
    for word in ("cores", "Python", "Keras", "TensorFlow", "JAX"):
        assert word in text

    # The targets, each with a verdict.
    header = text.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in header.splitlines() if line.startswith("| ") and "---" not in line]
    rows = rows[1:]  # the column names
    assert rows and all(line.rstrip().endswith(("| met |", "| **missed** |")) for line in rows)
    starts = {
        "| Step-time ratio auto() / 'accuracy' ≤ 1.03": 1,
        "| Drop-in monitor fit-time ratio ≤ 1.03": 1,
        "| Monitor per-epoch memory": len(QUICK["mem_backends"]),
        "| Steady-epoch ratio auto() / 'accuracy' ≤ 1.01": 1,
        "| Drop-in monitor total fit ratio, first trace included, ≤ 1.05": 1,
        "| Drop-in monitor steady-epoch ratio ≤ 1.02 on the tiny models": 1,
        "| Drop-in monitor steady-epoch ratio ≤ 1.005 on the ResNet": 1,
        "| Repeated `evaluate(callbacks=[monitor])`": 2,  # tensorflow, jax
        "| Train-step ops over no metrics, TensorFlow": 1,
        "| Train-step ops of the monitor": 1,
        "| Train-step jaxpr equations over no metrics, JAX": 1,
        "| Train-step jaxpr equations of the monitor": 1,
        "| Metric variables of auto()": 1,
        "| The monitor's own metric variables": 1,
    }
    for start, count in starts.items():
        assert sum(line.startswith(start) for line in rows) == count, start
    assert len(rows) == sum(starts.values())

    # 1. Metric overhead: 2 backends x 2 jit settings x 2 tiny models, plus the
    # ResNet where the mode runs it (on both backends in quick mode too).
    for backend in ("tensorflow", "jax"):
        configs = step_time.configurations(backend, QUICK["metric"])
        assert any(name == "resnet-cifar" for _, name, _, _ in configs), backend
        for jit in (False, True):
            for model in ("cnn-digits", "mlp-1000"):
                assert (jit, model) in {(j, n) for j, n, _, _ in configs}
        for jit, model, _, _ in configs:
            row = re.search(rf"^\| {backend} \| {jit} \| {model} \| \d+ \|.*$", text, re.M)
            assert row, (backend, jit, model)
            assert row.group(0).rstrip().endswith(("| met |", "| **missed** |"))  # epoch target

    # 2. Monitor overhead: drop-in ('accuracy') on the CNN, the MLP and the ResNet,
    # and auto() on the CNN, both backends.
    for backend in ("tensorflow", "jax"):
        assert len(re.findall(rf"^\| {backend} \| accuracy \| ", text, re.M)) == 3, backend
        assert f"| {backend} | auto() | " in text, backend
    for model in ("mlp-1000", "resnet-cifar"):
        assert f"The drop-in case on {model} " in text

    # 3. Validation pass: time and memory at 10k and 100k rows, the fixed cost,
    # and repeated evaluate with the monitor on both backends.
    assert re.search(r"^\| [\d,]+ \(one batch\) \|", text, re.M)
    assert len(re.findall(r"^\| 10,000 \|", text, re.M)) >= 2  # time and memory tables
    assert len(re.findall(r"^\| 100,000 \|", text, re.M)) >= 2
    assert "slope, MB per 1M rows" in text
    for backend in ("tensorflow", "jax"):
        assert f"| {backend} | plain evaluate | " in text
        for variant in ("new monitor per call", "same monitor object"):
            assert f"| {backend} | evaluate + monitor, {variant} | " in text, (backend, variant)

    # 4. Counter exactness: a row per counter and backend.
    for counter in ("Keras SparseCategoricalAccuracy `count`", "truacc.auto() `counts()['total']`"):
        for backend in ("tensorflow", "jax"):
            assert f"| {counter} | {backend} |" in text

    # 5. Graph size: every configuration, in the TensorFlow and the JAX table.
    assert "| TensorFlow: configuration |" in text and "| JAX: configuration |" in text
    for label, _, _ in ops.CONFIGS:
        assert len(re.findall(rf"^\| {re.escape(label)} \| \d+", text, re.M)) == 2, label


def _ops_model(keras, metric):
    return ops.build(keras, metric)


@pytest.mark.filterwarnings("ignore::keras_truacc.messages.BaselineWarning")
@pytest.mark.filterwarnings("error::keras_truacc.messages.MonitorDisabledWarning")
def test_op_counting_functions_are_deterministic():
    """TensorFlow, in-process: the counts exist, repeat exactly, and grow with metrics."""
    import keras

    import keras_truacc as truacc
    from benchmarks.models import BATCH, data

    x, y = data((16,), 10, BATCH, seed=8)

    def step_ops(metric, callbacks=None):
        keras.utils.clear_session()
        return ops.tf_train_step_ops(_ops_model(keras, metric), x, y, callbacks)

    bare = step_ops(None)
    assert bare == step_ops(None)  # deterministic
    assert bare["ops"] == bare["top_level"] + bare["nested"] > 0
    assert bare["traces"] >= 1 and bare["wrapper"] > 0
    acc = step_ops("accuracy")
    assert acc["ops"] > bare["ops"]
    monitored = step_ops("accuracy", [truacc.TruAccMonitor(summary=False)])
    assert monitored["ops"] > acc["ops"]  # the monitor's metrics are in the step that runs

    def variables(metric, callbacks=None):
        keras.utils.clear_session()
        return ops.metric_variable_count(_ops_model(keras, metric), x, y, callbacks)

    # Keras's own: the loss tracker's total and count, and 'accuracy''s two.
    assert variables(None)["entries"] == 2
    assert variables("accuracy")["entries"] == 4
    with_monitor = variables("accuracy", [truacc.TruAccMonitor(summary=False)])
    assert with_monitor["entries"] > 4  # read after the monitor attached
    assert with_monitor["unique"] <= with_monitor["entries"]
    assert any("true_accuracy" in name for name in with_monitor["names"])
