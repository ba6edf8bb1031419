"""Reload a saved model in a fresh process (no custom_objects), evaluate, resume fit.
Prints one JSON line."""

import json
import sys

import keras
import numpy as np

path, data = sys.argv[1], np.load(sys.argv[2])
import keras_truacc  # noqa: F401,E402  (registers the classes; no custom_objects)

model = keras.models.load_model(path)
before = model.evaluate(data["x"], data["y"], verbose=0, return_dict=True)
model.fit(data["x"], data["y"], epochs=1, verbose=0)
after = model.evaluate(data["x"], data["y"], verbose=0, return_dict=True)
p = model.predict(data["x"], verbose=0)
print(json.dumps({"before": before, "after": after,
                  "reference_after": float(((p > 0) == (data["y"] > 0.5)).mean())}))
