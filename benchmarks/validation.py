"""Study 3: the monitor's validation pass, in time.

- ``valtime``: plain ``evaluate``, ``evaluate`` with the monitor and ``predict`` +
  numpy argmax at growing validation sizes, interleaved, after a warm-up.
- ``evalrepeat``: repeated ``evaluate(callbacks=[monitor])`` on the same model:
  the calls after the first against plain ``evaluate`` (the fixed cost a
  monitored evaluate adds once its step is traced).

Peak memory is in ``memory``.
"""

from __future__ import annotations

import time

from benchmarks import models as M
from benchmarks.timing import (
    differences,
    fmt_spread,
    interleave,
    linear_fit,
    ratios,
    spread,
    status,
)

VAL_BATCH = 1000  # divides every validation size: no partial batch, no extra trace
WARM_ROWS = 2 * VAL_BATCH  # warm-up slice: whole batches only, so one trace per step function
VAL_VARIANTS = ("evaluate", "evaluate+monitor", "predict+argmax")
REPEAT_TARGET_MS = 10.0  # repeated monitored evaluate ≤ plain + 10 ms (issue 12)


def val_model(keras):
    keras.utils.set_random_seed(0)
    return M.compile_model(M.build_dense_val(keras), "accuracy")


def run_variant(keras, variant, model, x, y, monitor=None):
    import numpy as np

    import keras_truacc as truacc

    if variant == "evaluate":
        model.evaluate(x, y, batch_size=VAL_BATCH, verbose=0)
    elif variant == "evaluate+monitor":
        monitor = monitor or truacc.TruAccMonitor(summary=False)
        model.evaluate(x, y, batch_size=VAL_BATCH, verbose=0, callbacks=[monitor])
    elif variant == "predict+argmax":
        probs = model.predict(x, batch_size=VAL_BATCH, verbose=0)
        float(np.mean(np.argmax(probs, axis=-1) == y))
    else:
        raise ValueError(variant)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def work_valtime(keras, params):
    """Plain evaluate, evaluate+monitor, predict+argmax, interleaved, per size."""
    out = []
    for size in params["sizes"]:
        x, y = M.data((16,), 10, size, seed=3)
        plain = val_model(keras)
        monitored = val_model(keras)  # its own model: the monitor drops traced steps
        monitored.set_weights(plain.get_weights())
        models = {"evaluate": plain, "evaluate+monitor": monitored, "predict+argmax": plain}
        for variant in VAL_VARIANTS:  # warm-up: trace every step function once
            run_variant(keras, variant, models[variant], x[:WARM_ROWS], y[:WARM_ROWS])
        times = interleave(list(VAL_VARIANTS), params["repeats"], lambda v: _timed(
            lambda: run_variant(keras, v, models[v], x, y)))
        out.append({
            "size": size,
            "times_s": {v: spread(t) for v, t in times.items()},
            "mon_vs_plain": spread(ratios(times["evaluate"], times["evaluate+monitor"])),
            "mon_vs_predict": spread(ratios(times["predict+argmax"], times["evaluate+monitor"])),
        })
    # The monitor's fixed per-call cost: one batch, where rebuilding the step dominates.
    x, y = M.data((16,), 10, VAL_BATCH, seed=4)
    models = {"evaluate": val_model(keras), "evaluate+monitor": val_model(keras)}
    for variant, model in models.items():
        run_variant(keras, variant, model, x, y)
    fixed = interleave(list(models), params["repeats"], lambda v: _timed(
        lambda: run_variant(keras, v, models[v], x, y)))
    return {"sizes": out, "one_batch_s": {v: spread(t) for v, t in fixed.items()},
            "repeats": params["repeats"], "batch": VAL_BATCH}


REPEAT_SIDES = ("evaluate", "new monitor per call", "same monitor object")


def work_evalrepeat(keras, params):
    """Repeated evaluate on one model: plain, a new monitor per call, one monitor reused."""
    import keras_truacc as truacc

    rows = params["rows"]
    x, y = M.data((16,), 10, rows, seed=7)
    models = {side: val_model(keras) for side in REPEAT_SIDES}  # same seed: same weights
    same = truacc.TruAccMonitor(summary=False)

    def call(side):
        model = models[side]
        if side == "evaluate":
            return _timed(lambda: run_variant(keras, "evaluate", model, x, y))
        monitor = same if side == "same monitor object" else None
        return _timed(lambda: run_variant(keras, "evaluate+monitor", model, x, y, monitor))

    first = {side: call(side) for side in REPEAT_SIDES}  # traces (and compiles) each step
    times = interleave(list(REPEAT_SIDES), params["repeats"], call)
    out = {"rows": rows, "batch": VAL_BATCH, "repeats": params["repeats"],
           "first_s": first, "times_s": {s: spread(t) for s, t in times.items()}}
    for side in REPEAT_SIDES[1:]:
        out[side] = {
            "extra_ms": spread([d * 1e3 for d in differences(times["evaluate"], times[side])]),
            "ratio": spread(ratios(times["evaluate"], times[side])),
        }
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def time_fits(vt):
    """(slope in s per 1M rows, intercept in s) of median time against rows, per variant."""
    rows = [r["size"] / 1e6 for r in vt["sizes"]]
    return {v: linear_fit(rows, [r["times_s"][v]["median"] for r in vt["sizes"]])
            for v in VAL_VARIANTS}


