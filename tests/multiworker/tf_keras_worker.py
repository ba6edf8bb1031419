"""One worker of a 2-worker tf_keras (Keras 2) job under TensorFlow's
``MultiWorkerMirroredStrategy``, with ``truacc.auto()`` and the monitor.

``python tf_keras_worker.py CONFIG_JSON``; the config gives ``ports`` (one per
worker, on 127.0.0.1), ``index`` (this worker's), ``out`` (a folder: this worker
writes ``worker-<index>.json`` there), ``log_dir`` (shared, as on a cluster's
shared disk), ``epochs`` and ``batch`` (per worker).

As in ``jax_worker.py``, each worker feeds its own shard (``shards.job_data``),
padded with rows of weight 0 to the same number of full batches, with the
accuracies in ``weighted_metrics``.
"""

import json
import os
import sys
import traceback
import warnings

config = json.loads(sys.argv[1])
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["TF_CONFIG"] = json.dumps({
    "cluster": {"worker": [f"127.0.0.1:{port}" for port in config["ports"]]},
    "task": {"type": "worker", "index": config["index"]},
})
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

strategy = tf.distribute.MultiWorkerMirroredStrategy()  # before any other TF op

import tf_keras
from shards import CLASSES, job_data

import keras_truacc as truacc


def dataset(shard, batch):
    """This worker's shard, batched per replica (one replica per worker), as
    ``distribute_datasets_from_function`` wants it: tf.distribute neither shards
    nor rebatches it (a plain dataset would be read as the global batch, and each
    worker would count only its part of every batch)."""
    labels = np.eye(CLASSES, dtype="float32")[shard["y"]]
    data = tf.data.Dataset.from_tensor_slices((shard["x"], labels, shard["w"])).batch(batch)
    steps = len(shard["y"]) // batch  # the shards are padded to whole batches
    return strategy.distribute_datasets_from_function(lambda _context: data.repeat()), steps


def main():
    index, workers = config["index"], len(config["ports"])
    tf_keras.utils.set_random_seed(0)
    batch = config["batch"]
    job = job_data(workers, batch)
    train, train_steps = dataset(job["train"]["shards"][index], batch)
    validation, validation_steps = dataset(job["validation"]["shards"][index], batch)
    with strategy.scope():
        model = tf_keras.Sequential([
            tf_keras.layers.Input((64,)),
            tf_keras.layers.Dense(32, activation="relu"),
            tf_keras.layers.Dense(CLASSES, activation="softmax"),
        ])
        model.compile(
            tf_keras.optimizers.Adam(0.01),
            "categorical_crossentropy",
            weighted_metrics=[
                truacc.auto(),
                tf_keras.metrics.CategoricalAccuracy(name="keras_accuracy"),
                # Certainly wrong here (10 one-hot classes): the monitor warns about it.
                tf_keras.metrics.BinaryAccuracy(name="binary_accuracy"),
            ],
        )
    monitor = truacc.TruAccMonitor(log_dir=config["log_dir"], summary=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(train, validation_data=validation, epochs=config["epochs"],
                            steps_per_epoch=train_steps, validation_steps=validation_steps,
                            callbacks=[monitor], verbose=0)
        evaluated = model.evaluate(train, steps=train_steps, verbose=0, return_dict=True,
                                   callbacks=[monitor])
    report = {
        "index": index,
        "pid": os.getpid(),
        "replicas": strategy.num_replicas_in_sync,
        "history": history.history,
        "evaluate": evaluated,
        "warnings": [
            {"category": w.category.__name__, "message": str(w.message)}
            for w in seen if issubclass(w.category, truacc.TruAccWarning)
        ],
    }
    if index == 0:
        np.savez(os.path.join(config["out"], "weights.npz"), *model.get_weights())
    with open(os.path.join(config["out"], f"worker-{index}.json"), "w") as f:
        json.dump(report, f, default=float)
    print(f"worker {index} done", flush=True)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
