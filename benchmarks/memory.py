"""Study 3, memory: peak RSS growth of one validation variant, each in a fresh process.

The parent runs one worker per (backend, variant, size, repeat), three at a time
(peak RSS doesn't depend on CPU contention), and merges the repeats (median).
"""

from __future__ import annotations

import statistics

from benchmarks import models as M
from benchmarks.timing import linear_fit
from benchmarks.validation import VAL_VARIANTS, WARM_ROWS, run_variant, val_model

TASK = "valmem"
FLAT_ALLOWANCE_MB = 5.0  # the monitor's extra may rise by this much from smallest to largest


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


def work(keras, params):
    """Peak RSS growth of one variant in a fresh process.

    The peak is ``ru_maxrss``; before the measured call the high-water mark is
    reset to the current RSS through ``/proc/self/clear_refs`` (so start-up and
    tracing peaks can't hide a smaller rise). Without that file the growth is
    ``ru_maxrss`` after minus ``ru_maxrss`` before, which can only under-report.
    """
    import gc
    import resource
    import time

    variant, size = params["variant"], params["size"]
    x, y = M.data((16,), 10, size, seed=3)
    model = val_model(keras)
    run_variant(keras, variant, model, x[:WARM_ROWS], y[:WARM_ROWS])  # warm-up: traces
    gc.collect()
    reset = _reset_peak_rss()
    before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    before_rss = _proc_status_kb("VmRSS")
    start = time.perf_counter()
    run_variant(keras, variant, model, x, y)
    seconds = time.perf_counter() - start
    after_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base = before_rss if reset else before_peak
    return {"variant": variant, "size": size, "seconds": seconds,
            "peak_growth_mb": max(0, after_peak - base) / 1024,
            "hwm_reset": reset,
            "vmhwm_growth_mb": max(0, _proc_status_kb("VmHWM") - before_rss) / 1024,
            "baseline_rss_mb": before_rss / 1024,
            "data_mb": (x.nbytes + y.nbytes) / 2**20}


def jobs(cfg):
    """The fresh-process jobs for the parent: ``(backend, [task], params)``."""
    out = []
    for _ in range(cfg["mem_repeats"]):
        for backend in cfg["mem_backends"]:
            for size in cfg["val_sizes"]:
                for variant in VAL_VARIANTS:
                    out.append((backend, [TASK], {TASK: {"variant": variant, "size": size}}))
    return out


def merge(done):
    """``{backend: [cell]}`` from ``[(job, result)]``: repeats merged into their median."""
    cells = {}
    for (backend, _, _), res in done:
        r = res[TASK]
        cells.setdefault((backend, r["variant"], r["size"]), []).append(r)
    out = {}
    for (backend, _variant, _size), runs in cells.items():
        growth = [r["peak_growth_mb"] for r in runs]
        merged = dict(runs[0], peak_growth_mb=statistics.median(growth), samples_mb=growth)
        out.setdefault(backend, []).append(merged)
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def mem_cell(r):
    samples = r.get("samples_mb", [r["peak_growth_mb"]])
    if len(samples) == 1:
        return f"{r['peak_growth_mb']:.1f}"
    return f"{r['peak_growth_mb']:.1f} ({min(samples):.1f}–{max(samples):.1f})"


def memory_summary(valmem):
    """Slopes (MB per 1M rows) and the flat/linear verdict per backend."""
    out = {}
    for backend, rows in valmem.items():
        slope = {}
        growth = {}
        for variant in VAL_VARIANTS:
            pts = sorted((r["size"], r["peak_growth_mb"]) for r in rows if r["variant"] == variant)
            slope[variant] = linear_fit([p[0] / 1e6 for p in pts], [p[1] for p in pts])[0]
            growth[variant] = pts
        sizes = [p[0] for p in growth["evaluate"]]
        extras = [m[1] - e[1] for m, e in zip(growth["evaluate+monitor"], growth["evaluate"])]
        predict_top = growth["predict+argmax"][-1][1]
        # Output array (N x 10 float32) is the least predict must hold.
        floor_mb = sizes[-1] * 10 * 4 / 2**20
        # Flat: the monitor's extra over plain evaluate rises by at most
        # FLAT_ALLOWANCE_MB from the smallest size to the largest.
        monitor_flat = extras[-1] - extras[0] <= FLAT_ALLOWANCE_MB
        predict_linear = predict_top >= 0.9 * floor_mb and slope["predict+argmax"] > 0
        data = sorted((r["size"], r["data_mb"]) for r in rows if r["variant"] == "evaluate")
        out[backend] = {
            "slope": slope,
            "data_mb_per_m": data[-1][1] / data[-1][0] * 1e6,
            "ok": bool(monitor_flat and predict_linear),
            "text": (f"monitor's extra peak RSS over plain evaluate (flat = rises by "
                     f"≤ {FLAT_ALLOWANCE_MB:.1f} MB from the smallest to the largest size): "
                     + ", ".join(f"{e:+.1f} MB at {s:,}" for s, e in zip(sizes, extras))
                     + f"; predict+argmax {predict_top:.1f} MB at {sizes[-1]:,} rows "
                     f"(its N x 10 float32 output alone is {floor_mb:.1f} MB); slopes per 1M "
                     f"rows: evaluate {slope['evaluate']:.1f}, evaluate+monitor "
                     f"{slope['evaluate+monitor']:.1f}, predict+argmax "
                     f"{slope['predict+argmax']:.1f} MB"),
        }
    return out


def targets(results, backends):
    return [(
        ("Monitor per-epoch memory doesn't grow with validation size while predict+argmax "
        f"grows linearly ({backend})"), m["text"], m["ok"],
    ) for backend, m in memory_summary(results[TASK]).items()]


def section(results, cfg, backends):
    lines = []
    add = lines.append
    mem = memory_summary(results[TASK])
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
        + " On JAX the monitored call can include compiling the test step with the monitor's "
        "metrics (a new monitor attaches on each call), a fixed few MB.")
    add("")
    for backend, rows in results[TASK].items():
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
    return lines
