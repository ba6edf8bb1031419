"""Telling a metric's verdict to the user: its problems and its guesses, each once
per metric and once per model output between all the metrics serving it."""

from __future__ import annotations

from keras_truacc.decision.verdict import Verdict
from keras_truacc.messages import GuessWarning, OnceRegistry, TruAccWarning, said_for, warn


class VerdictTeller:
    """Says what a verdict found, once; ``binding`` (``reading.binding``) is the
    model output the metric serves, or ``None`` for a metric used on its own."""

    def __init__(self):
        self._once = OnceRegistry()

    def tell(self, name: str, verdict: Verdict, binding) -> None:
        """The verdict's warnings; its guess too, unless the label rows will settle it
        (``tell_settled_guess``): the argmax they may settle on guesses nothing."""
        for problem in verdict.problems:
            if problem.severity != "note" and self._said(problem.code, binding):
                warn(f"truacc ({name}): {problem.message}", TruAccWarning)
        if verdict.guessed and not verdict.settles_by_label_rows:
            self.tell_guess(name, verdict, binding)

    def tell_guess(self, name: str, verdict: Verdict, binding) -> None:
        """The guess ``verdict`` rests on and what would settle it, once."""
        if not verdict.guessed or not self._said("guessed", binding):
            return
        guesses = " ".join(r for r in verdict.reasons if "uess" in r or "Nothing says" in r)
        where = (
            "the model's facts don't settle which accuracy is meant"
            if binding is not None
            else "no model was found for this metric"
        )
        settle = f" What would settle it: {verdict.settled_by}." if verdict.settled_by else ""
        warn(
            f"truacc ({name}): {where}, so it guessed: "
            f"{guesses or verdict.spec.describe()}{settle}",
            GuessWarning,
        )

    def _said(self, code, binding) -> bool:
        """Whether ``code`` is said now: once per metric, and once per model output
        between all the metrics serving it (``messages.said_for``)."""
        if not self._once.first(code):
            return False
        if binding is None:
            return True
        return said_for(binding.model).first((binding.output_index, code))
