"""Several processes, one job: which process speaks, and summing counts across ranks.

The monitor's figures are global when the backend computes each step over the
global batch (Keras 3's ``DataParallel`` on JAX), so every process logs the same
numbers. Saying them once is the job of process 0: warnings and TensorBoard
dashboards come from the process where ``is_chief()`` is true.

``process_index()`` asks the backend in use, importing nothing new:

- JAX (``keras.distribution.initialize``): ``jax.process_index()``;
- ``torch.distributed``, once initialized: ``torch.distributed.get_rank()``;
- TensorFlow: ``TF_CONFIG``: the ``chief`` task is 0, then the workers (worker 0
  is process 0 when the cluster has no chief); ``ps`` and ``evaluator`` tasks
  are never process 0;
- otherwise 0: one process.

>>> process_index(), is_chief()
(0, True)

Keras's torch backend has no multi-process ``fit``: with ``torch.distributed``,
each rank updates its own ``auto()`` and ``all_reduce_counts(metric)`` sums the
exact counts of every rank into each rank's metric. See its docstring.
"""

from __future__ import annotations

import json
import os
import sys

from keras_truacc.which_keras import is_keras2_object

ISSUE_MWMS = "https://github.com/keras-team/keras/issues/20585"

# Counts are kept as float32 pairs (see ``metrics.counters``): exact up to 2**44.
_EXACT_LIMIT = float(2**44)


def process_index() -> int:
    """This process's index in a multi-process job (0 when there is one process)."""
    if _keras_backend() == "jax" and "jax" in sys.modules:
        return int(sys.modules["jax"].process_index())
    rank = _torch_rank()
    if rank is not None:
        return rank
    return _tf_config_index()


def is_chief() -> bool:
    """Whether this process is the one that warns and writes dashboards."""
    return process_index() == 0


def all_reduce_counts(metric, group=None) -> dict:
    """Sum a ``truacc.auto()`` metric's exact counts over every ``torch.distributed``
    rank, in place (as ``torch.distributed.all_reduce`` does), and return them.

    After it, on every rank, ``metric.result()`` is the accuracy over the union
    of all ranks' data and ``metric.counts()`` the global counts. Call it once
    per pass (every rank must call it), then ``metric.reset_state()`` before the
    next pass. Each count is summed as a float64 integer, exact up to 2**44
    samples (the counters' own limit; beyond it this raises ``OverflowError``).

    ```python
    acc = truacc.auto()                      # on each rank, with KERAS_BACKEND=torch
    for x, y in my_shard:
        acc.update_state(y, model(x))
    truacc.distributed.all_reduce_counts(acc)   # every rank, once
    print(float(acc.result()))               # the same global figure on every rank
    ```

    With a single process (``torch.distributed`` not initialized) nothing is summed:

    >>> import numpy as np
    >>> from keras_truacc.metrics import TrueAccuracy
    >>> m = TrueAccuracy(task="multiclass")
    >>> m.update_state(np.array([1, 0]), np.array([[.2, .8], [.3, .7]]))
    >>> all_reduce_counts(m)["correct"], all_reduce_counts(m)["total"]
    (1.0, 2.0)
    """
    counts = getattr(metric, "exact_counts", None)
    if counts is None:
        raise TypeError(
            f"{type(metric).__name__} keeps no exact counts; expected a truacc.auto() metric "
            "(TrueAccuracy)."
        )
    if _torch_rank() is None:
        return metric.counts()
    exact = counts.exact()
    import torch

    names = list(counts.names)
    local = torch.tensor([exact[name] for name in names], dtype=torch.float64)
    if torch.distributed.get_backend(group) == "nccl":  # NCCL reduces GPU tensors only
        local = local.to(torch.cuda.current_device())  # (untested here: no GPU)
    torch.distributed.all_reduce(local, op=torch.distributed.ReduceOp.SUM, group=group)
    total = local.cpu().numpy()
    if (total >= _EXACT_LIMIT).any():
        raise OverflowError("more than 2**44 samples: the counts are no longer exact")
    counts.assign_exact(total)
    return metric.counts()  # as the metric reports them (derived checks included)


def unsupported_strategy_message(model) -> str | None:
    """One line when a Keras 3 model is under TensorFlow's
    ``MultiWorkerMirroredStrategy``, which Keras 3 itself does not support."""
    if "tensorflow" not in sys.modules or is_keras2_object(model):
        return None
    tf = sys.modules["tensorflow"]
    strategy = getattr(model, "distribute_strategy", None)
    if strategy is None and tf.distribute.has_strategy():
        strategy = tf.distribute.get_strategy()
    kinds = tuple(
        kind
        for kind in (
            getattr(tf.distribute, "MultiWorkerMirroredStrategy", None),
            getattr(tf.distribute.experimental, "MultiWorkerMirroredStrategy", None),
        )
        if kind is not None
    )
    if strategy is None or not isinstance(strategy, kinds):
        return None
    return (
        "Keras 3 itself does not support tf.distribute.MultiWorkerMirroredStrategy "
        f"({ISSUE_MWMS}): with several workers its fit fails inside Keras, with or "
        "without keras-truacc; tf_keras (Keras 2) supports this strategy."
    )


def _keras_backend():
    keras = sys.modules.get("keras")
    try:
        return keras.config.backend()
    except Exception:  # no Keras 3 loaded (or tf_keras under the name)
        return None


def _torch_rank():
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    dist = getattr(torch, "distributed", None)
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return None
    return int(dist.get_rank())


def _tf_config_index() -> int:
    try:
        config = json.loads(os.environ.get("TF_CONFIG") or "{}")
        task = config.get("task") or {}
        kind, index = task.get("type"), int(task.get("index", 0))
    except (ValueError, TypeError, AttributeError):
        return 0
    if kind in (None, "chief", "master"):
        return 0
    if kind == "worker":
        cluster = config.get("cluster") or {}
        return index + (1 if ("chief" in cluster or "master" in cluster) else 0)
    return -1  # ps, evaluator: never process 0

