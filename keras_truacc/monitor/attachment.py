"""The monitor's hold on one model for one ``fit`` or ``evaluate``: wrap the model's
metric pass, put in the steps traced with it (made now, or reused from an earlier
call on the same compile), and at the end put the model back as Keras made it.

Nothing here is global: the wrapper sits on that one model's compile, and Keras's
own steps are set aside on the model's compile record (``step_cache``) while the
monitor's run, and put back on release.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref

from keras_truacc.monitor.step_cache import KeptSteps, forget_monitor_steps, kept_steps
from keras_truacc.reading.model_facts import output_specs


@dataclasses.dataclass(eq=False)
class OwnSteps:
    """The monitor's wrapper for one compiled model, and the steps traced with it.
    Kept on the model's compile record (``step_cache``), never on a monitor, which
    holds it weakly: a recompile frees it even if a monitor's call never ended."""

    inner: object  # the model's compiled metrics the wrapper wraps
    wrapper: object
    options: tuple = ()  # what shaped the slots (see ``Attachment.attach``)
    train: object = None
    test: object = None
    complete: bool = False  # a call with them ended and filled in its steps


class Attachment:
    """Where a monitor stands with a model: attached by ``mode`` (``"fit"``,
    ``"evaluate"``, or ``"pending"`` for tf_keras before its run), with which
    ``wrapper`` and ``slots``; or detached (``mode`` is ``None``)."""

    def __init__(self):
        self.glue = None  # the model's Keras's injection module
        self.wrapper = None
        self.mode = None
        self.model = None
        self.slots: list = []
        self._steps = None  # a weak reference to this call's ``OwnSteps``
        self._record = None  # a weak reference to the model's compile record
        self._unrecorded = None  # where steps are kept when there is no record

    def attach(self, model, glue, mode, options, make_slots, make_slots_in_step, on_failure):
        """Wrap ``model``'s metric pass and put in the steps traced with it.

        ``options`` is what makes one monitor's slots differ from another's on the same
        model (steps are reused only between equal ones); ``make_slots(shapes)`` makes
        the slots from the output shapes, where they are known before the first step,
        and ``make_slots_in_step(y_true, y_pred)`` inside it otherwise. ``mode``
        ``"pending"`` (tf_keras, from ``set_model``) leaves both steps for tf_keras to
        make, with our metrics, when it runs.
        """
        self.glue = glue
        _put_back_a_stale_wrapper(model, glue)
        kept = self._keep_on(glue.compile_record(model))
        kept.keras = glue.step_functions(model)  # traced by Keras, without our metrics
        steps = self._reusable_steps(model, kept, options, make_slots_in_step, on_failure)
        if steps is not None:
            self.wrapper = glue.attach(model, None, on_failure, reuse=steps.wrapper)
            self.slots = list(steps.wrapper.slots or [])
        else:
            specs = output_specs(model)
            slots = None
            if specs is not None:
                with variable_scope(model):  # tf.distribute: mirrored metric variables
                    slots = make_slots([shape for shape, _dtype in specs])
            self.slots = slots or []
            self.wrapper = glue.attach(model, slots, on_failure, make_slots_in_step)
            steps = kept.monitor = OwnSteps(self.wrapper.inner, self.wrapper, options)
        self._steps = weakref.ref(steps)
        self.mode, self.model = mode, model
        rerecord_jax_sharding(model)
        train, test = steps.train, steps.test
        if mode == "pending":
            glue.set_step_functions(model, (train, test))
            return
        if mode == "fit" and train is None:
            glue.set_step_functions(model, (None, test))
            model.make_train_function(force=True)
            train = model.train_function
        elif mode == "evaluate" and test is None:
            glue.set_step_functions(model, (kept.keras[0], None))
            model.make_test_function(force=True)
            test = model.test_function
        glue.set_step_functions(model, (train if mode == "fit" else kept.keras[0], test))

    def release(self, model=None):
        """Put the model back as Keras made it, keeping the steps traced with our
        metrics for the next call on the same compile."""
        model = self.model or model
        if self.wrapper is not None:
            kept = self._kept()  # None: recompiled since, and what was kept went with it
            steps = self._steps() if self._steps is not None else None
            if kept is not None and steps is not None and kept.monitor is steps:
                train, test = self.glue.step_functions(model)
                made_here = train is not None and train is not kept.keras[0]
                if self.mode == "fit" or made_here:  # (tf_keras: "pending")
                    steps.train = train
                steps.test = test
                steps.complete = True
            self.glue.detach(model, self.wrapper)
            self.glue.set_step_functions(model, kept.keras if kept is not None else (None, None))
            if kept is not None:
                kept.keras = (None, None)  # the model's own again
        self._steps = self._record = self._unrecorded = None
        self.wrapper, self.mode, self.model = None, None, None

    def forget_steps(self) -> None:
        """Never reuse the steps of this call (they failed)."""
        forget_monitor_steps(self._kept())

    def _keep_on(self, record) -> KeptSteps:
        """Where this call keeps steps: on the model's compile record (see
        ``step_cache``), which the monitor holds weakly."""
        self._record = weakref.ref(record) if record is not None else None
        self._unrecorded = KeptSteps() if record is None else None
        return self._kept()

    def _kept(self) -> KeptSteps | None:
        """The steps kept for this call's compile; ``None`` once the model recompiled."""
        if self._record is None:
            return self._unrecorded
        return kept_steps(self._record())

    def _reusable_steps(self, model, kept, options, make_slots_in_step, on_failure):
        """The steps an earlier call on this compile left (this monitor's or another's),
        if that call ended and the compiled metrics and the options that shape the slots
        are the same; steps that don't fit are dropped here, before anything is traced."""
        steps = kept.monitor
        if steps is None:
            return None
        if (
            not steps.complete
            or steps.inner is not self.glue.compiled_metrics(model)
            or steps.options != options
            or steps.wrapper.failed
        ):
            forget_monitor_steps(kept)
            return None
        steps.wrapper.adopt(on_failure, make_slots_in_step)
        return steps


def _put_back_a_stale_wrapper(model, glue):
    """A monitor's wrapper still on ``model`` (its fit raised, and that monitor was
    never used again): put Keras's compiled metrics back, and let Keras trace its
    steps again without ours."""
    from keras_truacc.metrics.slots import SlotUpdates

    stale = glue.compiled_metrics(model)
    if not isinstance(stale, SlotUpdates):
        return
    while isinstance(stale, SlotUpdates):
        glue.detach(model, stale)
        stale = glue.compiled_metrics(model)
    glue.set_step_functions(model, (None, None))


def rerecord_jax_sharding(model):
    """Keras 3.8-3.11 on JAX record one sharding per metric variable before
    ``on_*_begin``; the step rebuilt with our metrics indexes that list, so record
    it again now that the metric variables changed. (Gone in Keras 3.12.)"""
    record = getattr(model, "_record_training_state_sharding_spec", None)
    if record is not None:
        record()


def variable_scope(model):
    """The model's distribution strategy's scope (metric variables made in it are
    mirrored), or no scope."""
    strategy = getattr(model, "distribute_strategy", None)
    if strategy is not None and hasattr(strategy, "scope"):
        return strategy.scope()
    return contextlib.nullcontext()
