"""keras.distribution.DataParallel on 2 JAX host devices: auto() and the monitor
against numpy on predict. Prints one JSON line."""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_truacc as truacc  # noqa: E402

n, batch = int(sys.argv[1]), int(sys.argv[2])
keras.utils.set_random_seed(0)
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
rng = np.random.default_rng(0)
x = rng.normal(size=(n, 8)).astype("float32")
y = (x @ rng.normal(size=(8, 5))).argmax(-1)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", truacc.auto(name="auto")])
history = model.fit(x, y, epochs=2, batch_size=batch, verbose=0, validation_data=(x, y),
                    callbacks=[truacc.TruAccMonitor(summary=False)])
result = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)
p = model.predict(x, verbose=0)
print(json.dumps({
    "replicas": len(jax.devices()),
    "auto": result["auto"],
    "val_true_accuracy": history.history["val_true_accuracy"][-1],
    "reference": float((p.argmax(-1) == y).mean()),
}))
