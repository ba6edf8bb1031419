"""Text classification with a Transformer block: token ids pre-padded with 0 by
``pad_sequences`` (no mask), a ``TokenAndPositionEmbedding`` and a
``TransformerBlock`` (custom layers), GlobalAveragePooling1D over the time steps,
then Dense(2, softmax) per review: one prediction per sequence, so the padding
is in the inputs, never in the labels. ``sparse_categorical_crossentropy`` with
``metrics=["accuracy"]`` (right: Keras picks SparseCategoricalAccuracy from the
(N,) labels against the (N, 2) output). The example has no callbacks.

Source: keras-team/keras-io, examples/nlp/text_classification_with_transformer.py
(https://keras.io/examples/nlp/text_classification_with_transformer/), the Keras 3
version.
Kept: ``TransformerBlock`` (MultiHeadAttention(num_heads, key_dim=embed_dim),
a Sequential ffn Dense(ff_dim, relu) -> Dense(embed_dim), two LayerNormalization(
epsilon=1e-6), two Dropout(rate=0.1); ``call(self, inputs)`` without a
``training`` argument, as written) and ``TokenAndPositionEmbedding`` as written;
the model (Input(shape=(maxlen,)), embedding, transformer block,
GlobalAveragePooling1D, Dropout(0.1), Dense(20, relu), Dropout(0.1), Dense(2,
softmax)); embed_dim 32, num_heads 2, ff_dim 32; ``keras.utils.pad_sequences(x,
maxlen=maxlen)`` (pre-padding and pre-truncation with 0); compile
(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]);
batch_size 32; validation_data as arrays; 2 epochs.
Changed: vocab_size 200 instead of 20000, maxlen 40 instead of 200; 480 synthetic
"reviews" of 8-60 word ids (a positive or a negative set of sentiment words mixed
into neutral words; longer reviews are truncated by ``pad_sequences`` as IMDB's
are) instead of ``keras.datasets.imdb.load_data``.
"""

import keras
import numpy as np
from keras import layers, ops

from tests import reference as ref

EPOCHS = 2
VOCAB_SIZE, MAXLEN = 200, 40
N, N_VAL = 480, 96


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(ff_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def _reviews(rng, n):
    """Ragged lists of word ids (1 = start, 2 = OOV as in IMDB; 3..22 positive
    words, 23..42 negative words, the rest neutral) and 0/1 labels."""
    labels = rng.integers(0, 2, n)
    reviews = []
    for label in labels:
        length = int(rng.integers(8, 61))
        words = rng.integers(43, VOCAB_SIZE, size=length)
        sentiment = rng.uniform(size=length) < 0.3
        own = rng.integers(3, 23, size=length) if label else rng.integers(23, 43, size=length)
        reviews.append([1] + list(np.where(sentiment, own, words)))
    return reviews, labels.astype("int64")


def make_data(rng):
    reviews, labels = _reviews(rng, N)
    x = keras.utils.pad_sequences(reviews, maxlen=MAXLEN)
    return {
        "x": x[:-N_VAL], "y": labels[:-N_VAL], "val": (x[-N_VAL:], labels[-N_VAL:]),
        "fit": {"batch_size": 32},
    }


def build(extra, data):
    embed_dim = 32  # Embedding size for each token
    num_heads = 2  # Number of attention heads
    ff_dim = 32  # Hidden layer size in feed forward network inside transformer

    inputs = layers.Input(shape=(MAXLEN,))
    embedding_layer = TokenAndPositionEmbedding(MAXLEN, VOCAB_SIZE, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"] + extra(),
    )
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
