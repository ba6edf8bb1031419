"""A training script whose compiled 'accuracy' is wrong: Dense(1) logits,
BinaryCrossentropy(from_logits=True), metrics=['accuracy'] (thresholded at 0.5).

Usage: python logits_accuracy.py LOG
Writes "<sum of the weights before fit> <after fit> <number of History keys>" to
LOG, saves the model after fit as LOG.keras, and prints a line after fit.
"""

import sys

import keras
import numpy as np


def main(log):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1.0),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    before = weight_sum(model)
    history = model.fit(x, y, sample_weight=np.ones(64, "float32"), validation_split=0.25,
                        batch_size=16, epochs=3, verbose=0)
    with open(log, "w") as f:
        f.write(f"{before!r} {weight_sum(model)!r} {len(history.history)}\n")
    model.save(log + ".keras")
    print("after fit: the script went on")


def weight_sum(model):
    return float(sum(np.sum(w) for w in model.get_weights()))


if __name__ == "__main__":
    main(sys.argv[1])
