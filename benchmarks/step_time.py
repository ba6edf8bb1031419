"""Study 1: time per training step, ``truacc.auto()`` vs ``'accuracy'``.

Per configuration (backend, ``jit_compile``, model), two models with identical
initial weights, compiled with ``metrics=['accuracy']`` (A) and
``metrics=[truacc.auto()]`` (B), each warmed up, then timed with short
interleaved ``fit`` calls (A, B, A, B, ...). Per fit: the median step time, and
the epoch's wall and CPU time per step (the steady-epoch figures). TensorFlow
only, full mode: the metric alone in a ``tf.function`` and the graph size of
the CNN's train step.
"""

from __future__ import annotations

import statistics
import time

from benchmarks import models as M
from benchmarks.timing import (
    fmt_range,
    fmt_spread,
    interleave,
    ratios,
    spread,
    status,
    step_timer,
)

STEP_TARGET = 1.03  # step-time ratio auto() / 'accuracy' (the first benchmark issue)
EPOCH_TARGET = 1.01  # steady-epoch ratio auto() / 'accuracy', wall and CPU (issue 12)
TASK = "metric"


def configurations(backend, params):
    """``[(jit_compile, model name, steps, repeats)]`` for one backend."""
    out = []
    resnet = params.get("resnet") or {}
    for jit in (False, True):
        # On JAX, jit_compile=False runs the train step op by op (eager):
        # far slower per step, so fewer steps per timed fit.
        kind = "eager" if (jit is False and backend == "jax") else "graph"
        for name in M.TINY_MODELS:
            out.append((jit, name, params["steps"][kind], params["repeats"][kind]))
        if jit in resnet.get("jit", {}).get(backend, ()):
            out.append((jit, "resnet-cifar", resnet["steps"], resnet["repeats"]))
    return out


def work(keras, params):
    """Worker: step time with auto() / step time with 'accuracy', every configuration."""
    import keras_truacc as truacc

    backend = keras.backend.backend()
    StepTimer = step_timer(keras)
    warmup = params["warmup_steps"]
    cases = []
    phases = {}
    t0 = time.perf_counter()
    for jit, name, steps, repeats in configurations(backend, params):
        builder, shape, classes, _ = M.MODELS[name]
        acc_model, auto_model = M.twin_models(
            keras, builder, [lambda: "accuracy", lambda: truacc.auto()], jit
        )
        x, y = M.data(shape, classes, steps * M.BATCH, seed=1)
        for model in (acc_model, auto_model):  # warm-up: traces/compiles the step
            model.fit(x[: warmup * M.BATCH], y[: warmup * M.BATCH], batch_size=M.BATCH,
                      epochs=1, verbose=0, shuffle=False)
        phases[f"warm-up jit={jit} {name}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cases.append({"jit_compile": jit, "model": name, "steps": steps, "repeats": repeats,
                      "models": {"acc": acc_model, "auto": auto_model}, "data": (x, y)})

    def timed_fit(side):
        index, key = side
        case = cases[index]
        x, y = case["data"]
        timer = StepTimer()
        case["models"][key].fit(x, y, batch_size=M.BATCH, epochs=1, verbose=0, shuffle=False,
                                callbacks=[timer])
        steps = case["steps"]
        assert len(timer.steps) == steps, (len(timer.steps), steps)
        return (statistics.median(timer.steps), timer.times[0] / steps,
                timer.cpu_times[0] / steps)

    sides = [(i, key) for i in range(len(cases)) for key in ("acc", "auto")]
    runs = interleave(sides, {s: cases[s[0]]["repeats"] for s in sides}, timed_fit)

    out = []
    for i, case in enumerate(cases):
        acc, auto = runs[(i, "acc")], runs[(i, "auto")]
        col = lambda rows, k: [r[k] for r in rows]  # noqa: E731
        out.append({
            "jit_compile": case["jit_compile"],
            "model": case["model"],
            "steps": case["steps"],
            "repeats": case["repeats"],
            "acc_ms": spread([t * 1e3 for t in col(acc, 0)]),
            "auto_ms": spread([t * 1e3 for t in col(auto, 0)]),
            "ratio": spread(ratios(col(acc, 0), col(auto, 0))),
            "epoch_ratio": spread(ratios(col(acc, 1), col(auto, 1))),
            "epoch_cpu_ratio": spread(ratios(col(acc, 2), col(auto, 2))),
        })
    M.WARMED_UP.update(case["model"] for case in cases)
    ops_count = micro = None
    if params.get("graph_ops") and backend == "tensorflow":
        ops_count = cnn_graph_ops(keras)
        micro = metric_microbench(keras)
    return {"cases": out, "batch": M.BATCH, "phases": phases, "graph_ops": ops_count,
            "micro_us": micro}


