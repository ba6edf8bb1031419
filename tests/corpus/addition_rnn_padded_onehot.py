"""Sequence to sequence learning for number addition: one-hot answers padded
with spaces, and the space is class 0 (``sorted("0123456789+ ")`` puts " "
first); plain ``categorical_crossentropy`` and ``metrics=["accuracy"]``, no
mask. Keras's accuracy and the true accuracy both count every position,
padding included (that is what the loss trains on too); the monitor says so
with a DataWarning pointing at ``ignore_class``, and
``truacc.auto(ignore_class=0)`` gives the figure over the answer digits only
(rows whose label is class 0 excluded).

Source: keras-team/keras-io, examples/nlp/addition_rnn.py
(https://keras.io/examples/nlp/addition_rnn/).
Kept: ``CharacterTable`` (sorted chars, one-hot ``encode``), the data recipe
(random a+b questions padded with spaces to MAXLEN and reversed, answers padded
with spaces to DIGITS + 1, duplicates skipped), the model (LSTM encoder,
RepeatVector(DIGITS + 1), LSTM(return_sequences=True) decoder,
Dense(len(chars), softmax)), compile ("categorical_crossentropy", "adam",
["accuracy"]), a held-out 10% for validation.
Changed: DIGITS 2 instead of 3; LSTM 64 instead of 128; 1000 questions instead
of 50000; ``keras.Input`` instead of ``input_shape=`` on the first LSTM; one
``fit`` of 5 epochs instead of 30 one-epoch fits; batch 32; the harness's
``truacc.auto()`` plus ``truacc.auto(ignore_class=0)`` appended.
"""

import keras
import numpy as np
from keras import layers

import keras_truacc as truacc
from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 5
TRAINING_SIZE = 1000
DIGITS = 2
REVERSE = True
# Maximum length of input is 'int + int' (e.g., '34+67'). Maximum length of
# int is DIGITS.
MAXLEN = DIGITS + 1 + DIGITS


class CharacterTable:
    """Given a set of characters: encode them to a one-hot integer representation."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = dict((c, i) for i, c in enumerate(self.chars))
        self.indices_char = dict((i, c) for i, c in enumerate(self.chars))

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x


# All the numbers, plus sign and space for padding.
chars = "0123456789+ "
ctable = CharacterTable(chars)
assert ctable.char_indices[" "] == 0  # the padding is class 0


def make_data(rng):
    questions, expected, seen = [], [], set()
    while len(questions) < TRAINING_SIZE:
        f = lambda: int(  # noqa: E731
            "".join(rng.choice(list("0123456789")) for i in range(rng.integers(1, DIGITS + 1)))
        )
        a, b = f(), f()
        # Skip any addition questions we've already seen
        # Also skip any such that x+Y == Y+x (hence the sorting).
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        # Pad the data with spaces such that it is always MAXLEN.
        q = "{}+{}".format(a, b)
        query = q + " " * (MAXLEN - len(q))
        ans = str(a + b)
        # Answers can be of maximum size DIGITS + 1.
        ans += " " * (DIGITS + 1 - len(ans))
        if REVERSE:
            # Reverse the query, e.g., '12+345  ' becomes '  543+21'. (Note the
            # space used for padding.)
            query = query[::-1]
        questions.append(query)
        expected.append(ans)

    x = np.zeros((len(questions), MAXLEN, len(chars)), dtype="float32")
    y = np.zeros((len(questions), DIGITS + 1, len(chars)), dtype="float32")
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence, MAXLEN)
    for i, sentence in enumerate(expected):
        y[i] = ctable.encode(sentence, DIGITS + 1)

    # Explicitly set apart 10% for validation data that we never train over.
    split_at = len(x) - len(x) // 10
    (x_train, x_val) = x[:split_at], x[split_at:]
    (y_train, y_val) = y[:split_at], y[split_at:]
    return {"x": x_train, "y": y_train, "val": (x_val, y_val), "fit": {"batch_size": 32}}


def build(extra, data):
    num_layers = 1  # Try to add more LSTM layers!

    model = keras.Sequential()
    model.add(keras.Input((MAXLEN, len(chars))))
    # "Encode" the input sequence using a LSTM, producing an output of size 64.
    model.add(layers.LSTM(64))
    # As the decoder RNN's input, repeatedly provide with the last output of
    # RNN for each time step. Repeat 'DIGITS + 1' times as that's the maximum
    # length of output, e.g., when DIGITS=2, max output is 99+99=198.
    model.add(layers.RepeatVector(DIGITS + 1))
    # The decoder RNN could be multiple layers stacked or a single layer.
    for _ in range(num_layers):
        model.add(layers.LSTM(64, return_sequences=True))
    # Apply a dense layer to the every temporal slice of an input. For each of step
    # of the output sequence, decide which character should be chosen.
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(
        loss="categorical_crossentropy",
        optimizer="adam",
        metrics=["accuracy"] + extra() + [truacc.auto(name="truacc_auto_ignore0", ignore_class=0)],
    )
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {
        "all_positions": ref.argmax_accuracy(y_val, probs),
        "digits_only": ref.argmax_accuracy(y_val, probs, valid=(y_val.argmax(-1) != 0)),
    }


EXPECT = {
    "keys": {
        "val_true_accuracy": "all_positions",
        "val_truacc_auto": "all_positions",
        "val_truacc_auto_ignore0": "digits_only",
    },
    "keras": {"val_accuracy": "all_positions"},
    "warnings": [Warn("DataWarning", "ignore_class", count=1)],
    "wrong": set(),
}
