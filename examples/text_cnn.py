"""The classic question: "binary_crossentropy gives a higher accuracy than
categorical_crossentropy on my multi-class text CNN. Why?"

A text CNN (Embedding, Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dense softmax)
classifies documents into 4 topics. It is trained twice, as in the question:

  1. loss="binary_crossentropy",      metrics=["accuracy", "binary_accuracy"]
  2. loss="categorical_crossentropy", metrics=["accuracy"]

With one-hot labels over 4 classes, binary accuracy scores each of the 4 output
units on its own against a 0.5 threshold: predicting "no" everywhere is already
75% right. TruAccMonitor logs the true (argmax) accuracy beside it and warns.
(Keras 3 itself resolves the string "accuracy" to categorical accuracy here;
Keras 2 picked binary accuracy for a binary_crossentropy loss.)

The corpus is GENERATED in this script: no installed package ships a text corpus
offline (sklearn's 20 newsgroups and keras.datasets.reuters both download). Each
topic has its own vocabulary; documents mix mostly shared words with a few topic
words, some of them borrowed from another topic, so the task is not trivial.

Run:  python examples/text_cnn.py [--epochs 4]
"""

import argparse
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_truacc as truacc  # noqa: E402

TOPICS = {
    "sport": "match goal team coach season league player score win stadium referee cup",
    "politics": "vote party election senate law minister policy campaign debate bill court reform",
    "tech": "software chip data cloud code network startup device app server robot algorithm",
    "cooking": "recipe oven flour sauce garlic bake dish chef spice butter grill taste",
}
SHARED = (
    "the a of and to in is it that for on was with as said new year people time day "
    "week report today more many also after first last about would could make good"
).split()


def make_corpus(n_docs, length=60, topic_share=0.12, seed=0):
    """Integer-encoded documents (0 = padding) and their topic indices."""
    rng = np.random.default_rng(seed)
    vocab = ["<pad>"] + SHARED + [w for words in TOPICS.values() for w in words.split()]
    index = {w: i for i, w in enumerate(vocab)}
    topic_words = [[index[w] for w in words.split()] for words in TOPICS.values()]
    shared = [index[w] for w in SHARED]
    x = np.zeros((n_docs, length), dtype="int32")
    y = rng.integers(0, len(TOPICS), size=n_docs)
    for row, topic in enumerate(y):
        n = rng.integers(length // 2, length + 1)  # documents have different lengths
        words = rng.choice(shared, size=n)
        pick = rng.random(n) < topic_share
        # a third of the topic words come from a random other topic: noise
        other = rng.integers(0, len(TOPICS), size=n)
        source = np.where(rng.random(n) < 0.33, other, topic)
        words[pick] = [rng.choice(topic_words[s]) for s in source[pick]]
        x[row, :n] = words
    return x, y, vocab


def text_cnn(vocab_size, n_classes):
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, 32),
        keras.layers.Conv1D(32, 5, activation="relu"),
        keras.layers.MaxPooling1D(2),
        keras.layers.Conv1D(32, 5, activation="relu"),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])


def main(epochs):
    x, y, vocab = make_corpus(3000)
    print("sample document (topic %r):" % list(TOPICS)[y[0]],
          " ".join(vocab[i] for i in x[0][:25] if i), "...")
    y_onehot = keras.utils.to_categorical(y, len(TOPICS))
    rows = []
    for loss, metrics in (("binary_crossentropy", ["accuracy", "binary_accuracy"]),
                          ("categorical_crossentropy", ["accuracy"])):
        print(f"\n=== loss={loss!r}, metrics={metrics!r} ===")
        keras.utils.set_random_seed(0)
        model = text_cnn(len(vocab), len(TOPICS))
        model.compile(optimizer="adam", loss=loss, metrics=metrics)
        monitor = truacc.TruAccMonitor(summary=True)  # fit runs quietly; the summary still prints
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", truacc.TruAccWarning)
            logs = model.fit(x, y_onehot, validation_split=0.2, epochs=epochs,
                             batch_size=64, verbose=0, callbacks=[monitor]).history
        for w in caught:  # show keras-truacc's warnings in line with the output
            if issubclass(w.category, truacc.TruAccWarning):
                print(f"{w.category.__name__}: {w.message}")
        for metric in metrics:
            rows.append((loss, metric, logs["val_" + metric][-1], logs["val_true_accuracy"][-1]))

    print("\nValidation accuracy after %d epochs (4 balanced topics: chance = 0.25)" % epochs)
    print(f"{'loss':<26}{'metric':<17}{'reported':>9}{'true':>8}")
    for loss, metric, reported, true in rows:
        print(f"{loss:<26}{metric:<17}{reported:>9.4f}{true:>8.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    main(parser.parse_args().epochs)