def cnn_graph_ops(keras):
    """TensorFlow only: ops in the CNN's executed train step, per setup (see ``ops``)."""
    import keras_truacc as truacc
    from benchmarks import ops

    x, y = M.data((8, 8, 1), 10, M.BATCH, seed=5)
    setups = {
        "'accuracy'": (lambda: "accuracy", None),
        "auto()": (lambda: truacc.auto(), None),
        "'accuracy' + TruAccMonitor": (lambda: "accuracy", {}),
        "'accuracy' + TruAccMonitor(baseline=False)": (lambda: "accuracy", {"baseline": False}),
    }
    counts = {}
    for label, (make_metric, monitor) in setups.items():
        (model,) = M.twin_models(keras, M.build_cnn, [make_metric], False)
        callbacks = [] if monitor is None else [truacc.TruAccMonitor(summary=False, **monitor)]
        counts[label] = ops.tf_train_step_ops(model, x, y, callbacks)["ops"]
    return counts


MONITOR_METRICS = "TrueAccuracy + MajorityBaseline (monitor)"
XLA_UPDATE = "the same, update_state XLA-compiled"


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
        y_pred = tf.constant(rng.random((M.BATCH, classes), dtype=np.float32))
        y_true = tf.constant(rng.integers(0, classes, M.BATCH).astype("int32"))

        def make(kind):
            if kind == "nothing":
                metrics = []
            elif kind == "'accuracy'":
                metrics = [keras.metrics.SparseCategoricalAccuracy()]
            elif kind == "auto()":
                metrics = [truacc.auto(task="multiclass")]
            else:  # what the drop-in monitor adds: a TrueAccuracy and its baseline
                acc = truacc.TrueAccuracy(task="multiclass", data_checks=True,
                                          class_counts=classes, weights_are_masks=True)
                metrics = [acc, MajorityBaseline(classes, companion=acc)]
            # An experiment, not what the package does: the same update compiled by XLA
            # as one cluster inside the plain graph (one launch instead of its ops).
            updates = [tf.function(m.update_state, jit_compile=True, autograph=False)
                       if kind == XLA_UPDATE
                       else m.update_state for m in metrics]

            @tf.function
            def step(a, b):
                for update in updates:
                    update(a, b)
                return [metric.result() for metric in metrics] or tf.constant(0.0)

            step(y_true, y_pred)  # trace
            return step

        kinds = ("nothing", "'accuracy'", "auto()", MONITOR_METRICS, XLA_UPDATE)
        steps = {k: make(k) for k in kinds}

        def block(kind):
            step = steps[kind]
            start = time.perf_counter()
            for _ in range(calls):
                step(y_true, y_pred)
            return (time.perf_counter() - start) / calls * 1e6

        times = interleave(list(kinds), blocks, block)
        out[str(classes)] = {k: statistics.median(v) for k, v in times.items()}
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _rows(results, backends):
    return [(b, c) for b in backends for c in results[TASK][b]["cases"]]


def _epoch_ok(c):
    return max(c["epoch_ratio"]["median"], c["epoch_cpu_ratio"]["median"]) <= EPOCH_TARGET


