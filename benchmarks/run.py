"""keras-truacc benchmark suite.

    python benchmarks/run.py            # full run (about 10-15 minutes on 2 CPU cores)
    python benchmarks/run.py --quick    # CI-sized run (about 2 minutes)
    python benchmarks/run.py --quick --out /tmp/RESULTS.md

Measures, in one run, and writes a Markdown table to ``benchmarks/RESULTS.md``
(or ``--out``), and prints it:

1. Metric overhead: time per training step with ``metrics=[truacc.auto()]``
   divided by the same model with ``metrics=["accuracy"]`` (small CNN on
   8x8x1 inputs / 10 classes, MLP with 1,000 classes), TensorFlow and JAX,
   ``jit_compile`` False and True.
2. Monitor overhead: ``fit`` wall time with ``TruAccMonitor(summary=False)``
   divided by without, total and steady-state per epoch.
3. The monitor's validation pass (``evaluate`` with the monitor) against
   ``model.predict`` + numpy argmax: time and peak RSS growth at growing
   validation sizes, each memory figure from a fresh process.
4. Counter exactness: where Keras's float32 ``Mean``-based accuracy and
   ``truacc.auto(task="multiclass")`` stop counting exactly.

Every timing is a ratio of INTERLEAVED repeats (A, B, A, B, ...), reported as
the median and the spread (min-max and IQR) of the per-repeat ratios.
Each backend runs in its own subprocess (``KERAS_BACKEND`` is per process).
Nothing here asserts a target: the table says met or missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "RESULTS.md"

STEP_TARGET = 1.03
MONITOR_TARGET = 1.03
BACKENDS = ("tensorflow", "jax")

# Sizes per mode. Steps are per timed fit; repeats are interleaved A/B pairs.
CONFIG = {
    "quick": {
        "metric": {"steps": {"graph": 20, "eager": 5}, "repeats": {"graph": 5, "eager": 3},
                   "warmup_steps": 3, "graph_ops": False},
        "monitor": {"epochs": 3, "repeats": 2},
        "val_sizes": [10_000, 100_000],
        "val_repeats": 2,
        "val_backends": ["tensorflow"],  # time on TensorFlow
        "mem_backends": ["jax"],  # fresh processes: JAX starts about 3x faster than TF
        "mem_repeats": 1,
        "count_crossings": [2**24],
    },
    "full": {
        "metric": {"steps": {"graph": 40, "eager": 10}, "repeats": {"graph": 31, "eager": 15},
                   "warmup_steps": 5, "graph_ops": True},
        "monitor": {"epochs": 8, "repeats": 6, "diagnostic": True},
        "val_sizes": [10_000, 100_000, 1_000_000],
        "val_repeats": 5,
        "val_backends": ["tensorflow", "jax"],
        "mem_backends": ["tensorflow", "jax"],
        "mem_repeats": 2,  # fresh processes per cell; the median is shown
        "count_crossings": [2**24, 2**25, 2**26, 2**27],
    },
}

VAL_BATCH = 1000  # divides every validation size: no partial batch, no extra trace
WARM_ROWS = 2 * VAL_BATCH  # warm-up slice: whole batches only, so one trace per step function
VAL_VARIANTS = ("evaluate", "evaluate+monitor", "predict+argmax")


# =============================================================================
# Statistics helpers (no Keras needed)
# =============================================================================


def spread(values):
    """Median, min, max, Q1, Q3 of a list of numbers."""
    import numpy as np

    arr = np.asarray(values, dtype=float)
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return {
        "median": float(med),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "q1": float(q1),
        "q3": float(q3),
        "n": int(arr.size),
    }


def ratios(a_times, b_times):
    """Per-repeat ratio B/A of interleaved pairs."""
    return [b / a for a, b in zip(a_times, b_times)]


# =============================================================================
# Workers: run inside a subprocess with KERAS_BACKEND set
# =============================================================================


def _quiet():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


def _keras():
    _quiet()
    import keras

    return keras


def _epoch_timer(keras):
    class EpochTimer(keras.callbacks.Callback):
        """Wall time of each epoch, on_epoch_begin to on_epoch_end (validation included)."""

        def __init__(self):
            super().__init__()
            self.times = []
            self._start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)

    return EpochTimer


def _step_timer(keras):
    EpochTimer = _epoch_timer(keras)

    class StepTimer(EpochTimer):
        """Per-step wall time, on_train_batch_begin to on_train_batch_end.

        Keras turns the step's logs into Python floats before it calls
        on_train_batch_end, so on JAX (asynchronous dispatch) the time
        includes the computation, not only its dispatch.
        """

        def __init__(self):
            super().__init__()
            self.steps = []
            self._step_start = None

        def on_train_batch_begin(self, batch, logs=None):
            self._step_start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.steps.append(time.perf_counter() - self._step_start)

    return StepTimer


def build_cnn(keras):
    """A small CNN for sklearn-digits-like 8x8x1 images, 10 classes."""
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def build_mlp1000(keras):
    """An MLP with 1,000 output classes."""
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(1000, activation="softmax"),
        ]
    )


MODELS = {
    "cnn-digits": (build_cnn, (8, 8, 1), 10),
    "mlp-1000": (build_mlp1000, (64,), 1000),
}
BATCH = 32


def _data(shape, classes, rows, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size=(rows, *shape), dtype=np.float32)  # no float64 copy
    y = rng.integers(0, classes, size=(rows,)).astype("int32")
    return x, y


def _twin_models(keras, builder, metric_factories, jit_compile):
    """One model per metric factory, all with the same initial weights."""
    import keras_truacc  # noqa: F401

    models = []
    weights = None
    for make_metric in metric_factories:
        keras.utils.set_random_seed(0)
        model = builder(keras)
        if weights is None:
            weights = model.get_weights()
        else:
            model.set_weights(weights)
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=[make_metric()],
            jit_compile=jit_compile,
        )
        models.append(model)
    return models


_WARMED_UP = False  # set once a worker has trained a model: backend start-up is paid


def metric_microbench(keras, blocks=15, calls=200):
    """TensorFlow only: microseconds per `update_state` + `result` in a tf.function.

    Batch of 32 sparse labels, 10 and 1,000 classes; blocks of calls interleaved
    across the setups, the median block shown. "nothing" is the call overhead
    of an empty tf.function, to subtract.
    """
    import numpy as np
    import tensorflow as tf

    import keras_truacc as truacc
    from keras_truacc.metrics.baseline import MajorityBaseline

    out = {}
    for classes in (10, 1000):
        rng = np.random.default_rng(6)
        y_pred = tf.constant(rng.random((BATCH, classes), dtype=np.float32))
        y_true = tf.constant(rng.integers(0, classes, BATCH).astype("int32"))

        def make(kind):
            if kind == "nothing":
                metrics = []
            elif kind == "'accuracy'":
                metrics = [keras.metrics.SparseCategoricalAccuracy()]
            elif kind == "auto()":
                metrics = [truacc.auto(task="multiclass")]
            else:  # what the drop-in monitor adds: a TrueAccuracy and its baseline
                acc = truacc.auto(task="multiclass")
                metrics = [acc, MajorityBaseline(classes, companion=acc)]

            @tf.function
            def step(a, b):
                for metric in metrics:
                    metric.update_state(a, b)
                return [metric.result() for metric in metrics] or tf.constant(0.0)

            step(y_true, y_pred)  # trace
            return step

        kinds = ("nothing", "'accuracy'", "auto()", "TrueAccuracy + MajorityBaseline (monitor)")
        steps = {k: make(k) for k in kinds}
        times = {k: [] for k in kinds}
        for _ in range(blocks):
            for kind, step in steps.items():
                start = time.perf_counter()
                for _ in range(calls):
                    step(y_true, y_pred)
                times[kind].append((time.perf_counter() - start) / calls * 1e6)
        out[str(classes)] = {k: statistics.median(v) for k, v in times.items()}
    return out


def graph_op_counts(keras):
    """TensorFlow only: operations in one traced train step of the CNN, per setup.

    A deterministic companion to the timings: each graph op costs the
    TensorFlow executor a few microseconds on a CPU, whatever the noise.
    """
    import tensorflow as tf

    import keras_truacc as truacc

    x, y = _data((8, 8, 1), 10, BATCH, seed=5)
    setups = {
        "'accuracy'": (lambda: "accuracy", None),
        "auto()": (lambda: truacc.auto(), None),
        "'accuracy' + TruAccMonitor": (lambda: "accuracy", {}),
        "'accuracy' + TruAccMonitor(baseline=False)": (lambda: "accuracy", {"baseline": False}),
    }
    counts = {}
    for label, (make_metric, monitor) in setups.items():
        (model,) = _twin_models(keras, build_cnn, [make_metric], False)
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # builds optimizer and metrics

        class Tracer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):  # after the monitor (listed first) attached
                step = tf.autograph.experimental.do_not_convert(
                    lambda a, b: self.model.train_step((a, b)))
                graph = tf.function(step).get_concrete_function(
                    tf.constant(x), tf.constant(y)).graph
                counts[label] = len(graph.get_operations())

        callbacks = [] if monitor is None else [truacc.TruAccMonitor(summary=False, **monitor)]
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=callbacks + [Tracer()])
    return counts


def work_metric(keras, params):
    """Section 1: step time with auto() / step time with 'accuracy'."""
    import keras_truacc as truacc

    StepTimer = _step_timer(keras)
    warmup = params["warmup_steps"]
    cases = []
    phases = {}
    t0 = time.perf_counter()
    for jit in (False, True):
        # On JAX, jit_compile=False runs the train step op by op (eager):
        # far slower per step, so fewer steps per timed fit.
        eager = jit is False and keras.backend.backend() == "jax"
        kind = "eager" if eager else "graph"
        steps = params["steps"][kind]
        for name, (builder, shape, classes) in MODELS.items():
            acc_model, auto_model = _twin_models(
                keras, builder, [lambda: "accuracy", lambda: truacc.auto()], jit
            )
            x, y = _data(shape, classes, steps * BATCH, seed=1)
            for model in (acc_model, auto_model):  # warm-up: traces/compiles the step
                model.fit(x[: warmup * BATCH], y[: warmup * BATCH], batch_size=BATCH,
                          epochs=1, verbose=0, shuffle=False)
            phases[f"warm-up jit={jit} {name}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            cases.append({"jit_compile": jit, "model": name, "steps": steps,
                          "repeats": params["repeats"][kind],
                          "models": (acc_model, auto_model), "data": (x, y),
                          "acc": [], "auto": [], "acc_epoch": [], "auto_epoch": []})

    def timed_fit(model, x, y, steps):
        timer = StepTimer()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
        assert len(timer.steps) == steps, (len(timer.steps), steps)
        return statistics.median(timer.steps), timer.times[0] / steps

    for rep in range(max(c["repeats"] for c in cases)):  # interleaved: A, B, A, B, ...
        for case in cases:
            if rep >= case["repeats"]:
                continue
            acc_model, auto_model = case["models"]
            x, y = case["data"]
            for key, model in (("acc", acc_model), ("auto", auto_model)):
                step, epoch = timed_fit(model, x, y, case["steps"])
                case[key].append(step)
                case[key + "_epoch"].append(epoch)

    out = []
    for case in cases:
        out.append({
            "jit_compile": case["jit_compile"],
            "model": case["model"],
            "steps": case["steps"],
            "repeats": case["repeats"],
            "acc_ms": spread([t * 1e3 for t in case["acc"]]),
            "auto_ms": spread([t * 1e3 for t in case["auto"]]),
            "ratio": spread(ratios(case["acc"], case["auto"])),
            "epoch_ratio": spread(ratios(case["acc_epoch"], case["auto_epoch"])),
        })
    global _WARMED_UP
    _WARMED_UP = True
    ops_count = micro = None
    if params.get("graph_ops") and keras.backend.backend() == "tensorflow":
        ops_count = graph_op_counts(keras)
        micro = metric_microbench(keras)
    return {"cases": out, "batch": BATCH, "phases": phases, "graph_ops": ops_count,
            "micro_us": micro}


def work_monitor(keras, params):
    """Section 2: fit with TruAccMonitor / fit without, fresh models per repeat."""
    import keras_truacc as truacc

    EpochTimer = _epoch_timer(keras)
    epochs, repeats = params["epochs"], params["repeats"]
    builder, shape, classes = MODELS["cnn-digits"]
    # About load_digits' size (1,797 samples, 80/20 split), rounded to whole
    # batches: a partial last batch would cost JAX one more compilation per fit.
    x, y = _data(shape, classes, 1792, seed=2)
    x_tr, y_tr, x_val, y_val = x[:1440], y[:1440], x[1440:], y[1440:]
    # (label, compiled metric, monitor options). The last is a diagnostic:
    # how much of the drop-in cost is the majority-baseline metric.
    cases = [("accuracy", lambda: "accuracy", {}), ("auto()", lambda: truacc.auto(), {})]
    if params.get("diagnostic"):
        cases.append(("accuracy, monitor baseline=False", lambda: "accuracy", {"baseline": False}))

    def one_fit(make_metric, monitor):
        keras.utils.clear_session()  # drop the previous fit's models: no drift over the run
        (model,) = _twin_models(keras, builder, [make_metric], "auto")
        timer = EpochTimer()
        callbacks = [timer]
        if monitor is not None:
            callbacks.append(truacc.TruAccMonitor(summary=False, **monitor))
        start = time.perf_counter()
        model.fit(x_tr, y_tr, validation_data=(x_val, y_val), batch_size=BATCH,
                  epochs=epochs, verbose=0, callbacks=callbacks)
        total = time.perf_counter() - start
        keys = sorted(model.history.history) if model.history else []
        return total, timer.times, keys

    # One throw-away fit so one-time backend start-up costs hit neither side
    # (not needed when section 1 already ran in this process).
    if not _WARMED_UP:
        one_fit(cases[0][1], None)
    results = {}
    for _ in range(repeats):
        for label, make_metric, monitor in cases:
            slot = results.setdefault(label, {"plain_total": [], "mon_total": [],
                                              "plain_epoch": [], "mon_epoch": []})
            t_a, ep_a, _ = one_fit(make_metric, None)
            t_b, ep_b, keys = one_fit(make_metric, monitor)
            slot["plain_total"].append(t_a)
            slot["mon_total"].append(t_b)
            slot["plain_epoch"].append(statistics.median(ep_a[1:]))
            slot["mon_epoch"].append(statistics.median(ep_b[1:]))
            slot["keys"] = keys
    out = []
    for label, slot in results.items():
        out.append({
            "compiled": label,
            "keys": slot["keys"],
            "plain_total_s": spread(slot["plain_total"]),
            "mon_total_s": spread(slot["mon_total"]),
            "plain_epoch_s": spread(slot["plain_epoch"]),
            "mon_epoch_s": spread(slot["mon_epoch"]),
            "total_ratio": spread(ratios(slot["plain_total"], slot["mon_total"])),
            "epoch_ratio": spread(ratios(slot["plain_epoch"], slot["mon_epoch"])),
        })
    return {"cases": out, "epochs": epochs, "repeats": repeats,
            "train": len(x_tr), "val": len(x_val)}


def _val_model(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _run_variant(keras, variant, model, x, y):
    import numpy as np
    import keras_truacc as truacc

    if variant == "evaluate":
        model.evaluate(x, y, batch_size=VAL_BATCH, verbose=0)
    elif variant == "evaluate+monitor":
        model.evaluate(x, y, batch_size=VAL_BATCH, verbose=0,
                       callbacks=[truacc.TruAccMonitor(summary=False)])
    elif variant == "predict+argmax":
        probs = model.predict(x, batch_size=VAL_BATCH, verbose=0)
        float(np.mean(np.argmax(probs, axis=-1) == y))
    else:
        raise ValueError(variant)


def work_valtime(keras, params):
    """Section 3, time: plain evaluate, evaluate+monitor, predict+argmax, interleaved."""
    out = []
    for size in params["sizes"]:
        x, y = _data((16,), 10, size, seed=3)
        plain = _val_model(keras)
        monitored = _val_model(keras)  # its own model: the monitor drops traced steps
        monitored.set_weights(plain.get_weights())
        models = {"evaluate": plain, "evaluate+monitor": monitored, "predict+argmax": plain}
        for variant in VAL_VARIANTS:  # warm-up: trace every step function once
            _run_variant(keras, variant, models[variant], x[:WARM_ROWS], y[:WARM_ROWS])
        times = {v: [] for v in VAL_VARIANTS}
        for _ in range(params["repeats"]):
            for variant in VAL_VARIANTS:
                start = time.perf_counter()
                _run_variant(keras, variant, models[variant], x, y)
                times[variant].append(time.perf_counter() - start)
        out.append({
            "size": size,
            "times_s": {v: spread(t) for v, t in times.items()},
            "mon_vs_plain": spread(ratios(times["evaluate"], times["evaluate+monitor"])),
            "mon_vs_predict": spread(ratios(times["predict+argmax"], times["evaluate+monitor"])),
        })
    # The monitor's fixed per-call cost: one batch, where rebuilding the step dominates.
    x, y = _data((16,), 10, VAL_BATCH, seed=4)
    plain, monitored = _val_model(keras), _val_model(keras)
    for variant, model in (("evaluate", plain), ("evaluate+monitor", monitored)):
        _run_variant(keras, variant, model, x, y)
    fixed = {"evaluate": [], "evaluate+monitor": []}
    for _ in range(params["repeats"]):
        for variant, model in (("evaluate", plain), ("evaluate+monitor", monitored)):
            start = time.perf_counter()
            _run_variant(keras, variant, model, x, y)
            fixed[variant].append(time.perf_counter() - start)
    return {"sizes": out, "one_batch_s": {v: spread(t) for v, t in fixed.items()},
            "repeats": params["repeats"], "batch": VAL_BATCH}


def _proc_status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss():
    """Reset the kernel's RSS high-water mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def work_valmem(keras, params):
    """Section 3, memory: peak RSS growth of one variant in a fresh process.

    The peak is ``ru_maxrss``; before the measured call the high-water mark is
    reset to the current RSS through ``/proc/self/clear_refs`` (so start-up and
    tracing peaks can't hide a smaller rise). Without that file the growth is
    ``ru_maxrss`` after minus ``ru_maxrss`` before, which can only under-report.
    """
    import gc
    import resource

    variant, size = params["variant"], params["size"]
    x, y = _data((16,), 10, size, seed=3)
    model = _val_model(keras)
    _run_variant(keras, variant, model, x[:WARM_ROWS], y[:WARM_ROWS])  # warm-up: traces
    gc.collect()
    reset = _reset_peak_rss()
    before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    before_rss = _proc_status_kb("VmRSS")
    start = time.perf_counter()
    _run_variant(keras, variant, model, x, y)
    seconds = time.perf_counter() - start
    after_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base = before_rss if reset else before_peak
    return {"variant": variant, "size": size, "seconds": seconds,
            "peak_growth_mb": max(0, after_peak - base) / 1024,
            "hwm_reset": reset,
            "vmhwm_growth_mb": max(0, _proc_status_kb("VmHWM") - before_rss) / 1024,
            "baseline_rss_mb": before_rss / 1024,
            "data_mb": (x.nbytes + y.nbytes) / 2**20}


