"""A training script whose compiled 'accuracy' is right: sigmoid + binary
cross-entropy, data from a tf.data.Dataset, then evaluate.

Usage: python sigmoid_accuracy.py LOG
Writes "<sum of the weights before fit> <after fit>" to LOG.
"""

import sys

import keras
import numpy as np


def main(log):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="binary_crossentropy",
                  metrics=["accuracy"])
    before = float(sum(np.sum(w) for w in model.get_weights()))
    model.fit(data, epochs=2, verbose=0)
    loss, accuracy = model.evaluate(data, verbose=0)
    after = float(sum(np.sum(w) for w in model.get_weights()))
    with open(log, "w") as f:
        f.write(f"{before!r} {after!r}\n")
    print(f"after fit: evaluate gave loss={loss} accuracy={accuracy}")


if __name__ == "__main__":
    main(sys.argv[1])
