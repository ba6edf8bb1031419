"""Study 2: ``fit`` with ``TruAccMonitor(summary=False)`` vs without.

Every fit builds and compiles a fresh model (same initial weights), so both
sides pay their first trace/compilation: the total fit ratio includes it. The
steady epoch is the median epoch from epoch 2 on. Fits are interleaved
(without, with, without, with, ...); wall and CPU time for both figures.
"""

from __future__ import annotations

import statistics

from benchmarks import models as M
from benchmarks.timing import (
    Clock,
    differences,
    epoch_timer,
    fmt_range,
    fmt_spread,
    interleave,
    ratios,
    spread,
    status,
)

TASK = "monitor"
TOTAL_TARGET_OLD = 1.03  # drop-in total fit ratio, the CNN (the first benchmark issue)
TOTAL_TARGET = 1.05  # drop-in total fit ratio incl. first trace, every model (issue 12)
STEADY_TARGET = {"cnn-digits": 1.02, "mlp-1000": 1.02, "resnet-cifar": 1.005}  # issue 12
DROP_IN = "accuracy"


def cases_for(model_name, params):
    """``[(label, metric factory, monitor options)]`` for one model."""
    import keras_truacc as truacc

    cases = [(DROP_IN, lambda: "accuracy", {})]
    if model_name == "cnn-digits":
        cases.append(("auto()", lambda: truacc.auto(), {}))
        if params.get("diagnostic"):
            # How much of the drop-in cost is the majority-baseline metric.
            cases.append(("accuracy, monitor baseline=False", lambda: "accuracy",
                          {"baseline": False}))
    return cases


def work(keras, params):
    import keras_truacc as truacc

    EpochTimer = epoch_timer(keras)
    repeats = params["repeats"]
    setups = {}
    for name, spec in params["models"].items():
        builder, shape, classes, _ = M.MODELS[name]
        x, y = M.data(shape, classes, spec["train"] + spec["val"], seed=2)
        setups[name] = {
            "builder": builder,
            "epochs": spec["epochs"],
            "split": (x[: spec["train"]], y[: spec["train"]], x[spec["train"]:],
                      y[spec["train"]:]),
            "train": spec["train"],
            "val": spec["val"],
            "repeats": spec.get("repeats", repeats),
        }

    def one_fit(name, make_metric, monitor, epochs=None):
        setup = setups[name]
        keras.utils.clear_session()  # drop the previous fit's models: no drift over the run
        (model,) = M.twin_models(keras, setup["builder"], [make_metric], "auto")
        timer = EpochTimer()
        callbacks = [timer]
        if monitor is not None:
            callbacks.append(truacc.TruAccMonitor(summary=False, **monitor))
        x_tr, y_tr, x_val, y_val = setup["split"]
        with Clock() as clock:
            model.fit(x_tr, y_tr, validation_data=(x_val, y_val), batch_size=M.BATCH,
                      epochs=epochs or setup["epochs"], verbose=0, callbacks=callbacks)
        keys = sorted(model.history.history) if model.history else []
        return {"total": clock.wall, "total_cpu": clock.cpu, "epochs": timer.times,
                "epochs_cpu": timer.cpu_times, "keys": keys}

    # One throw-away fit per model this process hasn't trained yet, so one-time
    # set-up costs (backend start-up, kernel selection) hit neither side.
    for name in setups:
        if name not in M.WARMED_UP:
            one_fit(name, lambda: "accuracy", None, epochs=1)
            M.WARMED_UP.add(name)

    sides = []
    for name in setups:
        for label, make_metric, monitor in cases_for(name, params):
            sides.append((name, label, False, make_metric, monitor))
            sides.append((name, label, True, make_metric, monitor))
    keyed = {s[:3]: s for s in sides}
    runs = interleave(list(keyed), {key: setups[key[0]]["repeats"] for key in keyed},
                      lambda key: one_fit(key[0], keyed[key][3], keyed[key][4] if key[2] else None))

    out = []
    for name in setups.keys():
        for label, _, _ in cases_for(name, params):
            plain, mon = runs[(name, label, False)], runs[(name, label, True)]

            def col(rows, key, steady=False):
                if steady:
                    return [statistics.median(r[key][1:]) for r in rows]
                return [r[key] for r in rows]

            out.append({
                "model": name,
                "compiled": label,
                "repeats": len(plain),
                "keys": mon[-1]["keys"],
                "plain_total_s": spread(col(plain, "total")),
                "mon_total_s": spread(col(mon, "total")),
                "plain_epoch_s": spread(col(plain, "epochs", True)),
                "mon_epoch_s": spread(col(mon, "epochs", True)),
                "total_ratio": spread(ratios(col(plain, "total"), col(mon, "total"))),
                "total_cpu_ratio": spread(ratios(col(plain, "total_cpu"), col(mon, "total_cpu"))),
                "epoch_ratio": spread(ratios(col(plain, "epochs", True), col(mon, "epochs", True))),
                "epoch_cpu_ratio": spread(ratios(col(plain, "epochs_cpu", True),
                                                 col(mon, "epochs_cpu", True))),
                # Where the total's extra goes: the first epoch (first trace and
                # compile of the train and test steps) against the other epochs.
                "first_epoch_extra_s": spread(differences(
                    [r["epochs"][0] for r in plain], [r["epochs"][0] for r in mon])),
                "other_epochs_extra_s": spread(differences(
                    [sum(r["epochs"][1:]) for r in plain], [sum(r["epochs"][1:]) for r in mon])),
            })
    return {"cases": out, "repeats": repeats,
            "models": {name: {"epochs": s["epochs"], "train": s["train"], "val": s["val"],
                              "repeats": s["repeats"]} for name, s in setups.items()},
            # the CNN's, as before (section 2's first table)
            "epochs": setups["cnn-digits"]["epochs"], "train": setups["cnn-digits"]["train"],
            "val": setups["cnn-digits"]["val"]}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _steady_ok(c):
    target = STEADY_TARGET[c["model"]]
    return c["epoch_ratio"]["median"] <= target and c["epoch_cpu_ratio"]["median"] <= target


