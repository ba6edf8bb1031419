"""Study 4: counter exactness.

Feed all-correct 2-class rows past 2**24 and find where Keras's float32
``Mean``-based accuracy and ``truacc.auto(task="multiclass")`` first report a
wrong count. Untimed; runs last in each backend's worker.
"""

from __future__ import annotations

TASK = "counters"
COUNTERS = {
    "keras_count": "Keras SparseCategoricalAccuracy `count`",
    "keras_result_x_count": "Keras SparseCategoricalAccuracy `result() * count`",
    "truacc_total": "truacc.auto() `counts()['total']`",
    "truacc_correct": "truacc.auto() `counts()['correct']`",
}


def work(keras, params):
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

    first_wrong = {key: None for key in COUNTERS}
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


def section(results, cfg, backends):
    lines = []
    add = lines.append
    add("## 4. Counter exactness")
    add("")
    c0 = results[TASK][backends[0]]
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
    for key, label in COUNTERS.items():
        for backend in backends:
            c = results[TASK][backend]
            first = c["first_wrong"][key]
            if first is None:
                add(f"| {label} | {backend} | none seen | – | at least {c['max_checked']:,} "
                    f"(every one of {c['checks']} updates checked) |")
            else:
                add(f"| {label} | {backend} | {first:,} (2**24 + {first - 2**24}) | "
                    f"{c['value_there'][key]:,.0f} | {first - 1:,} |")
    add("")
    return lines
