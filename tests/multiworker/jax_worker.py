"""One process of a 2-process Keras 3 job on JAX: ``keras.distribution.initialize``,
``DataParallel`` over every process's devices, ``truacc.auto()`` and the monitor.

``python jax_worker.py CONFIG_JSON``; the config gives ``coordinator``
(``host:port``), ``num_processes``, ``process_id``, ``out`` (a folder: this
process writes ``worker-<id>.json`` there), ``log_dir`` (shared by all
processes, as on a cluster's shared disk), ``epochs``, ``batch`` (per process)
``die_at_batch`` (the fault test: the last process exits with code 3 there) and
``pad`` (default true; false feeds the shards unpadded, uneven last batches).

Each process feeds its own shard (``shards.job_data``) as a ``tf.data`` input
with ``auto_shard_dataset=False``. The shards are padded with rows of weight 0 to
the same number of full batches, and the accuracies are ``weighted_metrics``, so
the padding counts for nothing. Written: the history, ``evaluate`` on the
train data, the warnings seen, and (process 0) the final weights, for the test's
numpy reference.
"""

import json
import os
import sys
import traceback
import warnings

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")

import keras
import numpy as np
import tensorflow as tf
from shards import CLASSES, job_data

import keras_truacc as truacc


def dataset(shard, batch, pad=True):
    if not pad:  # the shard's own rows only: its last batch is shorter
        shard = {key: value[shard["w"] > 0] for key, value in shard.items()}
    labels = np.eye(CLASSES, dtype="float32")[shard["y"]]
    return tf.data.Dataset.from_tensor_slices((shard["x"], labels, shard["w"])).batch(batch)


class DieAt(keras.callbacks.Callback):
    """The fault test: this process vanishes mid-epoch, as a killed worker does."""

    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            print(f"worker {jax.process_index()} dies at batch {batch}", flush=True)
            os._exit(3)


def main(config):
    pid, processes = config["process_id"], config["num_processes"]
    keras.distribution.initialize(
        job_addresses=config["coordinator"], num_processes=processes, process_id=pid
    )
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(
            devices=keras.distribution.list_devices(), auto_shard_dataset=False
        )
    )
    keras.utils.set_random_seed(0)
    batch = config["batch"]
    job = job_data(processes, batch)
    pad = config.get("pad", True)
    train = dataset(job["train"]["shards"][pid], batch, pad)
    validation = dataset(job["validation"]["shards"][pid], batch, pad)

    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(
        keras.optimizers.Adam(0.01),
        "categorical_crossentropy",
        # metrics= get no sample weights: these count the padding rows too.
        metrics=[truacc.auto(name="unweighted_auto"),
                 keras.metrics.CategoricalAccuracy(name="unweighted_keras_accuracy")],
        weighted_metrics=[
            truacc.auto(),
            keras.metrics.CategoricalAccuracy(name="keras_accuracy"),
            # Certainly wrong here (10 one-hot classes): the monitor warns about it.
            keras.metrics.BinaryAccuracy(name="binary_accuracy"),
        ],
    )
    callbacks = [truacc.TruAccMonitor(log_dir=config["log_dir"], summary=False)]
    if config.get("die_at_batch") is not None and pid == processes - 1:
        callbacks.append(DieAt(config["die_at_batch"]))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(train, validation_data=validation, epochs=config["epochs"],
                            callbacks=callbacks, verbose=0)
        evaluated = model.evaluate(train, verbose=0, return_dict=True)
    report = {
        "process_id": pid,
        "process_index": jax.process_index(),
        "pid": os.getpid(),
        "devices": len(jax.devices()),
        "history": history.history,
        "evaluate": evaluated,
        "warnings": [
            {"category": w.category.__name__, "message": str(w.message)}
            for w in seen if issubclass(w.category, truacc.TruAccWarning)
        ],
    }
    if pid == 0:
        weights = [np.asarray(w) for w in model.get_weights()]
        np.savez(os.path.join(config["out"], "weights.npz"), *weights)
    with open(os.path.join(config["out"], f"worker-{pid}.json"), "w") as f:
        json.dump(report, f, default=float)
    print(f"worker {pid} done", flush=True)


if __name__ == "__main__":
    try:
        main(json.loads(sys.argv[1]))
    except BaseException:
        # After a peer dies, JAX's exit waits for it (jax.distributed's shutdown
        # barrier, minutes): say what failed, then leave at once.
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