def work_counters(keras, params):
    """Section 4: feed all-correct 2-class rows past 2**24 and find the first wrong count."""
    import numpy as np
    from keras import ops

    import keras_truacc as truacc

    big = 2**22
    y_pred_all = np.tile(np.array([[1.0, 0.0]], dtype="float32"), (big, 1))
    y_true_all = np.zeros((big,), dtype="int32")

    keras_metric = keras.metrics.SparseCategoricalAccuracy()
    ours = truacc.auto(task="multiclass")

    def value(v):
        return float(ops.convert_to_numpy(v))

    first_wrong = {"keras_count": None, "keras_result_x_count": None,
                   "truacc_total": None, "truacc_correct": None}
    where = {}
    true_count = 0
    checks = 0

    def feed(rows):
        nonlocal true_count, checks
        yt, yp = y_true_all[:rows], y_pred_all[:rows]
        keras_metric.update_state(yt, yp)
        ours.update_state(yt, yp)
        true_count += rows
        checks += 1
        k_count = value(keras_metric.count)
        k_result = value(keras_metric.result())
        counts = ours.counts()
        seen = {
            "keras_count": k_count,
            "keras_result_x_count": float(np.float32(k_result)) * k_count,
            "truacc_total": counts["total"],
            "truacc_correct": counts["correct"],
        }
        for key, got in seen.items():
            if first_wrong[key] is None and got != true_count:
                first_wrong[key] = true_count
                where[key] = got

    # Odd big batches (2**22 - 1 rows), so the low part of the exact counter
    # never holds a round number; single rows across each crossing point.
    for crossing in params["crossings"]:
        while crossing - 4 - true_count >= big - 1:
            feed(big - 1)
        if crossing - 4 - true_count > 0:
            feed(crossing - 4 - true_count)
        for _ in range(12):
            feed(1)
    return {"first_wrong": first_wrong, "value_there": where,
            "max_checked": true_count, "checks": checks,
            "keras_metric": type(keras_metric).__name__}


