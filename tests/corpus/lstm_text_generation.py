"""Character-level text generation: one LSTM over one-hot characters, Dense(
len(chars), softmax), ``categorical_crossentropy`` and NO metrics (only the
harness's ``truacc.auto``), boolean one-hot inputs and targets (``dtype=bool``),
and a ``LambdaCallback(on_epoch_end=...)`` that calls ``model.predict`` again
and again at the end of every epoch to sample text. The true accuracy: the
argmax of the softmax against the one-hot next character.

Source: keras-team/keras, examples/lstm_text_generation.py (Keras 2.x,
https://github.com/keras-team/keras/blob/2.2.4/examples/lstm_text_generation.py).
Kept: ``chars = sorted(list(set(text)))``, ``char_indices``/``indices_char``,
semi-redundant sequences of ``maxlen`` characters every ``step`` characters,
the vectorization into ``np.zeros(..., dtype=np.bool)`` arrays x (N, maxlen,
len(chars)) and y (N, len(chars)), the model (LSTM(128, input_shape=(maxlen,
len(chars))), Dense(len(chars), activation='softmax')), ``RMSprop(lr=0.01)``,
``compile(loss='categorical_crossentropy', optimizer=optimizer)``, ``sample``
(temperature-scaled multinomial draw), ``on_epoch_end`` (a random seed
sentence, the diversities [0.2, 0.5, 1.0, 1.2], ``model.predict`` on one
one-hot sentence per generated character, ``sys.stdout.write``),
``print_callback = LambdaCallback(on_epoch_end=on_epoch_end)``,
``fit(x, y, batch_size=128, callbacks=[print_callback])``.
Changed: ported to Keras 3 (``keras.Input`` instead of ``input_shape=``,
``learning_rate=`` instead of ``lr=``, ``bool`` for the removed ``np.bool``);
a 2,400-character synthetic text (words drawn from a small vocabulary, so the
next character is often predictable) instead of nietzsche.txt; maxlen 12
instead of 40; LSTM(32) instead of 128; 2 generated characters per diversity
instead of 400; the sampling draws from the case's seeded generator instead
of ``random``/``np.random``; a validation set (the last 20% of the sequences,
as ``validation_data``) added, the script has none; 4 epochs instead of 60.
"""

import sys

import keras
import numpy as np
from keras.callbacks import LambdaCallback

from tests import reference as ref

EPOCHS = 4
maxlen = 12
step = 3
GENERATED = 2
_WORDS = ["the ", "cat ", "sat ", "on ", "mat ", "and ", "then ", "ran ", "to ", "a ", "hat. "]


def make_data(rng):
    text = "".join(_WORDS[i] for i in rng.integers(0, len(_WORDS), 700))[:2400]
    print("corpus length:", len(text))

    chars = sorted(list(set(text)))
    print("total chars:", len(chars))
    char_indices = dict((c, i) for i, c in enumerate(chars))
    indices_char = dict((i, c) for i, c in enumerate(chars))

    # cut the text in semi-redundant sequences of maxlen characters
    sentences = []
    next_chars = []
    for i in range(0, len(text) - maxlen, step):
        sentences.append(text[i : i + maxlen])
        next_chars.append(text[i + maxlen])
    print("nb sequences:", len(sentences))

    print("Vectorization...")
    x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1

    model_box = []  # the callback needs the model; build() fills this

    def sample(preds, temperature=1.0):
        # helper function to sample an index from a probability array
        preds = np.asarray(preds).astype("float64")
        preds = np.log(preds) / temperature
        exp_preds = np.exp(preds)
        preds = exp_preds / np.sum(exp_preds)
        probas = rng.multinomial(1, preds, 1)
        return np.argmax(probas)

    def on_epoch_end(epoch, _):
        # Function invoked at end of each epoch. Prints generated text.
        model = model_box[0]
        print()
        print("----- Generating text after Epoch: %d" % epoch)

        start_index = int(rng.integers(0, len(text) - maxlen - 1))
        for diversity in [0.2, 0.5, 1.0, 1.2]:
            print("----- diversity:", diversity)

            generated = ""
            sentence = text[start_index : start_index + maxlen]
            generated += sentence
            print('----- Generating with seed: "' + sentence + '"')
            sys.stdout.write(generated)

            for i in range(GENERATED):
                x_pred = np.zeros((1, maxlen, len(chars)))
                for t, char in enumerate(sentence):
                    x_pred[0, t, char_indices[char]] = 1.0

                preds = model.predict(x_pred, verbose=0)[0]
                next_index = sample(preds, diversity)
                next_char = indices_char[next_index]

                generated += next_char
                sentence = sentence[1:] + next_char

                sys.stdout.write(next_char)
                sys.stdout.flush()
            print()

    print_callback = LambdaCallback(on_epoch_end=on_epoch_end)
    cut = int(len(x) * 0.8)
    return {
        "x": x[:cut], "y": y[:cut], "val": (x[cut:], y[cut:]),
        "fit": {"batch_size": 128, "callbacks": [print_callback]},
        "n_chars": len(chars), "model_box": model_box,
    }


def build(extra, data):
    # build the model: a single LSTM
    print("Build model...")
    model = keras.Sequential()
    model.add(keras.Input(shape=(maxlen, data["n_chars"])))
    model.add(keras.layers.LSTM(32))
    model.add(keras.layers.Dense(data["n_chars"], activation="softmax"))

    optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=extra())
    data["model_box"].append(model)
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {},  # no compiled accuracy
    "warnings": [],
    "wrong": set(),
}