def _repeat_ok(res):
    return all(res[side]["extra_ms"]["median"] <= REPEAT_TARGET_MS for side in REPEAT_SIDES[1:])


def targets(results, backends):
    out = []
    for backend in backends:
        res = results.get("evalrepeat", {}).get(backend)
        if res is None:
            continue
        out.append((
            (f"Repeated `evaluate(callbacks=[monitor])` on the same model: calls after the first "
            f"≤ plain evaluate + {REPEAT_TARGET_MS:.0f} ms ({backend}; issue 12)"),
            "; ".join(f"{side}: {res[side]['extra_ms']['median']:+.1f} ms (median of "
                      f"{res['repeats']}, IQR {res[side]['extra_ms']['q1']:+.1f} to "
                      f"{res[side]['extra_ms']['q3']:+.1f})" for side in REPEAT_SIDES[1:])
            + f"; plain evaluate {res['times_s']['evaluate']['median'] * 1e3:.1f} ms on "
            f"{res['rows']:,} rows",
            _repeat_ok(res),
        ))
    return out


def section(results, cfg, backends):
    lines = []
    add = lines.append
    add("## 3. The monitor's validation pass vs `predict` + numpy argmax")
    add("")
    add(f"Model: `Dense(10, softmax)` on 16 features, sparse labels, batch {VAL_BATCH} for every "
        f"variant. Variants: `model.evaluate(x_val, y_val)` (plain), the same with "
        f"`callbacks=[TruAccMonitor(summary=False)]` (its own model with the same weights, so "
        f"each side keeps its own traced steps), and "
        f"`model.predict(x_val)` + `np.mean(np.argmax(p, -1) == y_val)`.")
    add("")
    for backend, vt in results["valtime"].items():
        add(f"### Time, {backend} ({vt['repeats']} interleaved repeats after a warm-up that "
            "traces every step function)")
        add("")
        add("A new `TruAccMonitor` is passed to every monitored call here. The one-batch row "
            "shows the fixed cost per monitored call: attaching, and reading the counts "
            "(the test step traced with the first monitor is left on the model and reused by "
            "the next monitor with the same options); inside `fit` that happens once per fit, "
            "not per epoch.")
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
            f"medians); the intercept is the per-call fixed cost (for evaluate+monitor: attaching, "
            f"and rebuilding the test step if it is rebuilt). On {backend} the monitor's "
            f"validation pass costs "
            f"{fits['evaluate+monitor'][0] - fits['evaluate'][0]:+.3f} s per 1M rows over plain "
            f"evaluate, and {fits['evaluate+monitor'][0] - fits['predict+argmax'][0]:+.3f} s per "
            f"1M rows over predict+argmax.")
        add("")

    repeat = results.get("evalrepeat", {})
    if repeat:
        any_res = next(iter(repeat.values()))
        add("### Repeated evaluate with the monitor, same model")
        add("")
        add(f"Three models with the same weights, {any_res['rows']:,} rows, batch {VAL_BATCH}: "
            "plain `model.evaluate(x, y)` on one; on another `model.evaluate(x, y, "
            "callbacks=[TruAccMonitor(summary=False)])` with a new monitor per call; on the third "
            "the same call reusing one monitor object. Each model's first call (which traces, "
            f"or compiles, its test step) is shown apart; then {any_res['repeats']} interleaved "
            "rounds (plain, new, same, plain, ...). 'Extra' is the monitored call minus the "
            "plain call of the same round, in ms: the median, then [min–max] and the IQR. "
            f"Target (issue 12): calls after the first ≤ plain + {REPEAT_TARGET_MS:.0f} ms.")
        add("")
        add("| Backend | Variant | First call (s) | Later calls (ms, median) | Extra over plain "
            "evaluate (ms): median [min–max] (IQR) | Ratio to plain: median | "
            f"≤ plain + {REPEAT_TARGET_MS:.0f} ms |")
        add("|---|---|---|---|---|---|---|")
        for backend in backends:
            res = repeat.get(backend)
            if res is None:
                continue
            for side in REPEAT_SIDES:
                t = res["times_s"][side]["median"] * 1e3
                if side == "evaluate":
                    add(f"| {backend} | plain evaluate | {res['first_s'][side]:.3f} | {t:.1f} | "
                        "– | – | – |")
                    continue
                extra = res[side]["extra_ms"]
                add(f"| {backend} | evaluate + monitor, {side} | {res['first_s'][side]:.3f} | "
                    f"{t:.1f} | {fmt_spread(extra, 1)} | {res[side]['ratio']['median']:.2f} | "
                    f"{status(extra['median'] <= REPEAT_TARGET_MS)} |")
        add("")
    return lines
