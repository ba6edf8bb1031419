"""The data of the multi-worker tests: ``load_digits``, split into uneven per-process
shards, one of which holds no sample of the global majority class.

Pure numpy (no Keras), so the workers and the test build the very same arrays.
Every shard is padded to the same number of full batches with rows of weight 0
(label: the majority class, so counting them would show), because on JAX every
process must run the same number of steps on batches of the same shape.

>>> job = job_data(num_processes=2, batch=32)
>>> [len(s["x"]) for s in job["train"]["shards"]], job["train"]["n"]
([704, 704], 1399)
>>> [int(s["w"].sum()) for s in job["train"]["shards"]]
[700, 699]
>>> bool((job["train"]["shards"][1]["y"][job["train"]["shards"][1]["w"] > 0]
...       != job["majority"]).all())
True
"""

from __future__ import annotations

import numpy as np

TRAIN_ROWS = 1399  # 1399 = 2 * 699 + 1: divides by neither 2 nor 2 * 32
CLASSES = 10


def digits():
    """All 1,797 digits as float32 rows in [0, 1] and int labels, in a fixed order."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    return (x[order] / 16.0).astype("float32"), y[order].astype("int64")


def job_data(num_processes: int, batch: int) -> dict:
    """Train and validation data, whole (``x``, ``y``) and as padded per-process shards.

    Shard sizes differ by at most one row. The global majority class of the
    train split goes to shard 0 only (in both splits), so the other shards hold
    none of it; the other rows fill the shards in order.
    """
    x, y = digits()
    majority = int(np.bincount(y[:TRAIN_ROWS], minlength=CLASSES).argmax())
    job = {"majority": majority, "num_processes": num_processes, "batch": batch}
    for split, rows in (("train", slice(0, TRAIN_ROWS)), ("validation", slice(TRAIN_ROWS, None))):
        xs, ys = x[rows], y[rows]
        sizes = [len(ys) // num_processes + (p < len(ys) % num_processes)
                 for p in range(num_processes)]
        others = np.flatnonzero(ys != majority)
        cuts = np.cumsum([sizes[0] - int((ys == majority).sum())] + sizes[1:])
        parts = np.split(others, cuts[:-1])
        parts[0] = np.sort(np.concatenate([np.flatnonzero(ys == majority), parts[0]]))
        steps = -(-max(len(p) for p in parts) // batch)
        shards = [_padded(xs[p], ys[p], steps * batch, majority) for p in parts]
        job[split] = {"x": xs, "y": ys, "n": len(ys), "shards": shards}
    return job


def _padded(x, y, rows, fill_label):
    pad = rows - len(y)
    return {
        "x": np.concatenate([x, np.zeros((pad, x.shape[1]), "float32")]),
        "y": np.concatenate([y, np.full(pad, fill_label, "int64")]),
        "w": np.concatenate([np.ones(len(y), "float32"), np.zeros(pad, "float32")]),
    }
