"""The harness: sizes per mode, the worker subprocesses, and the Markdown report.

The parent process imports no Keras. It runs one worker subprocess per backend
(``KERAS_BACKEND`` is per process), one at a time so nothing else of ours
competes for the cores, with the timed studies first and the untimed ones
(op counts, counter exactness) last; then one fresh subprocess per memory cell,
three at a time. Each worker writes its results as JSON; the parent renders
every study's section and the Targets table from them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import counters, memory, monitor_fit, ops, step_time, validation

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "run.py"
DEFAULT_OUT = HERE / "RESULTS.md"
BACKENDS = ("tensorflow", "jax")
MEMORY_PARALLEL = 3  # fresh memory-cell processes at a time

# Sizes per mode. Steps are per timed fit; repeats are interleaved A/B pairs.
CONFIG = {
    "quick": {
        "metric": {"steps": {"graph": 10, "eager": 4}, "repeats": {"graph": 3, "eager": 2},
                   "warmup_steps": 2, "graph_ops": False,
                   "resnet": {"steps": 4, "repeats": 2,
                              "jit": {"tensorflow": [False], "jax": [True]}}},
        # Two epochs: the first (trace, compile) and one steady epoch; quick mode shows
        # that every row is made, the full mode measures.
        "monitor": {"repeats": 1, "models": {
            "cnn-digits": {"train": 640, "val": 160, "epochs": 2},
            "mlp-1000": {"train": 320, "val": 64, "epochs": 2},
            "resnet-cifar": {"train": 320, "val": 64, "epochs": 2},
        }},
        "val_sizes": [10_000, 100_000],
        "val_repeats": 2,
        "val_backends": ["tensorflow"],  # time on TensorFlow
        "evalrepeat": {"rows": 10_000, "repeats": 3},
        "mem_backends": ["jax"],  # fresh processes: JAX starts about 3x faster than TF
        "mem_repeats": 1,
        "count_crossings": [2**24],
    },
    "full": {
        "metric": {"steps": {"graph": 40, "eager": 10}, "repeats": {"graph": 21, "eager": 11},
                   "warmup_steps": 5, "graph_ops": True,
                   "resnet": {"steps": 10, "repeats": 9,
                              "jit": {"tensorflow": [False, True], "jax": [True]}}},
        "monitor": {"repeats": 7, "diagnostic": True, "models": {
            # About load_digits' size (1,797 samples, 80/20 split), rounded to whole
            # batches: a partial last batch would cost JAX one more compilation per fit.
            "cnn-digits": {"train": 1440, "val": 352, "epochs": 8},
            "mlp-1000": {"train": 1440, "val": 352, "epochs": 8},
            "resnet-cifar": {"train": 640, "val": 160, "epochs": 4},
        }},
        "val_sizes": [10_000, 100_000, 1_000_000],
        "val_repeats": 5,
        "val_backends": ["tensorflow", "jax"],
        "evalrepeat": {"rows": 10_000, "repeats": 9},
        "mem_backends": ["tensorflow", "jax"],
        "mem_repeats": 2,  # fresh processes per cell; the median is shown
        "count_crossings": [2**24, 2**25, 2**26, 2**27],
    },
}

WORKERS = {
    "metric": step_time.work,
    "monitor": monitor_fit.work,
    "valtime": validation.work_valtime,
    "evalrepeat": validation.work_evalrepeat,
    "valmem": memory.work,
    "ops": ops.work,
    "counters": counters.work,
}


# =============================================================================
# Worker: runs inside a subprocess with KERAS_BACKEND set
# =============================================================================


def worker_main(args):
    from benchmarks.models import load_keras

    keras = load_keras()
    params = json.loads(args.params)
    results = {}
    for task in args.worker.split(","):
        start = time.perf_counter()
        results[task] = WORKERS[task](keras, params.get(task, {}))
        results[task]["worker_seconds"] = time.perf_counter() - start
    results["backend"] = keras.backend.backend()
    Path(args.result_file).write_text(json.dumps(results))


# =============================================================================
# Orchestration: the parent process (imports no Keras)
# =============================================================================


def run_worker(backend, tasks, params, log):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result_file = f.name
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONWARNINGS="ignore")
    cmd = [sys.executable, str(SCRIPT), "--worker", ",".join(tasks),
           "--params", json.dumps(params), "--result-file", result_file]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-5000:])
            raise RuntimeError(f"worker {tasks} on {backend} exited {proc.returncode}")
        result = json.loads(Path(result_file).read_text())
    finally:
        Path(result_file).unlink(missing_ok=True)
    log(f"  {backend:<10} {','.join(tasks):<40} {seconds:6.1f}s")
    return result


def worker_tasks(backend, cfg):
    """The tasks of one backend's worker, timed ones first."""
    tasks = ["metric", "monitor"]
    if backend in cfg["val_backends"]:
        tasks.append("valtime")
    return tasks + ["evalrepeat", "ops", "counters"]


