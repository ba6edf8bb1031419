"""The keras-truacc benchmark suite (run it with ``python benchmarks/run.py``).

Modules:

- ``run``: the command-line entry point (``--quick``, ``--out``, ``--raw``).
- ``suite``: the modes and their sizes, the worker subprocesses, the report.
- ``timing``: interleaving, wall/CPU clocks, timing callbacks, statistics.
- ``models``: the models (CNN, MLP, ResNet, ...) and the synthetic data.
- ``step_time``: study 1, step time and steady epoch, auto() vs 'accuracy'.
- ``monitor_fit``: study 2, fit with the monitor vs without.
- ``validation``: study 3, the monitor's validation pass in time; repeated evaluate.
- ``memory``: study 3, peak RSS of the validation pass, fresh processes.
- ``counters``: study 4, counter exactness past 2**24.
- ``ops``: study 5, train-step ops, jaxpr equations and metric variables;
  its counting functions are importable.

No module imports Keras at import time: each backend's work runs in a worker
subprocess with ``KERAS_BACKEND`` set, and the parent only renders.
"""