def targets(results, backends):
    """Rows of the Targets table: ``(target, measured, ok)``."""
    rows = _rows(results, backends)
    worst = max(rows, key=lambda bc: bc[1]["ratio"]["median"])
    n_missed = sum(c["ratio"]["median"] > STEP_TARGET for _, c in rows)
    in_iqr = sum(c["ratio"]["q1"] <= STEP_TARGET <= c["ratio"]["q3"] for _, c in rows)
    out = [(
        (f"Step-time ratio auto() / 'accuracy' ≤ {STEP_TARGET} (median, every backend, model "
        "and jit_compile)"),
        (f"worst median {worst[1]['ratio']['median']:.3f} ({worst[0]}, {worst[1]['model']}, "
        f"jit_compile={worst[1]['jit_compile']}); {len(rows) - n_missed} of {len(rows)} "
        f"configurations within target; the IQR of {in_iqr} of {len(rows)} contains "
        f"{STEP_TARGET} (a 3% difference is within this machine's noise)"),
        n_missed == 0,
    )]
    worst_wall = max(rows, key=lambda bc: bc[1]["epoch_ratio"]["median"])
    worst_cpu = max(rows, key=lambda bc: bc[1]["epoch_cpu_ratio"]["median"])
    n_ok = sum(_epoch_ok(c) for _, c in rows)
    reps = sorted({c["repeats"] for _, c in rows})
    out.append((
        (f"Steady-epoch ratio auto() / 'accuracy' ≤ {EPOCH_TARGET}, wall and CPU time (median "
        "of the interleaved repeats, every backend, model and jit_compile; issue 12)"),
        (f"worst wall median {worst_wall[1]['epoch_ratio']['median']:.3f} ({worst_wall[0]}, "
        f"{worst_wall[1]['model']}, jit_compile={worst_wall[1]['jit_compile']}), worst CPU "
        f"median {worst_cpu[1]['epoch_cpu_ratio']['median']:.3f} ({worst_cpu[0]}, "
        f"{worst_cpu[1]['model']}, jit_compile={worst_cpu[1]['jit_compile']}); {n_ok} of "
        f"{len(rows)} configurations within target on both; "
        f"{'/'.join(str(r) for r in reps)} repeats"),
        n_ok == len(rows),
    ))
    return out