def worker_params(cfg):
    return {
        "metric": cfg["metric"],
        "monitor": cfg["monitor"],
        "valtime": {"sizes": cfg["val_sizes"], "repeats": cfg["val_repeats"]},
        "evalrepeat": cfg["evalrepeat"],
        "ops": {},
        "counters": {"crossings": cfg["count_crossings"]},
    }


def machine_info():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def ver(*names):
        for name in names:
            try:
                return version(name)
            except PackageNotFoundError:
                continue
        return "not installed"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "keras": ver("keras"),
        "tensorflow": ver("tensorflow-cpu", "tensorflow"),
        "jax": ver("jax"),
        "numpy": ver("numpy"),
        "keras_truacc": ver("keras-truacc"),
        "platform": platform.platform(),
    }


# =============================================================================
# The report
# =============================================================================

STUDIES = (step_time, monitor_fit, memory, validation, ops)  # Targets table, in this order
SECTIONS = (step_time, monitor_fit, validation, memory, counters, ops)  # document order


def render(results, mode, command, elapsed, info, cfg, load):
    from benchmarks.timing import status

    lines = []
    add = lines.append
    add("# keras-truacc benchmarks")
    add("")
    add(f"Generated by `{command}` ({mode} mode) in {elapsed:.0f} s. Regenerate with the same "
        "command from the repository root; the file is overwritten.")
    add("")
    add(f"Machine: {info['cpu']}, {info['cores']} cores, CPU only (no GPU); {info['platform']}. "
        f"Python {info['python']}, Keras {info['keras']}, TensorFlow {info['tensorflow']}, "
        f"JAX {info['jax']}, NumPy {info['numpy']}, keras-truacc {info['keras_truacc']}. "
        f"1-minute load average {load[0]:.2f} at the start and {load[1]:.2f} at the end "
        "(other processes on a shared machine add noise; interleaving spreads it over both sides).")
    add("")
    add("Ratios are B/A over interleaved repeats (A, B, A, B, ...): the median, then "
        "[min–max] and the interquartile range (IQR). Each backend runs in its own subprocess. "
        "Targets are compared, never asserted. The layout of the suite: `benchmarks/run.py` "
        "(entry point), `suite.py` (modes, workers, this report), `timing.py` (interleaving and "
        "statistics), `models.py` (models and data), one module per study: `step_time.py` (1), "
        "`monitor_fit.py` (2), `validation.py` and `memory.py` (3), `counters.py` (4), `ops.py` "
        "(5).")
    add("")

    rows = [row for study in STUDIES for row in study.targets(results, BACKENDS)]
    rows.sort(key=lambda row: "issue 12" in row[0])  # the first issue's targets first, as before
    add("## Targets")
    add("")
    add("| Target | Measured | Status |")
    add("|---|---|---|")
    for target, measured, ok in rows:
        add(f"| {target} | {measured} | {status(ok)} |")
    add("")

    for study in SECTIONS:
        lines += study.section(results, cfg, BACKENDS)

    add("Worker wall times: " + ", ".join(
        f"{task}/{b} {results[task][b]['worker_seconds']:.0f} s"
        for task in ("metric", "monitor", "valtime", "evalrepeat", "ops", "counters")
        for b in results.get(task, {})) + ".")
    add("")
    return "\n".join(lines)


def main_parent(args):
    mode = "quick" if args.quick else "full"
    cfg = CONFIG[mode]
    out = Path(args.out)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    if args.out != str(DEFAULT_OUT):
        command += f" --out {shlex.quote(args.out)}"
    if args.raw:
        command += " --raw"
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    log(f"keras-truacc benchmarks, {mode} mode")
    results = {task: {} for task in WORKERS}
    params = worker_params(cfg)
    # Timed work: one subprocess per backend, one at a time, so nothing else
    # competes for the cores. The untimed studies run last in it.
    for backend in BACKENDS:
        tasks = worker_tasks(backend, cfg)
        res = run_worker(backend, tasks, params, log)
        for task in tasks:
            results[task][backend] = res[task]
    # Memory: a fresh subprocess per (variant, size); three at a time, since
    # peak RSS doesn't depend on CPU contention (the time of these isn't shown).
    with ThreadPoolExecutor(max_workers=MEMORY_PARALLEL) as pool:
        done = list(pool.map(lambda job: (job, run_worker(*job, log)), memory.jobs(cfg)))
    results["valmem"] = memory.merge(done)
    elapsed = time.perf_counter() - started
    text = render(results, mode, command, elapsed, machine_info(), cfg,
                  (load_start, os.getloadavg()[0]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    if args.raw:
        out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    print(text)
    log(f"wrote {out} in {elapsed:.0f}s")


def main(argv=None, description=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="CI-sized run (under 3 minutes)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to write the Markdown table")
    parser.add_argument("--raw", action="store_true",
                        help="also write the raw numbers as JSON next to --out")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
    else:
        main_parent(args)