def _drop_in(results, backends, models=None):
    return [(b, c) for b in backends for c in results[TASK][b]["cases"]
            if c["compiled"] == DROP_IN and (models is None or c["model"] in models)]


def targets(results, backends):
    out = []
    cnn = _drop_in(results, backends, ("cnn-digits",))
    out.append((
        (f"Drop-in monitor fit-time ratio ≤ {TOTAL_TARGET_OLD} (compiled with 'accuracy', "
        "median total fit time, the CNN)"),
        "; ".join(f"{b}: {c['total_ratio']['median']:.3f} total fit (IQR "
                  f"{c['total_ratio']['q1']:.3f}–{c['total_ratio']['q3']:.3f}), "
                  f"{c['epoch_ratio']['median']:.3f} per steady epoch" for b, c in cnn),
        all(c["total_ratio"]["median"] <= TOTAL_TARGET_OLD for _, c in cnn),
    ))
    rows = _drop_in(results, backends)
    out.append((
        (f"Drop-in monitor total fit ratio, first trace included, ≤ {TOTAL_TARGET} on "
        "TensorFlow and JAX (median, every model; issue 12)"),
        "; ".join(f"{b} {c['model']}: {c['total_ratio']['median']:.3f} (CPU "
                  f"{c['total_cpu_ratio']['median']:.3f})" for b, c in rows),
        all(c["total_ratio"]["median"] <= TOTAL_TARGET for _, c in rows),
    ))
    for models, what in ((M.TINY_MODELS, "the tiny models"), (("resnet-cifar",), "the ResNet")):
        rows = _drop_in(results, backends, models)
        if not rows:
            continue
        target = STEADY_TARGET[models[0]]
        reps = "/".join(str(r) for r in sorted({c["repeats"] for _, c in rows}))
        out.append((
            (f"Drop-in monitor steady-epoch ratio ≤ {target} on {what}, wall and CPU time "
            f"(median of {reps} interleaved repeats; issue 12)"),
            "; ".join(f"{b} {c['model']}: wall {c['epoch_ratio']['median']:.3f}, CPU "
                      f"{c['epoch_cpu_ratio']['median']:.3f}" for b, c in rows),
            all(_steady_ok(c) for _, c in rows),
        ))
    return out


