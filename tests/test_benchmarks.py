"""The benchmark suite runs end to end in --quick mode and writes the expected table.

It only checks that the suite works and reports every row; the numbers
themselves are compared with their targets inside the table, never asserted.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"


def test_quick_benchmark_writes_every_row(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert text.strip() in proc.stdout  # printed as well as written

    # Header: the machine, the versions and the command that made it.
    assert "--quick" in text and str(out) in text
    for word in ("cores", "Python", "Keras", "TensorFlow", "JAX"):
        assert word in text

    # The three targets, each with a verdict.
    starts = ("| Step-time ratio", "| Drop-in monitor", "| Monitor per-epoch memory")
    targets = [line for line in text.splitlines() if line.startswith(starts)]
    assert len(targets) >= 3
    assert all(line.rstrip().endswith(("met |", "**missed** |")) for line in targets)

    # 1. Metric overhead: 2 backends x 2 jit settings x 2 models.
    for backend in ("tensorflow", "jax"):
        for jit in ("False", "True"):
            for model in ("cnn-digits", "mlp-1000"):
                assert re.search(rf"^\| {backend} \| {jit} \| {model} \| \d+ \|", text, re.M), (
                    backend, jit, model)

    # 2. Monitor overhead: drop-in ('accuracy') and auto() on both backends.
    for backend in ("tensorflow", "jax"):
        for compiled in ("accuracy", "auto()"):
            assert f"| {backend} | {compiled} | " in text, (backend, compiled)

    # 3. Validation pass: time and memory at 10k and 100k rows, and the fixed cost.
    assert re.search(r"^\| [\d,]+ \(one batch\) \|", text, re.M)
    assert len(re.findall(r"^\| 10,000 \|", text, re.M)) >= 2  # time and memory tables
    assert len(re.findall(r"^\| 100,000 \|", text, re.M)) >= 2
    assert "slope, MB per 1M rows" in text

    # 4. Counter exactness: a row per counter and backend.
    for counter in ("Keras SparseCategoricalAccuracy `count`", "truacc.auto() `counts()['total']`"):
        for backend in ("tensorflow", "jax"):
            assert f"| {counter} | {backend} |" in text
