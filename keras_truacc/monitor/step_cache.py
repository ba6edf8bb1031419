"""Traced step functions kept between calls, for exactly as long as the compile they
were traced for.

A monitor keeps two kinds of step: the ones traced with its metrics, for the next
monitor with the same options on the same model (``evaluate(callbacks=[...])`` in a
loop then traces nothing again), and Keras's own, set aside while the monitor's run
and put back at the end. Both are kept on the compile record (``glue.compile_record``:
an object the model's ``compile`` makes anew on every call), never on the monitor.

A recompile drops the record, and every step kept on it goes with it, even when a
monitor's call never ended (a fit that raised, a monitor kept in a variable). On JAX
that matters for correctness: while an old jitted ``model.train_step`` is alive, JAX
serves its cached trace, with the old loss, optimizer and options, to the step Keras
jits after the recompile.

>>> class Record:  # stands in for what ``compile`` makes
...     pass
>>> record = Record()
>>> kept = kept_steps(record)
>>> kept_steps(record) is kept, kept.keras, kept.monitor
(True, (None, None), None)
>>> kept_steps(None) is None  # no record: nothing is kept
True
"""

from __future__ import annotations

import dataclasses
import gc
import weakref

_ATTRIBUTE = "_truacc_kept_steps"


@dataclasses.dataclass(eq=False)
class KeptSteps:
    """What is kept for one compile of one model."""

    keras: tuple = (None, None)  # Keras's own train and test steps, while a monitor's run
    monitor: object = None  # a monitor's traced steps (``attachment.OwnSteps``)


def kept_steps(record) -> KeptSteps | None:
    """The steps kept on a compile ``record`` (empty the first time); ``None`` for none."""
    if record is None:
        return None
    kept = vars(record).get(_ATTRIBUTE)
    if kept is None:
        kept = KeptSteps()
        # Past any attribute tracking: the record is Keras's, and only carries this.
        object.__setattr__(record, _ATTRIBUTE, kept)
    return kept


def forget_monitor_steps(kept: KeptSteps | None) -> None:
    """Drop the monitor's steps kept in ``kept`` and free their functions now: emptied
    in place, so an object that still holds them (a monitor whose fit raised) holds no
    traced function."""
    steps = kept.monitor if kept is not None else None
    if steps is None:
        return
    kept.monitor = None
    left = [weakref.ref(fn) for fn in (steps.train, steps.test) if fn is not None]
    steps.train = steps.test = None
    del steps
    if any(ref() is not None for ref in left):
        gc.collect()  # held in a reference cycle: JAX would keep serving its trace