def section(results, cfg, backends):
    mcfg = cfg["metric"]
    lines = []
    add = lines.append
    resnet = mcfg.get("resnet") or {}
    resnet_where = "; ".join(
        f"{b} jit_compile={', '.join(str(j) for j in resnet.get('jit', {}).get(b, ())) or 'none'}"
        for b in backends)
    add("## 1. Metric overhead: time per training step, `truacc.auto()` vs `'accuracy'`")
    add("")
    add(f"Method: per configuration, two models with identical initial weights, compiled with "
        f"`metrics=['accuracy']` (A) and `metrics=[truacc.auto()]` (B), optimizer adam, sparse "
        f"categorical cross-entropy. Each is warmed up with a {mcfg['warmup_steps']}-step `fit` "
        f"(tracing and XLA compilation excluded), then timed with `model.fit(epochs=1, "
        f"batch_size={M.BATCH}, shuffle=False, verbose=0)` over a fixed number of steps, "
        f"A/B interleaved at the level of short fits, so both sides of a pair run within a "
        f"fraction of a second of each other. The step time of one fit is the MEDIAN of its "
        f"per-step times (on_train_batch_begin to on_train_batch_end, robust to a neighbour "
        f"process stealing the CPU for a moment); Keras converts each step's logs to Python floats "
        f"before on_train_batch_end, so on JAX the time includes the computation, not only its "
        f"dispatch. The last columns are the steady-epoch figures: each fit's epoch (a warmed-up "
        f"model: nothing traced) wall time / steps and the process's CPU time (every thread) / "
        f"steps, on_epoch_begin to on_epoch_end (includes Keras's per-step Python loop, the same "
        f"for A and B); CPU time is what a neighbour process can't inflate by taking the core. "
        f"Data: random, shaped like sklearn's load_digits (8x8x1, 10 classes) for the CNN (Conv "
        f"16, pool, Conv 32, Dense 64, Dense 10), 64 features / 1,000 classes for the MLP (Dense "
        f"256, Dense 1000), CIFAR-10's 32x32x3 / 10 classes for the ResNet "
        f"({M.MODELS['resnet-cifar'][3].split(': ', 1)[1]}). On JAX, `jit_compile=False` runs the "
        f"step op by op (eager), so it gets fewer steps and repeats; the ResNet, at tens of "
        f"milliseconds per step, gets fewer steps and repeats too, and runs with "
        f"{resnet_where} (eager JAX at about 200 ms per ResNet step is nobody's training setup). "
        f"Why `fit` and not a `train_on_batch` loop: `train_on_batch` resets the metrics on "
        f"every call (a cost `fit` pays once per epoch), so it would charge each metric's reset "
        f"to every step.")
    add("")
    add("| Backend | jit_compile | Model | Steps/fit | Repeats | 'accuracy' ms/step | "
        f"auto() ms/step | Ratio auto()/'accuracy': median [min–max] (IQR) | ≤ {STEP_TARGET} | "
        "Epoch-wall ratio: median [min–max] | Epoch-CPU ratio: median [min–max] | "
        f"Epoch wall and CPU ≤ {EPOCH_TARGET} |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend, c in _rows(results, backends):
        add(f"| {backend} | {c['jit_compile']} | {c['model']} | {c['steps']} | {c['repeats']} | "
            f"{c['acc_ms']['median']:.3f} | {c['auto_ms']['median']:.3f} | "
            f"{fmt_spread(c['ratio'])} | {status(c['ratio']['median'] <= STEP_TARGET)} | "
            f"{fmt_range(c['epoch_ratio'])} | {fmt_range(c['epoch_cpu_ratio'])} | "
            f"{status(_epoch_ok(c))} |")
    add("")

    tf_res = results[TASK].get("tensorflow", {})
    ops_count = tf_res.get("graph_ops")
    if ops_count:
        base = ops_count["'accuracy'"]
        add("Graph size, for scale (TensorFlow, the CNN's executed train step, counted as in "
            "section 5: ops in the step graph Keras runs each step, nested function bodies "
            "included): "
            + ", ".join(f"{k} {v}" + (f" ({v - base:+d})" if k != "'accuracy'" else "")
                        for k, v in ops_count.items())
            + ". Each extra op costs the TensorFlow executor a few microseconds per step on a "
            "CPU, which is a visible share of a 2–4 ms step.")
        add("")
    micro = tf_res.get("micro_us")
    if micro:
        add("The metric alone (TensorFlow graph, no XLA: `update_state` + `result` in a "
            f"`tf.function`, batch {M.BATCH}, sparse labels; median of interleaved blocks of 200 "
            "calls; µs per call minus the empty-function call overhead):")
        add("")
        add("| Classes | 'accuracy' (µs) | auto() (µs) | auto() extra (µs) | TrueAccuracy + "
            "MajorityBaseline, what the monitor adds (µs) | the same, its `update_state` "
            "compiled by XLA (µs; an experiment) | empty tf.function overhead (µs) |")
        add("|---|---|---|---|---|---|---|")
        for classes, m in micro.items():
            empty = m["nothing"]
            acc, auto_us = m["'accuracy'"] - empty, m["auto()"] - empty
            mon = m[MONITOR_METRICS] - empty
            xla = f"{m[XLA_UPDATE] - empty:.0f}" if XLA_UPDATE in m else "–"
            add(f"| {int(classes):,} | {acc:.0f} | {auto_us:.0f} | {auto_us - acc:+.0f} | "
                f"{mon:.0f} | {xla} | {empty:.0f} |")
        add("")
        add("The XLA column is an experiment the package doesn't ship: each metric's "
            "`update_state` wrapped in `tf.function(jit_compile=True)`, one XLA launch in place "
            "of its ops in the TensorFlow executor. Where it beats the column before it, it would "
            "cut the monitor's per-step cost on TensorFlow without XLA, at the price of "
            "TensorFlow-only code in the metric and one XLA compilation per batch shape (the "
            "last, partial batch and the validation batch each compile anew) in the first "
            "epoch.")
        add("")
    return lines
