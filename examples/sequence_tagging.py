"""Sequence tagging with padding: without a mask, padding counts as "right".

Sentences of 4 to 40 tokens are padded with 0 to length 40; their tags are
padded with tag 0 too, so about half of all positions are padding. Predicting
"padding" for a padding token is trivial, so any accuracy that counts those
positions is inflated. Three ways to train the same GRU tagger:

  A. Embedding(mask_zero=False), plain loss:   'accuracy' counts padding;
     truacc.auto() counts it too (nothing says it is padding; inspect() notes it),
     truacc.auto(ignore_class=0) leaves it out.
  B. Embedding(mask_zero=True): the mask reaches the loss and the metrics, so
     'accuracy' and truacc.auto() both skip padding.
  C. No mask, SparseCategoricalCrossentropy(ignore_class=0): the loss skips
     padding; truacc.auto() reads ignore_class from the loss, 'accuracy' does not.

The data is GENERATED: each word has a usual tag, and "ambiguous" words take
their tag from the previous word's, so the tagger needs the context.

Run:  python examples/sequence_tagging.py [--epochs 3]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_truacc as truacc  # noqa: E402

VOCAB, TAGS, MAXLEN = 1000, 5, 40  # token 0 and tag 0 are padding


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    usual_tag = rng.integers(1, TAGS, size=VOCAB)  # tags 1..4 for real words
    ambiguous = rng.random(VOCAB) < 0.4
    x = np.zeros((n, MAXLEN), dtype="int32")
    y = np.zeros((n, MAXLEN), dtype="int32")
    for row in range(n):
        length = rng.integers(4, MAXLEN + 1)
        words = rng.integers(1, VOCAB, size=length)
        tags = usual_tag[words]
        for i in range(1, length):  # an ambiguous word takes the next tag after its predecessor's
            if ambiguous[words[i]]:
                tags[i] = tags[i - 1] % (TAGS - 1) + 1
        x[row, :length], y[row, :length] = words, tags
    return x, y


def tagger(mask_zero):
    return keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        keras.layers.Embedding(VOCAB, 32, mask_zero=mask_zero),
        keras.layers.GRU(32, return_sequences=True),
        keras.layers.Dense(TAGS, activation="softmax"),
    ])


def main(epochs):
    x, y = make_data(2000)
    print(f"padding: {np.mean(y == 0):.1%} of all positions")
    runs = {
        "A. no mask": (False, "sparse_categorical_crossentropy"),
        "B. mask_zero=True": (True, "sparse_categorical_crossentropy"),
        "C. loss ignore_class=0": (False, keras.losses.SparseCategoricalCrossentropy(ignore_class=0)),
    }
    results = {}
    for title, (mask_zero, loss) in runs.items():
        keras.utils.set_random_seed(0)
        model = tagger(mask_zero)
        model.compile(optimizer="adam", loss=loss, metrics=[
            "accuracy",
            truacc.auto(name="true_acc"),
            truacc.auto(name="true_acc_ignore0", ignore_class=0),
        ])
        history = model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=32,
                            verbose=0).history
        results[title] = [history[k][-1] for k in
                          ("val_accuracy", "val_true_acc", "val_true_acc_ignore0")]
        if not title.startswith("B"):
            print(f"\ninspect() on model {title}:")
            print(truacc.inspect(model, y))

    print(f"\nValidation after {epochs} epochs:")
    print(f"{'':<24}{'accuracy':>10}{'auto()':>9}{'auto(ignore_class=0)':>22}")
    for title, (acc, true, ignore0) in results.items():
        print(f"{title:<24}{acc:>10.4f}{true:>9.4f}{ignore0:>22.4f}")
    print("A: 'accuracy' and auto() count padding, which the model learned to tag 0: inflated;\n"
          "   auto(ignore_class=0) is its real-token accuracy.\n"
          "B: the mask reaches every metric. C: only 'accuracy' counts padding, and it is LOW:\n"
          "   the loss never taught the model to predict tag 0. B and C train the same tagger.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    main(parser.parse_args().epochs)
