"""MirroredStrategy on 2 logical CPUs: auto() and the monitor against numpy on predict.

Prints one JSON line. Run by tests/test_scale.py in a fresh process (devices are
set before TensorFlow starts).
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_truacc as truacc  # noqa: E402

n, batch = int(sys.argv[1]), int(sys.argv[2])
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(n, 8)).astype("float32")
y = (x @ rng.normal(size=(8, 5))).argmax(-1)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", truacc.auto(name="auto")])
history = model.fit(x, y, epochs=2, batch_size=batch, verbose=0, validation_data=(x, y),
                    callbacks=[truacc.TruAccMonitor(summary=False)])
result = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)
p = model.predict(x, verbose=0)
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "auto": result["auto"],
    "val_true_accuracy": history.history["val_true_accuracy"][-1],
    "reference": float((p.argmax(-1) == y).mean()),
}))
