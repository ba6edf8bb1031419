"""Two named outputs: one accuracy per output, each worked out for its own head.

A functional model reads scikit-learn's 8x8 digits (load_digits, ships with
sklearn) and has two heads:
  - "digit": Dense(10, softmax), sparse_categorical_crossentropy -> argmax;
  - "big":   Dense(1) logits ("is the digit >= 5?"),
             BinaryCrossentropy(from_logits=True) -> threshold at 0.
Both are compiled with metrics={"digit": [truacc.auto()], "big": [truacc.auto(),
"binary_accuracy"]}: the same truacc.auto() picks the right accuracy for each
head, and Keras names the keys per output (digit_accuracy, big_accuracy, ...).
Keras's "binary_accuracy" (what "accuracy" becomes on one unit; two metrics
named "accuracy" on one output would be logged as big_accuracy and
big_accuracy_1) thresholds the logits at 0.5 and is wrong;
TruAccMonitor adds digit_true_accuracy, big_true_accuracy, their val_ keys and
the per-output majority baselines, and warns about big_accuracy.

Run:  python examples/two_outputs.py [--epochs 3]
"""

import argparse
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import keras_truacc as truacc  # noqa: E402


def build_model():
    inputs = keras.Input(shape=(64,), name="pixels")
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    digit = keras.layers.Dense(10, activation="softmax", name="digit")(hidden)
    big = keras.layers.Dense(1, name="big")(hidden)  # a logit, no sigmoid
    return keras.Model(inputs, {"digit": digit, "big": big})


def main(epochs):
    data = load_digits()
    x = data.data.astype("float32") / 16.0
    y = {"digit": data.target, "big": (data.target >= 5).astype("float32")}

    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss={"digit": "sparse_categorical_crossentropy",
              "big": keras.losses.BinaryCrossentropy(from_logits=True)},
        metrics={"digit": [truacc.auto()],
                 "big": [truacc.auto(), "binary_accuracy"]},  # 0.5 on logits: wrong
    )
    monitor = truacc.TruAccMonitor(summary=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", truacc.TruAccWarning)
        history = model.fit(x, y, validation_split=0.25, epochs=epochs, batch_size=32,
                            verbose=0, callbacks=[monitor]).history
    for w in caught:  # show keras-truacc's warnings in line with the output
        if issubclass(w.category, truacc.TruAccWarning):
            print(f"{w.category.__name__}: {w.message}")

    print(f"\nLogged keys after {epochs} epochs (validation):")
    for key in sorted(history):
        if key.startswith("val_") and "loss" not in key:
            print(f"  {key:<32} {history[key][-1]:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    main(parser.parse_args().epochs)
