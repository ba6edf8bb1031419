"""One rank of a 2-rank ``torch.distributed`` (gloo) job on Keras's torch backend:
each rank fits a small model on its own shard, counts ``truacc.auto()`` over the
shard in a plain loop, then ``truacc.distributed.all_reduce_counts`` sums the
counts of both ranks.

``python torch_rank.py PORT RANK WORLD OUT``: writes ``OUT/rank-<RANK>.json``
with the local and summed counts, the summed ``result()`` and the shard's labels
and predicted classes (the test's numpy reference, on the union of the shards).
"""

import datetime
import json
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import torch.distributed as dist
from shards import CLASSES, job_data

import keras_truacc as truacc
from keras_truacc.distributed import all_reduce_counts


def main(port, rank, world, out):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world, timeout=datetime.timedelta(seconds=60))
    shard = job_data(world, batch=32)["train"]["shards"][rank]
    real = shard["w"] > 0
    x, y = shard["x"][real], shard["y"][real]  # no padding: torch ranks run their own loops
    keras.utils.set_random_seed(rank)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    acc = truacc.auto()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[acc])
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)

    acc.reset_state()
    predicted = []
    for start in range(0, len(y), 50):
        p = model(x[start:start + 50], training=False)
        acc.update_state(y[start:start + 50], p)
        predicted.append(keras.ops.convert_to_numpy(p).argmax(-1))
    local = acc.counts()
    summed = all_reduce_counts(acc)
    big = big_counts_summed()
    dist.barrier()
    report = {"rank": rank, "local": local, "summed": summed, "counts_after": acc.counts(),
              "result": float(acc.result()), "big": big, "y": y.tolist(),
              "predicted": np.concatenate(predicted).tolist()}
    with open(os.path.join(out, f"rank-{rank}.json"), "w") as f:
        json.dump(report, f)
    dist.destroy_process_group()


def big_counts_summed():
    """Counts past float32's 2**24 on each rank (total = 2**40 + 2**20 + 5): summed,
    each must stay exact (a float32 sum would round 2 * that to 2**41 + 2**21)."""
    metric = truacc.TrueAccuracy(task="multiclass")
    totals = np.zeros(len(metric.exact_counts.names))
    totals[metric.exact_counts.names.index("total")] = 2.0**40 + 2.0**20 + 5.0
    metric.exact_counts.assign_exact(totals)
    return all_reduce_counts(metric)["total"], metric.counts()["total"]


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
