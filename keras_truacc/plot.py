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


def plot_history(history, path=None, title=None):
    """One panel per split: each reported accuracy, the true accuracy, the gap
    shaded between them and the majority baseline dashed.

    Keras's lines are dashed with square markers and drawn above the true line,
    so a reported accuracy that equals the true one stays visible on it.

    ``history`` is a ``keras.callbacks.History`` or its ``.history`` dict.
    Returns the matplotlib ``Figure``; saves a PNG when ``path`` is given.

    >>> fig = plot_history({"binary_accuracy": [0.9, 0.9], "true_accuracy": [0.1, 0.2],
    ...                     "majority_baseline": [0.1, 0.1]})
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['binary_accuracy (Keras)', 'true_accuracy', 'majority_baseline']
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
        for key in reported_keys(logs, prefix):
            ax.plot(epochs, logs[key], marker="s", linestyle="--", zorder=3,
                    label=f"{key[len(prefix):]} (Keras)")
            if true is not None:
                ax.fill_between(epochs, logs[key], true, alpha=0.15)
        if true is not None:
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
