"""Whether thresholded outputs are logits, probabilities or scores, and so where
the decision threshold lies: from the loss's ``from_logits``, the activation, what
the loss probe saw, and only last the outputs' range (a guess, said as one).

Each rule is a function of one resolution in progress (``resolver._Resolution``).
"""

from __future__ import annotations

import math

from keras_truacc.decision.verdict import PROBABILITY_ACTIVATIONS, RAW_ACTIVATIONS, SCALE


def decide_scale(r) -> None:
    f, o = r.facts, r.overrides
    act = f.activation
    loss = f.loss
    meaning = r.meaning
    probed_point = r.probe.decision_point if r.probe is not None else None
    if o.from_logits is not None:
        r.scale = "logits" if o.from_logits else "probabilities"
        r.reason(f"from_logits={o.from_logits} was set explicitly.")
    elif meaning is not None and meaning.family == "hinge":
        r.scale = "scores"
        r.reason("A hinge loss decides by the sign of the score: threshold 0.")
        if act in ("sigmoid", "softmax"):
            r.problem(
                "hinge_on_probabilities",
                "warning",
                f"{r.output_desc()} ends in {act}, so its scores are never negative, "
                "but a hinge loss decides by sign. Fix: `activation='linear'` or "
                "`'tanh'` on the last layer.",
            )
    elif act in PROBABILITY_ACTIVATIONS:
        r.scale = "probabilities"
        r.reason(f"The last layer applies {act}: outputs are probabilities.")
        if loss is not None and loss.from_logits:
            r.problem(
                "logits_loss_on_probabilities",
                "warning",
                f"{r.output_desc()} already applies {act}, but the loss has "
                "from_logits=True and applies it again, which squashes the "
                "gradient. Fix: remove the activation, or use from_logits=False.",
            )
    elif loss is not None and meaning is not None and loss.from_logits:
        r.scale = "logits"
        r.reason("The loss has from_logits=True: outputs are logits, decided at 0.")
        if act not in RAW_ACTIVATIONS:
            r.reason(f"(The last layer's activation is {act!r}.)")
    elif loss is not None and meaning is not None and meaning.probabilities:
        r.scale = "probabilities"
        if act == "linear" and f.has_model:
            r.problem(
                "probability_loss_on_raw_output",
                "warning",
                f"{r.output_desc()} has no activation, but the loss has "
                "from_logits=False and treats it as probabilities (Keras clips it to "
                "[1e-7, 1 - 1e-7]). Fix: `from_logits=True` in the loss, or "
                "`activation='sigmoid'` on the last layer.",
            )
        r.reason("The loss has from_logits=False: outputs are read as probabilities.")
    elif probed_point is not None:
        r.scale = "probabilities" if probed_point == 0.5 else "scores"
        r.positive_below = bool(r.probe.positive_below)
        if r.positive_below:
            r.scale = "scores"
        r.reason(
            f"Probing the loss showed it decides at {probed_point:g}: outputs are read as "
            + (
                f"scores (a distance) where below {probed_point:g} means label 1."
                if r.positive_below
                else "probabilities." if probed_point == 0.5 else "scores decided there."
            )
        )
    elif loss is not None and loss.from_logits:
        # A loss Keras doesn't ship whose own config says from_logits=True, and
        # probing found no single decision point (it weighs the classes unequally).
        r.scale = "logits"
        r.guess(SCALE)
        r.reason(
            f"The loss {loss.name.removeprefix('custom:')} has from_logits=True in its "
            "config: outputs were read as logits, decided at 0. Pass from_logits= to "
            "be sure."
        )
    elif f.output_range is not None:
        low, high = f.output_range
        r.guess(SCALE)
        if low < 0.0 or high > 1.0:
            r.scale = "logits"
            r.reason(
                f"Guessed from values: outputs span [{low:.3g}, {high:.3g}], outside "
                "[0, 1], so they were read as logits. Pass from_logits= to be sure."
            )
        else:
            r.scale = "probabilities"
            r.reason(
                f"Guessed from values: outputs lie in [{low:.3g}, {high:.3g}], so they "
                "were read as probabilities. Pass from_logits= to be sure."
            )
    else:
        r.scale = "probabilities"
        r.guess(SCALE)
        r.reason(
            "Nothing says whether outputs are logits; they were read as probabilities. "
            "Pass from_logits= to be sure."
        )
    r.threshold = decision_threshold(r)

def decision_threshold(r) -> float:
    o = r.overrides
    if r.scale == "scores":
        if o.threshold is not None:
            return float(o.threshold)
        probed = r.probe.decision_point if r.probe is not None else None
        return 0.0 if probed is None else float(probed)
    p = 0.5 if o.threshold is None else float(o.threshold)
    if r.scale == "logits":
        return 0.0 if p == 0.5 else math.log(p / (1.0 - p))
    return p
