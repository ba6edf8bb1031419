"""keras-truacc benchmark suite.

    python benchmarks/run.py            # full run (about 20 minutes on 2 CPU cores)
    python benchmarks/run.py --quick    # CI-sized run (under 3 minutes)
    python benchmarks/run.py --quick --out /tmp/RESULTS.md
    python benchmarks/run.py --raw      # also writes the raw numbers, RESULTS.json

Measures, in one run, and writes a Markdown table to ``benchmarks/RESULTS.md``
(or ``--out``), and prints it:

1. Metric overhead (``step_time``): time per training step and per steady
   epoch with ``metrics=[truacc.auto()]`` divided by the same model with
   ``metrics=["accuracy"]``: a small CNN, an MLP with 1,000 classes and a small
   ResNet on 32x32x3 images; TensorFlow and JAX, ``jit_compile`` False and True.
2. Monitor overhead (``monitor_fit``): ``fit`` wall and CPU time with
   ``TruAccMonitor(summary=False)`` divided by without, total (first trace
   included) and per steady epoch, on the same three models.
3. The monitor's validation pass (``validation``, ``memory``): ``evaluate`` with
   the monitor against plain ``evaluate`` and ``model.predict`` + numpy argmax,
   time and peak RSS growth (each memory figure from a fresh process), and
   repeated ``evaluate(callbacks=[monitor])`` on the same model.
4. Counter exactness (``counters``): where Keras's float32 ``Mean``-based
   accuracy and ``truacc.auto(task="multiclass")`` stop counting exactly.
5. Graph size (``ops``): train-step ops (TensorFlow), jaxpr equations (JAX)
   and metric variables per configuration, deterministic.

Every timing is a ratio of INTERLEAVED repeats (A, B, A, B, ...), reported as
the median and the spread (min-max and IQR) of the per-repeat ratios.
Each backend runs in its own subprocess (``KERAS_BACKEND`` is per process).
Nothing here asserts a target: the table says met or missed.

This file is the entry point only; the suite is the ``benchmarks`` package
next to it (``suite.py`` holds the modes and the orchestration).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Run as a script, Python puts this directory first on sys.path, where the
# study modules (ops, memory, ...) would shadow top-level modules of the same
# name; put the repository root there instead, as `python -m` would.
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.suite import main  # noqa: E402

if __name__ == "__main__":
    main(description=__doc__.split("\n\n")[0])
