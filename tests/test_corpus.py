"""Acceptance tests: real-world Keras models (tests/corpus/, adapted from keras-io
examples and TensorFlow tutorials), each fitted with ``TruAccMonitor`` and checked
against a numpy reference from ``model.predict``.

Per case (see ``tests/corpus/__init__.py`` and ``harness.check``): every expected
key equals its reference (abs 1e-6, NaN where expected), Keras's own right
metrics equal it too (a check of the reference), every warning that fired is
expected, every required warning fired (exactly once where said), and
``truacc.inspect(model).wrong`` names exactly the wrong metrics.

On TensorFlow each case runs in-process; all cases also run on JAX, in two
subprocesses of half the cases each (``KERAS_BACKEND=jax python -m
tests.corpus.harness --json CASE ...``), one test per case reading its result,
so every failing case shows.
"""

import functools
import importlib.util
import json
import os
import signal
import subprocess
import sys

import keras
import pytest

from tests.corpus import harness

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = harness.case_names()
# The JAX run is split in halves, one subprocess each, which xdist runs side by side
# (one xdist group per half: each half's subprocess serves all its cases).
HALVES = 2
JAX_TIMEOUT = 1200  # seconds per half; the whole corpus takes about 6 minutes on JAX


def _report(case, result, failures) -> str:
    lines = [f"{case} on {result.get('backend')}: {len(failures)} failure(s)"]
    lines += [f"  - {f}" for f in failures]
    lines.append(f"  reference: {result.get('reference')}")
    expect = harness.load(case).EXPECT
    keys = list(expect.get("keys", {})) + list(expect.get("keras", {}))
    logs = result.get("logs", {})
    lines.append(f"  logged: { {k: logs.get(k, 'missing') for k in keys} }")
    lines.append(f"  warnings: {[w['category'] + ': ' + w['message'] for w in result.get('warnings', [])]}")
    return "\n".join(lines)


def test_corpus_is_big_enough():
    assert len(CASES) >= 40, CASES


@pytest.mark.parametrize("case", CASES)
def test_case_in_process(case):
    result = harness.run_case(case)
    failures = harness.check(case, result)
    assert not failures, _report(case, result, failures)


@functools.lru_cache(maxsize=None)
def jax_results(half: int):
    """Run one half of the cases on JAX in one subprocess; killed on timeout or any error."""
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    # The corpus is compile-bound (tiny models, a few steps each): XLA's cheapest
    # code generation cuts the run by about a quarter; the figures are the same
    # up to float rounding, and each case's reference comes from the same process.
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.corpus.harness", "--json", *CASES[half::HALVES]],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=JAX_TIMEOUT)
    except subprocess.TimeoutExpired:
        out, err = "", f"timed out after {JAX_TIMEOUT} s"
    finally:
        if proc.poll() is None:  # timed out, or interrupted: kill the whole group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
    line = next((ln for ln in out.splitlines() if ln.startswith(harness.JSON_MARK)), None)
    if line is None:
        return {"error": f"exit {proc.returncode}; stderr tail:\n{err[-4000:]}"}
    payload = json.loads(line[len(harness.JSON_MARK):])
    return {"seconds": payload["seconds"], "results": {r["case"]: r for r in payload["results"]}}


def _one_worker_per_half(half: int, tmp_path_factory) -> None:
    """Each half's JAX run is a few minutes: its cases must share one worker (xdist's
    loadgroup). Where they don't (pytest 9.2 broke the group suffix xdist 3.8 adds), say
    so here, instead of letting every worker pay the run again."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    shared = tmp_path_factory.getbasetemp().parent  # one folder for every worker
    (shared / f"jax_corpus_{half}.{worker}").touch()
    workers = sorted(p.suffix[1:] for p in shared.glob(f"jax_corpus_{half}.*"))
    assert workers == [worker], (
        f"the JAX corpus half {half} runs on {', '.join(workers)}: pytest-xdist's --dist "
        "loadgroup is not grouping (see the pytest pin in pyproject.toml)")


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="started from the TensorFlow run only")
@pytest.mark.parametrize("case", [
    pytest.param(case, marks=pytest.mark.xdist_group(f"jax_corpus_{index % HALVES}"))
    for index, case in enumerate(CASES)
])
def test_case_on_jax(case, tmp_path_factory):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    half = CASES.index(case) % HALVES
    _one_worker_per_half(half, tmp_path_factory)
    results = jax_results(half)
    assert "error" not in results, "the JAX corpus run failed: " + results.get("error", "")
    result = results["results"].get(case)
    assert result is not None, f"{case} did not run on JAX"
    assert result["backend"] == "jax"
    failures = harness.check(case, result)
    assert not failures, _report(case, result, failures)

