"""Interleaving and statistics, shared by every timed study.

Every timing in the suite is a comparison of INTERLEAVED repeats: A, B, A, B, ...
(or A, B, C, A, B, C, ...), so a neighbour process that steals the CPU for a
while slows both sides of a pair instead of one. A comparison is reported as
the median of the per-repeat ratios (or differences), then [min–max] and the
interquartile range. Nothing here imports Keras at module level: the parent
process renders the tables without it.
"""

from __future__ import annotations

import time

# ---------------------------------------------------------------------------
# Interleaving
# ---------------------------------------------------------------------------


def interleave(sides, repeats, run_one):
    """Run ``run_one(side)`` for every side, ``repeats`` times, sides interleaved.

    ``sides`` is a list of keys; ``repeats`` an int, or a dict giving each side's
    number of repeats (a side with fewer simply drops out of the later rounds).
    Returns ``{side: [result of each repeat, in order]}``.
    """
    counts = repeats if isinstance(repeats, dict) else {side: repeats for side in sides}
    out = {side: [] for side in sides}
    for rep in range(max(counts.values(), default=0)):
        for side in sides:
            if rep < counts[side]:
                out[side].append(run_one(side))
    return out


class Clock:
    """Wall time and this process's CPU time (every thread) of a block.

    CPU time is what a neighbour process can't inflate by stealing the core
    (though it can by evicting caches); wall time is what a user waits for.

    >>> with Clock() as c:
    ...     _ = sum(range(1000))
    >>> c.wall >= 0 and c.cpu >= 0
    True
    """

    def __enter__(self):
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        return False


def epoch_timer(keras):
    """A callback class: wall and CPU time of each epoch (validation included)."""

    class EpochTimer(keras.callbacks.Callback):
        """on_epoch_begin to on_epoch_end: ``times`` (wall, s) and ``cpu_times`` (s)."""

        def __init__(self):
            super().__init__()
            self.times = []
            self.cpu_times = []
            self._start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start[0])
            self.cpu_times.append(time.process_time() - self._start[1])

    return EpochTimer


def step_timer(keras):
    """A callback class: per-step wall time, on top of the epoch times."""
    EpochTimer = epoch_timer(keras)

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


# ---------------------------------------------------------------------------
# Statistics (numpy only)
# ---------------------------------------------------------------------------


def spread(values):
    """Median, min, max, Q1, Q3 and count of a list of numbers.

    >>> spread([1, 2, 3, 4, 5])["median"]
    3.0
    """
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


def ratios(a_values, b_values):
    """Per-repeat ratio B/A of interleaved pairs.

    >>> ratios([2.0, 4.0], [3.0, 4.0])
    [1.5, 1.0]
    """
    return [b / a for a, b in zip(a_values, b_values)]


def differences(a_values, b_values):
    """Per-repeat difference B - A of interleaved pairs."""
    return [b - a for a, b in zip(a_values, b_values)]


def linear_fit(xs, ys):
    """(slope, intercept) of a least-squares line; slope 0 with a single point."""
    import numpy as np

    if len(xs) < 2:
        return 0.0, float(ys[0]) if len(ys) else 0.0
    slope, intercept = np.polyfit(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), 1)
    return float(slope), float(intercept)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def fmt_spread(s, digits=3):
    """``median [min–max] (IQR q1–q3)``."""
    return (f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}] "
            f"(IQR {s['q1']:.{digits}f}–{s['q3']:.{digits}f})")


def fmt_range(s, digits=3):
    """``median [min–max]``."""
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}]"


def status(ok):
    return "met" if ok else "**missed**"