def _table(lines, results, backends, model):
    add = lines.append
    add("| Backend | Compiled with | fit without monitor (s) | Total fit ratio: median [min–max] "
        "(IQR) | Steady epoch without → with (ms) | Steady-epoch ratio: median [min–max] (IQR) "
        f"| Total ≤ {TOTAL_TARGET_OLD} | Total-fit CPU ratio: median [min–max] | Steady-epoch CPU "
        f"ratio: median [min–max] | Total ≤ {TOTAL_TARGET} | Steady epoch, wall and CPU ≤ "
        f"{STEADY_TARGET[model]} | Extra wall time (ms, median): first epoch / the others |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        for c in results[TASK][backend]["cases"]:
            if c["model"] != model:
                continue
            old = status(c["total_ratio"]["median"] <= TOTAL_TARGET_OLD)
            new = status(c["total_ratio"]["median"] <= TOTAL_TARGET)
            steady = status(_steady_ok(c))
            if c["compiled"] != DROP_IN:
                note = (" (not the drop-in case)" if c["compiled"] == "auto()"
                        else " (diagnostic)")
                old, new, steady = old + note, new + note, steady + note
            add(f"| {backend} | {c['compiled']} | {c['plain_total_s']['median']:.2f} | "
                f"{fmt_spread(c['total_ratio'])} | {c['plain_epoch_s']['median'] * 1e3:.0f} → "
                f"{c['mon_epoch_s']['median'] * 1e3:.0f} | {fmt_spread(c['epoch_ratio'])} | "
                f"{old} | {fmt_range(c['total_cpu_ratio'])} | {fmt_range(c['epoch_cpu_ratio'])} | "
                f"{new} | {steady} | {_extra_split(c)} |")
    add("")


def _extra_split(c):
    """The total's extra, split: first epoch (trace, compile) / the other epochs."""
    if "first_epoch_extra_s" not in c:
        return "–"
    return (f"{c['first_epoch_extra_s']['median'] * 1e3:+.0f} / "
            f"{c['other_epochs_extra_s']['median'] * 1e3:+.0f}")


def section(results, cfg, backends):
    lines = []
    add = lines.append
    mon = results[TASK][backends[0]]
    add("## 2. Monitor overhead: `fit` with `TruAccMonitor(summary=False)` vs without")
    add("")
    add(f"Method: the CNN above on {mon['train']:,} training and {mon['val']} validation rows "
        f"(about load_digits' 1,797, 80/20, rounded to whole batches), batch {M.BATCH}, "
        f"{mon['epochs']} epochs with `validation_data`, default `jit_compile` ('auto': no XLA "
        f"with TensorFlow on a CPU, jit on JAX). Every fit gets freshly built and compiled models "
        f"with identical weights, so both sides pay their first trace/compilation (the monitor "
        f"swaps in its train function at on_train_begin, before the first trace, so nothing is "
        f"traced twice). 'Total' is the whole `fit` call; 'steady epoch' is the median epoch "
        f"wall time (validation included) from epoch 2 on, from a timing callback with only "
        f"epoch hooks; the CPU columns are the same with the process's CPU time (every thread). "
        f"Each fit starts with `keras.utils.clear_session()`; each model gets one untimed "
        f"throw-away fit first unless study 1 already trained it in the same process. "
        f"{mon['repeats']} interleaved repeats (without, with, without, with, ...). The last "
        f"column splits the extra wall time of the monitored fit, paired per repeat: its first "
        f"epoch, which holds the first trace and compilation of the train and test steps, "
        f"against all later epochs together.")
    add("")
    _table(lines, results, backends, "cnn-digits")
    for name, spec in mon["models"].items():
        if name == "cnn-digits":
            continue
        add(f"The drop-in case on {name} ({M.MODELS[name][3]}): {spec['train']:,} training and "
            f"{spec['val']:,} validation rows, {spec['epochs']} epochs, {spec['repeats']} "
            "interleaved repeats, otherwise as above.")
        add("")
        _table(lines, results, backends, name)
    add("Keys the monitored fit logged: "
        + ", ".join(f"`{k}`" for k in mon["cases"][0]["keys"]) + ".")
    add("")
    return lines
