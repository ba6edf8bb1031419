"""``plot_history``: reported and true accuracy on one chart per split.

Needs matplotlib (``pip install keras-truacc[plot]``).
"""

from __future__ import annotations

from keras_truacc.monitor.checks import BASELINE_KEY, TRUE_KEY

_ACCURACY_NAMES = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
                   "sparse_categorical_accuracy")


def reported_keys(history: dict, prefix: str = "") -> list[str]:
    """Keras's accuracy-like keys for one split (``prefix`` is ``""`` or ``"val_"``)."""
    keys = []
    for key in history:
        if not key.startswith(prefix) or (prefix == "" and key.startswith("val_")):
            continue
        bare = key[len(prefix):]
        if TRUE_KEY in bare or BASELINE_KEY in bare or "true_exact_match" in bare:
            continue
        if any(bare == n or bare.endswith("_" + n) or bare.startswith(n + "_") for n in _ACCURACY_NAMES):
            keys.append(key)
    return keys


def _equal(reported, true) -> bool:
    import numpy as np

    reported, true = np.asarray(reported, float), np.asarray(true, float)
    return reported.shape == true.shape and bool(np.allclose(reported, true, atol=5e-5))


def plot_history(history, path: str | None = None, title: str | None = None):
    """One panel per split: each reported accuracy, the true accuracy, the gap
    shaded between them and the majority baseline dashed.

    Keras's lines are dashed with square markers and drawn above the true line.
    Where a reported accuracy equals the true one at every epoch, its legend says so
    (``accuracy (Keras) = true_accuracy``) and the true line is drawn as a wide band
    under it, so both stay visible.

    ``history`` is a ``keras.callbacks.History`` or its ``.history`` dict.
    Returns the matplotlib ``Figure``; saves a PNG when ``path`` is given.

    >>> fig = plot_history({"binary_accuracy": [0.9, 0.9], "true_accuracy": [0.1, 0.2],
    ...                     "majority_baseline": [0.1, 0.1]})
    >>> print(" | ".join(line.get_label() for line in fig.axes[0].lines))
    binary_accuracy (Keras) | true_accuracy | majority_baseline
    >>> fig = plot_history({"accuracy": [0.5, 0.7], "true_accuracy": [0.5, 0.7]})
    >>> print(" | ".join(line.get_label() for line in fig.axes[0].lines))
    accuracy (Keras) = true_accuracy | true_accuracy
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    splits = [("", "train")] + ([("val_", "validation")] if any(k.startswith("val_") for k in logs) else [])
    fig, axes = plt.subplots(1, len(splits), figsize=(6 * len(splits), 4), squeeze=False)
    for ax, (prefix, label) in zip(axes[0], splits):
        true_key = prefix + TRUE_KEY
        true = logs.get(true_key)
        epochs = range(1, len(true or next(iter(logs.values()))) + 1)
        covered = False  # a reported line lies exactly on the true one
        for key in reported_keys(logs, prefix):
            equal = true is not None and _equal(logs[key], true)
            covered = covered or equal
            ax.plot(epochs, logs[key], marker="s", linestyle="--", zorder=3,
                    label=f"{key[len(prefix):]} (Keras)" + (f" = {TRUE_KEY}" if equal else ""))
            if true is not None and not equal:
                ax.fill_between(epochs, logs[key], true, alpha=0.15)
        if true is not None:
            if covered:  # a wide band under the reported line, seen on both sides of it
                ax.plot(epochs, true, linewidth=9, color="black", alpha=0.3, zorder=2,
                        solid_capstyle="round", label=TRUE_KEY)
            else:
                ax.plot(epochs, true, marker="o", linewidth=2.5, color="black", zorder=2,
                        label=TRUE_KEY)
        base = logs.get(prefix + BASELINE_KEY)
        if base is not None:
            ax.plot(epochs, base, linestyle="--", color="grey", label=BASELINE_KEY)
        ax.set_title(f"{title + ': ' if title else ''}{label}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("accuracy")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
