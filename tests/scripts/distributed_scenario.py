"""The scenario both multi-device scripts run: one model, fit with the monitor,
evaluate with auto(), and numpy on predict as the reference. Prints one JSON line."""

import json
import sys

import keras
import numpy as np

import keras_truacc as truacc


def run(replicas, scope):
    n, batch = int(sys.argv[1]), int(sys.argv[2])
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 5))).argmax(-1)
    with scope:
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy",
                      metrics=["accuracy", truacc.auto(name="auto")])
    history = model.fit(x, y, epochs=2, batch_size=batch, verbose=0, validation_data=(x, y),
                        callbacks=[truacc.TruAccMonitor(summary=False)])
    result = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    print(json.dumps({
        "replicas": replicas,
        "auto": result["auto"],
        "val_true_accuracy": history.history["val_true_accuracy"][-1],
        "reference": float((p.argmax(-1) == y).mean()),
    }))
