"""Keras 3 on TensorFlow under ``MultiWorkerMirroredStrategy`` (one worker, from
``TF_CONFIG``), fit with the monitor: prints one JSON line with the
keras-truacc warnings seen and how ``fit`` ended. ``python keras3_mwms.py PORT``.
"""

import json
import os
import sys
import warnings

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CONFIG"] = json.dumps({
    "cluster": {"worker": [f"127.0.0.1:{sys.argv[1]}"]},
    "task": {"type": "worker", "index": 0},
})

import keras
import numpy as np
import tensorflow as tf

import keras_truacc as truacc

strategy = tf.distribute.MultiWorkerMirroredStrategy()
with strategy.scope():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[truacc.auto()])
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
y = x[:, :3].argmax(-1)
ended = "fit returned"
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    try:
        model.fit(x, y, epochs=1, batch_size=16, verbose=0,
                  callbacks=[truacc.TruAccMonitor(summary=False)])
    except Exception as error:  # Keras 3 fails here; what matters is what we said first
        ended = f"{type(error).__name__}: {str(error)[:200]}"
print(json.dumps({
    "warnings": [str(w.message) for w in seen if issubclass(w.category, truacc.TruAccWarning)],
    "fit": ended,
}))
