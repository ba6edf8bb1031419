"""The monitor's metrics as slots of one metric pass, whichever Keras runs it.

A ``Slot`` is one of the monitor's metrics, the output it watches and its log key.
``SlotUpdates`` is the part of a wrapped metric pass that updates the slots after
Keras's own compiled metrics and reads their results, and never breaks the step:
the Keras 3 wrapper (``keras3/injection.py``) and the tf_keras one
(``keras2/injection.py``) are each this on their own Keras's container.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras


@dataclass
class Slot:
    """One of the monitor's metrics, the output it watches and its log key."""

    metric: keras.metrics.Metric
    output_index: int
    output_name: str | None
    log_key: str
    weighted: bool = False
    # A true twin's: the judgement of the compiled metric it corrects, and that
    # metric's log key (``monitor.slot_making``); ``None`` for the others.
    twin_of: tuple | None = None

    def weight_from(self, sample_weight):
        """The weight this slot counts with: the sample weight itself when weighted;
        otherwise 1 for every sample whose weight is not 0. A weight of 0 says
        "not a sample" (padding left out by ``sample_weight = labels != 0``),
        even for a figure that counts every real sample once."""
        if sample_weight is None:
            return None
        if self.weighted:
            return sample_weight
        return keras.ops.cast(keras.ops.not_equal(sample_weight, 0), "float32")

    def select(self, structure):
        """This slot's output from ``y_true``/``y_pred``/``sample_weight``."""
        if isinstance(structure, dict):
            if self.output_name in structure:
                return structure[self.output_name]
            return keras.tree.flatten(structure)[self.output_index]
        if isinstance(structure, (list, tuple)):
            return structure[self.output_index] if len(structure) > self.output_index else structure[0]
        return structure


class SlotUpdates:
    """The monitor's part of a wrapped metric pass, whichever Keras runs it:
    update each slot's metric after Keras's own, and never break the step."""

    def _set_up_slots(self, slots, on_failure, make_slots):
        self.slots = None if slots is None else tuple(slots)
        self._make_slots = [make_slots]  # lists: not tracked by Keras
        self._on_failure = [on_failure]
        self.failed = False
        self.saw_sample_weight = False
        self.updated = False  # whether any step updated the compiled metrics

    def adopt(self, on_failure, make_slots):
        """Serve another monitor from now on (it reuses the steps traced with this)."""
        self._on_failure[0] = on_failure
        self._make_slots[0] = make_slots

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Keras's own compiled metrics (``inner``), then the slots."""
        if self.inner is not None:
            self.inner.update_state(y_true, y_pred, sample_weight)
        self.update_slots(y_true, y_pred, sample_weight)

    def reset_state(self):
        if self.inner is not None:
            self.inner.reset_state()
        self.reset_slots()

    def update_slots(self, y_true, y_pred, sample_weight):
        self.updated = True
        if sample_weight is not None:
            self.saw_sample_weight = True
        if self.failed:
            return
        try:
            if self.slots is None:
                self.slots = tuple(self._make_slots[0](y_true, y_pred))
            for slot in self.slots:
                weight = None
                if sample_weight is not None:
                    weight = slot.weight_from(slot.select(sample_weight))
                slot.metric.update_state(slot.select(y_true), slot.select(y_pred), weight)
        except Exception as error:  # never break training
            self._fail(error)

    def slot_results(self, results: dict, share_reads: bool = True) -> dict:
        """Each slot's result by log key. With ``share_reads``, metrics that read the
        same counts (the true accuracy and its baseline) share one read of them."""
        if self.failed:
            return results
        try:
            totals = {}
            for slot in self.slots or ():
                counts = getattr(slot.metric, "counts_read", None) if share_reads else None
                if counts is None:
                    results[slot.log_key] = slot.metric.result()
                    continue
                if id(counts) not in totals:
                    totals[id(counts)] = counts.values()
                results[slot.log_key] = slot.metric.result_from(totals[id(counts)])
        except Exception as error:
            self._fail(error)
        return results

    def reset_slots(self):
        for slot in self.slots or ():
            slot.metric.reset_state()

    def _fail(self, error):
        self.failed = True
        self._on_failure[0](error)
