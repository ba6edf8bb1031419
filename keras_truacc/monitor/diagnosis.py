"""What the monitor finds in one fit or evaluate, and says: each epoch's checks run
on the logs and the counts (``checks``), the findings said once each, the
mismatches, the history and the notes, and the end-of-fit summary (``report``).

It reads the model and the slots the monitor's attachment holds; it changes
neither, and never touches the logs Keras hands to other callbacks.
"""

from __future__ import annotations

from keras_truacc.messages import OnceRegistry, warn
from keras_truacc.monitor import checks, report
from keras_truacc.monitor.checks import EXACT_KEY, TRUE_KEY, Mismatch
from keras_truacc.monitor.judgements import (
    judge_compiled_metrics,
    unweighted_accuracy_keys,
    wrong_family_metrics,
)
from keras_truacc.reading.model_facts import output_count


class Diagnosis:
    """One monitor's findings; ``hold`` is its ``attachment.Attachment``."""

    def __init__(self, hold, tolerance: float, weighted: bool):
        self.hold = hold
        self.tolerance = tolerance
        self.weighted = weighted
        self.said = OnceRegistry()
        self.judged = None
        self.late_wrong = None  # [(log key, judgement)], once the verdicts settle
        self.start()

    def start(self) -> None:
        """A new fit: no mismatch, history or note yet."""
        self.mismatches: list[Mismatch] = []
        self.history: list[dict] = []
        self.notes: list[str] = []
        # Compiled Keras accuracies seen counting label rows with no class set.
        self.counting_empty_rows: set[str] = set()

    def forget_judgements(self) -> None:
        """A new attach: the compiled metrics are judged again."""
        self.judged = None
        self.late_wrong = None

    def accuracy_slots(self):
        return [s for s in self.hold.slots if s.log_key.endswith(TRUE_KEY)]

    def twin_slots(self):
        """The true twins of compiled metrics that are wrong (``slot.twin_of``:
        ``(compiled key, judgement)``)."""
        return [s for s in self.hold.slots if s.twin_of is not None]

    def judged_metrics(self, model):
        """``(log key, true key, judgement)`` for each compiled accuracy-like metric,
        kept once every verdict is settled (``judgements``)."""
        if self.judged is not None:
            return self.judged
        outputs = max([output_count(model)] + [s.output_index + 1 for s in self.hold.slots])
        judged, settled = judge_compiled_metrics(model, self.accuracy_slots(), outputs)
        if settled:
            self.judged = judged
        return judged

    def say(self, findings) -> None:
        """Say each finding once per fit: a warning, or a note in the summary."""
        for finding in findings:
            if finding is None or not self.said.first(finding.once):
                continue
            if finding.category is None:
                self.notes.append(finding.message)
            else:
                warn(finding.message, finding.category)

    def check_epoch(self, model, epoch, logs) -> None:
        """The checks at the end of an epoch (``epoch``) or of an evaluate (``None``)."""
        wrapper = self.hold.wrapper
        if wrapper is None or wrapper.failed:
            return
        stalled = checks.step_update_finding(wrapper.updated, logs)
        if stalled is not None:
            self.say([stalled])
            return
        if epoch is not None:
            self.check_empty_pass(logs, "The training data")
        self.check_data(model)
        self.say(checks.twin_finding(slot.log_key, *slot.twin_of) for slot in self.twin_slots())
        self.check_untwinned_metrics(model)
        for slot in self.accuracy_slots():  # a guess open until the label rows showed
            slot.metric.report_settled_guess()
        found = checks.mismatches(self.judged_metrics(model), logs, epoch, self.tolerance)
        self.mismatches.extend(found)
        self.say(checks.mismatch_finding(m, self.tolerance) for m in found)
        if wrapper.saw_sample_weight and not self.weighted:
            unweighted = unweighted_accuracy_keys(model)
            if unweighted:
                self.say([checks.unweighted_note(unweighted)])
        self.history.append({k: float(v) for k, v in logs.items() if _is_number(v)})

    def check_untwinned_metrics(self, model) -> None:
        """Compiled metrics that are wrong and have no twin (no Keras class computes
        them right, or the label rows settled it after the twins were made): judged
        once, when every verdict has settled."""
        if self.late_wrong is not None:
            return
        slots = self.accuracy_slots()
        if any(s.metric.settled_verdict() is None for s in slots):
            return
        twinned = {slot.twin_of[0] for slot in self.twin_slots()}
        self.late_wrong = wrong_family_metrics(model, slots, output_count(model), twinned)
        self.say(checks.untwinned_finding(key, judgement)
                 for key, judgement in self.late_wrong)

    def check_empty_pass(self, logs, what=None) -> None:
        """``what`` names the training data (its pass logs ``val_`` keys too); without
        it, the pass is the validation or evaluate pass, whose logs are its own."""
        own_logs = what is None
        if what is None:
            fit = self.hold.mode == "fit"
            what = "The validation data" if fit else "The data given to evaluate"
        wrapper = self.hold.wrapper
        updated = wrapper is None or wrapper.updated
        keys = [slot.log_key for slot in self.accuracy_slots()]
        self.say([checks.empty_pass_finding(keys, logs, updated, what, own_logs)])

    def check_data(self, model) -> None:
        wrapper = self.hold.wrapper
        if wrapper is None or not wrapper.updated:
            return
        for slot in self.accuracy_slots():
            counting = [k for k, true_key, _j in self.judged_metrics(model)
                        if true_key == slot.log_key]
            findings = checks.data_findings(slot, slot.metric.counts(), slot.metric.verdict,
                                            counting)
            for finding in findings:
                if finding.once == ("empty rows", slot.log_key) and finding.category is not None:
                    self.counting_empty_rows.update(counting)
            self.say(findings)

    def finish(self, logs) -> bool:
        """The end-of-fit findings; whether there is a summary to print."""
        wrapper = self.hold.wrapper
        if wrapper is None or wrapper.failed:
            return False
        self.say(checks.baseline_finding(slot, logs, self.tolerance, wrapper.saw_sample_weight)
                 for slot in self.accuracy_slots())
        return True

    def summary_text(self, model, logs) -> str:
        """The end-of-fit table: each accuracy-like key, its final value, the true one."""
        twins = [(slot.log_key, *slot.twin_of) for slot in self.twin_slots()]
        # Exact match is made for outputs that could be multi-label when fit starts;
        # where the labels showed one class per row it repeats the true accuracy.
        single_label = {slot.log_key[: -len(TRUE_KEY)] + EXACT_KEY
                        for slot in self.accuracy_slots()
                        if _task(slot) not in (None, "multilabel")}
        shown = {key: value for key, value in logs.items()
                 if key.removeprefix("val_") not in single_label}
        return report.summary_text([s.log_key for s in self.accuracy_slots()],
                                   self.judged_metrics(model), shown, self.mismatches,
                                   self.notes, self.counting_empty_rows, twins,
                                   self.late_wrong or ())

    def dashboard_series(self, model, logs) -> dict:
        """``{split: {series name: value}}`` for this epoch (see ``report``)."""
        return report.dashboard_series([s.log_key for s in self.hold.slots],
                                       self.judged_metrics(model), logs)


def _task(slot) -> str | None:
    verdict = slot.metric.settled_verdict()
    return None if verdict is None else verdict.task


def _is_number(value) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False
