"""``truacc demo``: watch Keras report the wrong accuracy, and the monitor catch it.

Data ships with scikit-learn (``load_digits``: 1,797 8x8 digit images, 10
classes); nothing is downloaded. Each case trains small models side by side:

- ``seed``: the classic question. The same CNN trained with
  ``binary_crossentropy`` + ``binary_accuracy`` and with
  ``categorical_crossentropy`` + ``accuracy``.
- ``logits``: "is the digit even?" with ``Dense(1)`` logits and ``'accuracy'``.
- ``multilabel``: three yes/no questions per digit (even? > 4? round shape?).
- ``padded``: digit rows read as padded token sequences, one tag per token.
- ``imbalance``: "is it a zero?" (10% positives) with a weak model.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass

CASES = ("seed", "logits", "multilabel", "padded", "imbalance")


@dataclass
class SetUp:
    title: str
    model: object
    x: object
    y: object
    reported_key: str


def load_digits_images():
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    return x[order], digits.target[order]


def small_cnn(units, activation):
    import keras

    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(units, activation=activation),
    ])


def build_case(case):
    import keras
    import numpy as np

    x, digits = load_digits_images()
    if case == "seed":
        one_hot = keras.utils.to_categorical(digits, 10)
        a = small_cnn(10, "softmax")
        a.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
        b = small_cnn(10, "softmax")
        b.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        return [
            SetUp("binary_crossentropy + binary_accuracy", a, x, one_hot, "binary_accuracy"),
            SetUp("categorical_crossentropy + accuracy", b, x, one_hot, "accuracy"),
        ]
    if case == "logits":
        even = (digits % 2 == 0).astype("float32")[:, None]
        m = small_cnn(1, None)
        m.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
        return [SetUp("Dense(1) logits + BCE(from_logits=True) + accuracy", m, x, even, "accuracy")]
    if case == "multilabel":
        labels = np.stack([digits % 2 == 0, digits > 4, np.isin(digits, [0, 6, 8, 9])], -1)
        m = small_cnn(3, "sigmoid")
        m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        return [SetUp("3 sigmoids + BCE + accuracy (multi-label)", m, x, labels.astype("float32"), "accuracy")]
    if case == "padded":
        # Each image row becomes a token sequence: tokens are pixel levels 1..16,
        # trailing blank pixels are cut and padded with 0; each token is tagged
        # with its digit class + 1, and padding with 0.
        tokens = np.round(x[..., 0].reshape(len(x), -1) * 15).astype("int32") + 1
        lengths = 24 + (digits * 4)  # longer sequences for larger digits
        valid = np.arange(64)[None, :] < lengths[:, None]
        tokens = np.where(valid, tokens, 0)
        tags = np.where(valid, digits[:, None] + 1, 0)
        m = keras.Sequential([
            keras.Input((64,), dtype="int32"),
            keras.layers.Embedding(17, 16),
            keras.layers.Conv1D(32, 5, padding="same", activation="relu"),
            keras.layers.Dense(11, activation="softmax"),
        ])
        m.compile("adam", keras.losses.SparseCategoricalCrossentropy(ignore_class=0), metrics=["accuracy"])
        return [SetUp("padded tags, loss ignore_class=0, accuracy", m, tokens, tags, "accuracy")]
    if case == "imbalance":
        zero = (digits == 0).astype("float32")
        m = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
        m.compile(keras.optimizers.SGD(1e-4), "binary_crossentropy", metrics=["accuracy"])
        return [SetUp("'is it a zero?' (10% positives), weak model", m, x, zero, "accuracy")]
    raise ValueError(f"Expected argument `case` to be one of {CASES}, but got {case!r}.")


def run_demo(case="seed", epochs=20, out="truacc-demo", verbose=1) -> int:
    """Train the case's set-ups with the monitor and print what it finds."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import keras_truacc as truacc
    from keras_truacc.plot import plot_history

    keras.utils.set_random_seed(0)
    os.makedirs(out, exist_ok=True)
    rows = []
    for index, setup in enumerate(build_case(case)):
        print(f"\n=== {setup.title} ===")
        slug = f"{case}-{index}"
        log_dir = os.path.join(out, "logs", slug)
        monitor = truacc.TruAccMonitor(summary=False, log_dir=log_dir)
        with warnings.catch_warnings():
            warnings.simplefilter("always", truacc.TruAccWarning)
            warnings.showwarning = _print_warning  # as it happens, between epochs
            history = setup.model.fit(
                setup.x, setup.y, epochs=epochs, batch_size=64, validation_split=0.2,
                verbose=verbose,
                callbacks=[keras.callbacks.TensorBoard(log_dir), monitor],
            )
        logs = history.history
        png = os.path.join(out, f"{slug}.png")
        plot_history(history, png, title=setup.title)
        reported = logs.get("val_" + setup.reported_key, [float("nan")])[-1]
        true = logs.get("val_true_accuracy", [float("nan")])[-1]
        base = logs.get("val_majority_baseline", [float("nan")])[-1]
        if monitor.mismatches:
            verdict = "WRONG: " + monitor.mismatches[0].cause.split(":")[0]
        elif true <= base + monitor.tolerance:
            verdict = "right, but no better than the majority class"
        else:
            verdict = "right"
        rows.append((setup.title, setup.reported_key, reported, true, base, verdict))
        print(f"\nTensorBoard logs: {log_dir}   (tensorboard --logdir {os.path.join(out, 'logs')})")
        print(f"Plot: {png}")
    print("\n" + render_table(rows))
    return 0


def _print_warning(message, category, filename, lineno, file=None, line=None):
    import keras_truacc as truacc

    if issubclass(category, truacc.TruAccWarning):
        print(f"\n{category.__name__}: {message}\n", flush=True)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line), file=sys.stderr)


def render_table(rows) -> str:
    header = ("set-up", "Keras key", "Keras reports", "true accuracy", "majority", "verdict")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for title, key, reported, true, base, verdict in rows:
        lines.append(
            f"| {title} | val_{key} | {reported:.4f} | {true:.4f} | {base:.4f} | {verdict} |"
        )
    return "Validation split, last epoch:\n" + "\n".join(lines)
