"""A logits model: Keras's "accuracy" thresholds at 0.5, the decision boundary is 0.

The model ends in Dense(1) with no activation and is trained with
BinaryCrossentropy(from_logits=True): its output is a logit, and the class
boundary is logit 0 (probability 0.5). Keras resolves metrics=["accuracy"] to
BinaryAccuracy(threshold=0.5) from the shapes alone and applies 0.5 to the logit,
i.e. to probability sigmoid(0.5) = 0.62. Every row whose logit lies in (0, 0.5)
is called negative. truacc.auto() reads from_logits from the loss and
thresholds at 0. The script checks both numbers by hand from model.predict.

Data: scikit-learn's breast cancer data set (ships with sklearn, no download).

Run:  python examples/binary_logits.py [--epochs 5]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import keras_truacc as truacc  # noqa: E402


def main(epochs):
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y.astype("float32"), test_size=0.3, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(x.shape[1],)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),  # no sigmoid: the output is a logit
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy", truacc.auto(name="true_acc")],
    )
    # A short run: the logits are still small, many sit between 0 and 0.5.
    history = model.fit(x_train, y_train, validation_data=(x_test, y_test),
                        epochs=epochs, batch_size=32, verbose=0).history

    print(f"{'epoch':>5} {'val_accuracy (Keras)':>21} {'val_true_acc (truacc)':>22}")
    for epoch, (keras_acc, true_acc) in enumerate(
            zip(history["val_accuracy"], history["val_true_acc"]), start=1):
        print(f"{epoch:>5} {keras_acc:>21.4f} {true_acc:>22.4f}")

    # The same two numbers by hand, from the raw logits.
    logits = model.predict(x_test, verbose=0).ravel()
    at_half = np.mean((logits > 0.5) == y_test)
    at_zero = np.mean((logits > 0.0) == y_test)
    between = np.sum((logits > 0) & (logits <= 0.5))
    print(f"\nBy hand on the test set: logit > 0.5 -> {at_half:.4f}, logit > 0 -> {at_zero:.4f}")
    print(f"{between} of {len(logits)} test rows have a logit in (0, 0.5]: "
          "predicted positive by the model, counted negative by Keras.")

    # inspect() says what each compiled accuracy really computes, and the fix.
    print()
    print(truacc.inspect(model))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    main(parser.parse_args().epochs)