WORKERS = {
    "metric": work_metric,
    "monitor": work_monitor,
    "valtime": work_valtime,
    "valmem": work_valmem,
    "counters": work_counters,
}


def worker_main(args):
    keras = _keras()
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
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", ",".join(tasks),
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
    log(f"  {backend:<10} {','.join(tasks):<24} {seconds:6.1f}s")
    return result


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


def fmt_spread(s, digits=3):
    return (f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}] "
            f"(IQR {s['q1']:.{digits}f}–{s['q3']:.{digits}f})")


def status(ok):
    return "met" if ok else "**missed**"


def render(results, mode, command, elapsed, info, cfg, load):
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
        "Targets are compared, never asserted.")
    add("")

    # ---- summary of targets -------------------------------------------------
    metric_rows = [(b, c) for b in BACKENDS for c in results["metric"][b]["cases"]]
    worst_metric = max(metric_rows, key=lambda bc: bc[1]["ratio"]["median"])
    metric_ok = all(c["ratio"]["median"] <= STEP_TARGET for _, c in metric_rows)
    n_missed = sum(c["ratio"]["median"] > STEP_TARGET for _, c in metric_rows)
    dropin = [(b, c) for b in BACKENDS for c in results["monitor"][b]["cases"]
              if c["compiled"] == "accuracy"]
    dropin_ok = all(c["total_ratio"]["median"] <= MONITOR_TARGET for _, c in dropin)
    mem = memory_summary(results["valmem"])
    add("## Targets")
    add("")
    add("| Target | Measured | Status |")
    add("|---|---|---|")
    add(f"| Step-time ratio auto() / 'accuracy' ≤ {STEP_TARGET} (median, every backend, model "
        f"and jit_compile) | worst median {worst_metric[1]['ratio']['median']:.3f} "
        f"({worst_metric[0]}, {worst_metric[1]['model']}, "
        f"jit_compile={worst_metric[1]['jit_compile']}); {len(metric_rows) - n_missed} of "
        f"{len(metric_rows)} configurations within target; the IQR of "
        f"{sum(c['ratio']['q1'] <= STEP_TARGET <= c['ratio']['q3'] for _, c in metric_rows)} of "
        f"{len(metric_rows)} contains {STEP_TARGET} (a 3% difference is within this machine's "
        f"noise) | {status(metric_ok)} |")
    add(f"| Drop-in monitor fit-time ratio ≤ {MONITOR_TARGET} (compiled with 'accuracy', "
        "median total fit time) | "
        + "; ".join(f"{b}: {c['total_ratio']['median']:.3f} total fit (IQR "
                    f"{c['total_ratio']['q1']:.3f}–{c['total_ratio']['q3']:.3f}), "
                    f"{c['epoch_ratio']['median']:.3f} per steady epoch" for b, c in dropin)
        + f" | {status(dropin_ok)} |")
    for backend, m in mem.items():
        add(f"| Monitor per-epoch memory doesn't grow with validation size while "
            f"predict+argmax grows linearly ({backend}) | {m['text']} | {status(m['ok'])} |")
    add("")

    # ---- 1 --------------------------------------------------------------------
    mcfg = cfg["metric"]
    add("## 1. Metric overhead: time per training step, `truacc.auto()` vs `'accuracy'`")
    add("")
    add(f"Method: per configuration, two models with identical initial weights, compiled with "
        f"`metrics=['accuracy']` (A) and `metrics=[truacc.auto()]` (B), optimizer adam, sparse "
        f"categorical cross-entropy. Each is warmed up with a {mcfg['warmup_steps']}-step `fit` "
        f"(tracing and XLA compilation excluded), then timed with `model.fit(epochs=1, "
        f"batch_size={BATCH}, shuffle=False, verbose=0)` over a fixed number of steps, "
        f"A/B interleaved at the level of short fits, so both sides of a pair run within a "
        f"fraction of a second of each other. The step time of one fit is the MEDIAN of its "
        f"per-step times (on_train_batch_begin to on_train_batch_end, robust to a neighbour "
        f"process stealing the CPU for a moment); Keras converts each step's logs to Python floats "
        f"before on_train_batch_end, so on JAX the time includes the computation, not only its "
        f"dispatch. The last column is the cruder check: each fit's epoch wall time / steps "
        f"(includes Keras's per-step Python loop, the same for A and B). Data: random, shaped like "
        f"sklearn's load_digits (8x8x1, 10 classes) for the CNN (Conv 16, pool, Conv 32, Dense 64, "
        f"Dense 10), 64 features / 1,000 classes for the MLP (Dense 256, Dense 1000). On JAX, "
        f"`jit_compile=False` runs the step op by op (eager), so it gets fewer steps and repeats. "
        f"Why `fit` and not a `train_on_batch` loop: `train_on_batch` resets the metrics on "
        f"every call (a cost `fit` pays once per epoch, and larger for auto()'s six variables than "
        f"for 'accuracy''s two), so it would charge auto() for something users don't pay.")
    add("")
    add("| Backend | jit_compile | Model | Steps/fit | Repeats | 'accuracy' ms/step | "
        f"auto() ms/step | Ratio auto()/'accuracy': median [min–max] (IQR) | ≤ {STEP_TARGET} | "
        "Epoch-wall ratio: median [min–max] |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for backend, c in metric_rows:
        e = c["epoch_ratio"]
        add(f"| {backend} | {c['jit_compile']} | {c['model']} | {c['steps']} | {c['repeats']} | "
            f"{c['acc_ms']['median']:.3f} | {c['auto_ms']['median']:.3f} | "
            f"{fmt_spread(c['ratio'])} | {status(c['ratio']['median'] <= STEP_TARGET)} | "
            f"{e['median']:.3f} [{e['min']:.3f}–{e['max']:.3f}] |")
    add("")

    ops_count = results["metric"]["tensorflow"].get("graph_ops")
    if ops_count:
        base = ops_count["'accuracy'"]
        add("Graph size, for scale (TensorFlow, one traced train step of the CNN, "
            "`len(graph.get_operations())`): "
            + ", ".join(f"{k} {v}" + (f" ({v - base:+d})" if k != "'accuracy'" else "")
                        for k, v in ops_count.items())
            + ". Each extra op costs the TensorFlow executor a few microseconds per step on a "
            "CPU, which is a visible share of a 2–4 ms step.")
        add("")
    micro = results["metric"]["tensorflow"].get("micro_us")
    if micro:
        add("The metric alone (TensorFlow graph, no XLA: `update_state` + `result` in a "
            f"`tf.function`, batch {BATCH}, sparse labels; median of interleaved blocks of 200 "
            "calls; µs per call minus the empty-function call overhead):")
        add("")
        add("| Classes | 'accuracy' (µs) | auto() (µs) | auto() extra (µs) | TrueAccuracy + "
            "MajorityBaseline, what the monitor adds (µs) | empty tf.function overhead (µs) |")
        add("|---|---|---|---|---|---|")
        for classes, m in micro.items():
            empty = m["nothing"]
            acc, auto_us = m["'accuracy'"] - empty, m["auto()"] - empty
            mon = m["TrueAccuracy + MajorityBaseline (monitor)"] - empty
            add(f"| {int(classes):,} | {acc:.0f} | {auto_us:.0f} | {auto_us - acc:+.0f} | "
                f"{mon:.0f} | {empty:.0f} |")
        add("")

    # ---- 2 --------------------------------------------------------------------
    mon = results["monitor"]["tensorflow"]
    add("## 2. Monitor overhead: `fit` with `TruAccMonitor(summary=False)` vs without")
    add("")
    add(f"Method: the CNN above on {mon['train']:,} training and {mon['val']} validation rows "
        f"(about load_digits' 1,797, 80/20, rounded to whole batches), batch {BATCH}, "
        f"{mon['epochs']} epochs with `validation_data`, default `jit_compile` ('auto': no XLA "
        f"with TensorFlow on a CPU, jit on JAX). Every fit gets freshly built and compiled models "
        f"with identical weights, so both sides pay their first trace/compilation (the monitor "
        f"swaps in its train function at on_train_begin, before the first trace, so nothing is "
        f"traced twice). 'Total' is the whole `fit` call; 'steady epoch' is the median epoch "
        f"wall time (validation included) from epoch 2 on, from a timing callback with only "
        f"epoch hooks. Each fit starts with `keras.utils.clear_session()`. {mon['repeats']} "
        "interleaved repeats (without, with, without, with, ...).")
    add("")
    add("| Backend | Compiled with | fit without monitor (s) | Total fit ratio: median [min–max] "
        "(IQR) | Steady epoch without → with (ms) | Steady-epoch ratio: median [min–max] (IQR) "
        f"| Total ≤ {MONITOR_TARGET} |")
    add("|---|---|---|---|---|---|---|")
    for backend in BACKENDS:
        for c in results["monitor"][backend]["cases"]:
            target = status(c["total_ratio"]["median"] <= MONITOR_TARGET)
            if c["compiled"] != "accuracy":
                drop_in = c["compiled"] == "auto()"
                target += " (not the drop-in case)" if drop_in else " (diagnostic)"
            add(f"| {backend} | {c['compiled']} | {c['plain_total_s']['median']:.2f} | "
                f"{fmt_spread(c['total_ratio'])} | {c['plain_epoch_s']['median'] * 1e3:.0f} → "
                f"{c['mon_epoch_s']['median'] * 1e3:.0f} | {fmt_spread(c['epoch_ratio'])} | "
                f"{target} |")
    add("")
    add("Keys the monitored fit logged: "
        + ", ".join(f"`{k}`" for k in results["monitor"]["tensorflow"]["cases"][0]["keys"]) + ".")
    add("")

    # ---- 3 --------------------------------------------------------------------
    add("## 3. The monitor's validation pass vs `predict` + numpy argmax")
    add("")
    add(f"Model: `Dense(10, softmax)` on 16 features, sparse labels, batch {VAL_BATCH} for every "
        f"variant. Variants: `model.evaluate(x_val, y_val)` (plain), the same with "
        f"`callbacks=[TruAccMonitor(summary=False)]` (its own model with the same weights, since "
        f"the monitor drops the traced step functions when it detaches), and "
        f"`model.predict(x_val)` + `np.mean(np.argmax(p, -1) == y_val)`.")
    add("")
    for backend, vt in results["valtime"].items():
        add(f"### Time, {backend} ({vt['repeats']} interleaved repeats after a warm-up that "
            "traces every step function)")
        add("")
        add("Standalone `evaluate(callbacks=[TruAccMonitor()])` attaches and rebuilds the test "
            "function on every call (a retrace on TensorFlow, a recompilation on JAX); inside "
            "`fit` that happens once per fit, not per epoch. The one-batch row shows that fixed "
            "cost.")
        add("")
        add("| Validation rows | evaluate (s) | evaluate+monitor (s) | predict+argmax (s) | "
            "evaluate+monitor / evaluate: median [min–max] (IQR) | evaluate+monitor / "
            "predict+argmax: median [min–max] (IQR) |")
        add("|---|---|---|---|---|---|")
        ob = vt["one_batch_s"]
        add(f"| {VAL_BATCH:,} (one batch) | {ob['evaluate']['median']:.3f} | "
            f"{ob['evaluate+monitor']['median']:.3f} | – | "
            f"{ob['evaluate+monitor']['median'] / ob['evaluate']['median']:.2f} (ratio of "
            "medians) | – |")
        for row in vt["sizes"]:
            t = row["times_s"]
            add(f"| {row['size']:,} | {t['evaluate']['median']:.3f} | "
                f"{t['evaluate+monitor']['median']:.3f} | {t['predict+argmax']['median']:.3f} | "
                f"{fmt_spread(row['mon_vs_plain'], 2)} | {fmt_spread(row['mon_vs_predict'], 2)} |")
        fits = time_fits(vt)
        add("| slope, s per 1M rows (intercept, s) | "
            + " | ".join(f"{fits[v][0]:.3f} ({fits[v][1]:.3f})" for v in VAL_VARIANTS)
            + f" | {fits['evaluate+monitor'][0] / fits['evaluate'][0]:.2f} (ratio of slopes) | "
            f"{fits['evaluate+monitor'][0] / fits['predict+argmax'][0]:.2f} (ratio of slopes) |")
        add("")
        add(f"The slope is the cost that grows with the validation set (least squares over the "
            f"medians); the intercept is the per-call fixed cost, mostly the rebuilt test step "
            f"for evaluate+monitor. On {backend} the monitor's validation pass costs "
            f"{fits['evaluate+monitor'][0] - fits['evaluate'][0]:+.3f} s per 1M rows over plain "
            f"evaluate, and {fits['evaluate+monitor'][0] - fits['predict+argmax'][0]:+.3f} s per "
            f"1M rows over predict+argmax.")
        add("")
    add("### Peak memory (RSS growth; every cell is a fresh process)")
    add("")
    add("Each cell: a new subprocess builds the model, allocates x_val/y_val, runs the variant "
        f"once on {WARM_ROWS:,} rows (tracing), resets the kernel's RSS high-water mark to the "
        "current RSS "
        "(`/proc/self/clear_refs`), runs the variant once on the whole validation set and reports "
        "`ru_maxrss` minus the RSS before the call. x_val/y_val are allocated before the baseline "
        "and not counted (their size is shown). 'Monitor extra' is evaluate+monitor minus plain "
        "evaluate: the monitor's own share. The slope is a least-squares fit of growth against "
        f"rows. {cfg['mem_repeats']} fresh process(es) per cell"
        + ("; the median is shown, (min–max) after it." if cfg["mem_repeats"] > 1 else ".")
        + " On JAX the monitored call includes recompiling the test step (the monitor rebuilds "
        "it), a fixed few MB.")
    add("")
    for backend, rows in results["valmem"].items():
        add(f"| {backend}: validation rows | x_val+y_val (MB) | evaluate (MB) | "
            "evaluate+monitor (MB) | predict+argmax (MB) | monitor extra (MB) |")
        add("|---|---|---|---|---|---|")
        by_size = {}
        for r in rows:
            by_size.setdefault(r["size"], {})[r["variant"]] = r
        for size in sorted(by_size):
            cell = by_size[size]
            extra = cell["evaluate+monitor"]["peak_growth_mb"] - cell["evaluate"]["peak_growth_mb"]
            add(f"| {size:,} | {cell['evaluate']['data_mb']:.1f} | "
                + " | ".join(mem_cell(cell[v]) for v in VAL_VARIANTS) + f" | {extra:+.1f} |")
        m = mem[backend]
        add(f"| slope, MB per 1M rows | | {m['slope']['evaluate']:.1f} | "
            f"{m['slope']['evaluate+monitor']:.1f} | {m['slope']['predict+argmax']:.1f} | "
            f"{m['slope']['evaluate+monitor'] - m['slope']['evaluate']:+.1f} |")
        add("")
        if m["slope"]["evaluate"] > 0.5 * m["data_mb_per_m"]:
            add(f"On {backend}, plain `evaluate` itself grows with the validation set "
                f"({m['slope']['evaluate']:.0f} MB per 1M rows, against "
                f"{m['data_mb_per_m']:.0f} MB of x_val+y_val per 1M rows): Keras's array data "
                "adapter converts the whole numpy arrays to TensorFlow tensors for its tf.data "
                "pipeline "
                "(`convert_to_sliceable`, `Dataset.from_tensors`), a copy of the data. "
                "That cost is there with or without the monitor; the monitor's own share is the "
                "last column.")
            add("")

    # ---- 4 --------------------------------------------------------------------
    add("## 4. Counter exactness")
    add("")
    c0 = results["counters"]["tensorflow"]
    add("Method: standalone metrics fed all-correct rows of 2 classes (`y_pred=[1, 0]`, "
        "`y_true=0`) in eager mode: batches of 2**22 − 1 rows (odd, so no total lands on a round "
        "number), then 12 single rows across each crossing point "
        f"({', '.join('2**%d' % (p.bit_length() - 1) for p in cfg['count_crossings'])}), starting "
        "4 below it; after every update the count is compared with the true number of rows fed. "
        f"Keras: `{c0['keras_metric']}` (what `'accuracy'` becomes for sparse labels; a "
        "float32 `Mean`), its `count` variable and `result() * count`. truacc: "
        "`truacc.auto(task='multiclass').counts()`.")
    add("")
    add("| Counter | Backend | First wrong count | It reported | Exact up to |")
    add("|---|---|---|---|---|")
    names = {
        "keras_count": "Keras SparseCategoricalAccuracy `count`",
        "keras_result_x_count": "Keras SparseCategoricalAccuracy `result() * count`",
        "truacc_total": "truacc.auto() `counts()['total']`",
        "truacc_correct": "truacc.auto() `counts()['correct']`",
    }
    for key, label in names.items():
        for backend in BACKENDS:
            c = results["counters"][backend]
            first = c["first_wrong"][key]
            if first is None:
                add(f"| {label} | {backend} | none seen | – | at least {c['max_checked']:,} "
                    f"(every one of {c['checks']} updates checked) |")
            else:
                add(f"| {label} | {backend} | {first:,} (2**24 + {first - 2**24}) | "
                    f"{c['value_there'][key]:,.0f} | {first - 1:,} |")
    add("")
    add("Worker wall times: " + ", ".join(
        f"{sec}/{b} {results[sec][b]['worker_seconds']:.0f} s"
        for sec in ("metric", "monitor", "valtime", "counters") for b in results[sec]) + ".")
    add("")
    return "\n".join(lines)


def mem_cell(r):
    samples = r.get("samples_mb", [r["peak_growth_mb"]])
    if len(samples) == 1:
        return f"{r['peak_growth_mb']:.1f}"
    return f"{r['peak_growth_mb']:.1f} ({min(samples):.1f}–{max(samples):.1f})"


def time_fits(vt):
    """(slope in s per 1M rows, intercept in s) of median time against rows, per variant."""
    import numpy as np

    rows = np.array([r["size"] for r in vt["sizes"]], dtype=float) / 1e6
    out = {}
    for variant in VAL_VARIANTS:
        t = np.array([r["times_s"][variant]["median"] for r in vt["sizes"]])
        slope, intercept = np.polyfit(rows, t, 1)
        out[variant] = (float(slope), float(intercept))
    return out


def memory_summary(valmem):
    """Slopes (MB per 1M rows) and the flat/linear verdict per backend."""
    import numpy as np

    out = {}
    for backend, rows in valmem.items():
        slope = {}
        growth = {}
        for variant in VAL_VARIANTS:
            pts = sorted((r["size"], r["peak_growth_mb"]) for r in rows if r["variant"] == variant)
            n = np.array([p[0] for p in pts], dtype=float)
            g = np.array([p[1] for p in pts], dtype=float)
            slope[variant] = float(np.polyfit(n / 1e6, g, 1)[0]) if len(pts) > 1 else 0.0
            growth[variant] = pts
        sizes = [p[0] for p in growth["evaluate"]]
        extras = [m[1] - e[1] for m, e in zip(growth["evaluate+monitor"], growth["evaluate"])]
        predict_top = growth["predict+argmax"][-1][1]
        # Output array (N x 10 float32) is the least predict must hold.
        floor_mb = sizes[-1] * 10 * 4 / 2**20
        # Flat: the monitor's extra over plain evaluate rises by at most 5 MB
        # from the smallest size to the largest.
        allowance = 5.0
        monitor_flat = extras[-1] - extras[0] <= allowance
        predict_linear = predict_top >= 0.9 * floor_mb and slope["predict+argmax"] > 0
        data = sorted((r["size"], r["data_mb"]) for r in rows if r["variant"] == "evaluate")
        out[backend] = {
            "slope": slope,
            "data_mb_per_m": data[-1][1] / data[-1][0] * 1e6,
            "ok": bool(monitor_flat and predict_linear),
            "text": (f"monitor's extra peak RSS over plain evaluate (flat = rises by "
                     f"≤ {allowance:.1f} MB from the smallest to the largest size): "
                     + ", ".join(f"{e:+.1f} MB at {s:,}" for s, e in zip(sizes, extras))
                     + f"; predict+argmax {predict_top:.1f} MB at {sizes[-1]:,} rows "
                     f"(its N x 10 float32 output alone is {floor_mb:.1f} MB); slopes per 1M "
                     f"rows: evaluate {slope['evaluate']:.1f}, evaluate+monitor "
                     f"{slope['evaluate+monitor']:.1f}, predict+argmax "
                     f"{slope['predict+argmax']:.1f} MB"),
        }
    return out


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
    results = {"metric": {}, "monitor": {}, "valtime": {}, "counters": {}, "valmem": {}}
    params = {
        "metric": cfg["metric"],
        "monitor": cfg["monitor"],
        "valtime": {"sizes": cfg["val_sizes"], "repeats": cfg["val_repeats"]},
        "counters": {"crossings": cfg["count_crossings"]},
    }
    # Timed work: one subprocess per backend, one at a time, so nothing else
    # competes for the cores. The exactness check (untimed) runs last in it.
    for backend in BACKENDS:
        tasks = ["metric", "monitor"] + (["valtime"] if backend in cfg["val_backends"] else [])
        tasks.append("counters")
        res = run_worker(backend, tasks, params, log)
        for task in tasks:
            results[task][backend] = res[task]
    # Memory: a fresh subprocess per (variant, size); two at a time, since
    # peak RSS doesn't depend on CPU contention.
    jobs = []
    for _ in range(cfg["mem_repeats"]):
        for backend in cfg["mem_backends"]:
            for size in cfg["val_sizes"]:
                for variant in VAL_VARIANTS:
                    job = {"valmem": {"variant": variant, "size": size}}
                    jobs.append((backend, ["valmem"], job))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: (job, run_worker(*job, log)), jobs))
    cells = {}
    for (backend, _, _), res in done:
        r = res["valmem"]
        cells.setdefault((backend, r["variant"], r["size"]), []).append(r)
    for (backend, variant, size), runs in cells.items():
        growth = [r["peak_growth_mb"] for r in runs]
        merged = dict(runs[0], peak_growth_mb=statistics.median(growth), samples_mb=growth)
        results["valmem"].setdefault(backend, []).append(merged)
    elapsed = time.perf_counter() - started
    text = render(results, mode, command, elapsed, machine_info(), cfg,
                  (load_start, os.getloadavg()[0]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    raw = out.with_suffix(".json")
    if args.raw:
        raw.write_text(json.dumps(results, indent=1))
    print(text)
    log(f"wrote {out} in {elapsed:.0f}s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run (about 2 minutes)")
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


if __name__ == "__main__":
    main()
