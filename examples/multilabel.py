"""Multi-label: Keras's "accuracy" takes an argmax; every label is a yes/no of its own.

Each 8x8 digit image (scikit-learn's load_digits, ships with sklearn) gets 4
independent yes/no labels: even?, >= 5?, prime?, has a closed loop (0 6 8 9)?
The model ends in Dense(4, activation="sigmoid") with binary_crossentropy and
multi-hot labels such as [1, 1, 0, 1] for an 8.

With labels and outputs of the same shape (N, 4), Keras resolves
metrics=["accuracy"] to categorical accuracy: it asks whether the argmax of the
outputs hits the argmax of the labels (the FIRST 1 in the row). That is neither
of the two accuracies that mean something here:
  - per-label accuracy: the share of the N*4 yes/no decisions that are right
    (TruAccMonitor's true_accuracy, truacc.auto()'s default);
  - exact match: the share of rows with all 4 decisions right
    (true_exact_match, or truacc.auto(average="exact_match")).

Run:  python examples/multilabel.py [--epochs 5]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import keras_truacc as truacc  # noqa: E402

LABELS = {
    "even": lambda d: d % 2 == 0,
    ">=5": lambda d: d >= 5,
    "prime": lambda d: np.isin(d, [2, 3, 5, 7]),
    "loop": lambda d: np.isin(d, [0, 6, 8, 9]),
}


def main(epochs):
    digits = load_digits()
    x = digits.data.astype("float32") / 16.0
    y = np.stack([f(digits.target) for f in LABELS.values()], axis=1).astype("float32")
    print("labels per digit (" + ", ".join(LABELS) + "):")
    for d in range(10):
        print(f"  {d}: {y[digits.target == d][0].astype(int)}")

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(len(LABELS), activation="sigmoid"),
    ])
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=["accuracy",                                   # argmax: wrong here
                 truacc.auto(name="per_label"),                # per-label
                 truacc.auto(name="exact", average="exact_match")],
    )
    monitor = truacc.TruAccMonitor(summary=True)  # adds true_accuracy, true_exact_match, warns
    split = len(x) * 3 // 4
    x_val, y_val = x[split:], y[split:]
    history = model.fit(x[:split], y[:split], validation_data=(x_val, y_val),
                        epochs=epochs, batch_size=32, verbose=0, callbacks=[monitor]).history

    print(f"\nValidation after {epochs} epochs:")
    for key in ("val_accuracy", "val_per_label", "val_exact",
                "val_true_accuracy", "val_true_exact_match"):
        print(f"  {key:<22} {history[key][-1]:.4f}")

    # The three numbers by hand on the validation rows.
    probs = model.predict(x_val, verbose=0)
    hard = probs > 0.5
    print("By hand on the validation rows:")
    print(f"  argmax hits argmax     {np.mean(probs.argmax(1) == y_val.argmax(1)):.4f}"
          "   (what 'accuracy' computes)")
    print(f"  per-label              {np.mean(hard == y_val):.4f}")
    print(f"  exact match            {np.mean(np.all(hard == y_val, axis=1)):.4f}")
    if monitor.mismatches:
        m = monitor.mismatches[0]
        print(f"\nTruAccMonitor flagged {m.key!r}: {m.cause}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    main(parser.parse_args().epochs)
