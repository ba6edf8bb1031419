"""Named entity recognition with a Transformer: a subclassed ``keras.Model``
(``NERModel``) tagging padded token sequences WITHOUT a mask, trained with the
custom ``CustomNonPaddingTokenLoss`` (a ``keras.losses.Loss`` subclass wrapping
``SparseCategoricalCrossentropy(reduction=None)`` and zeroing positions where
``y_true == 0``); token ids and tag ids are padded with 0; no compiled metric.
The true accuracy counts the tokens the loss counts: label 0 ([PAD]) excluded.

Source: keras-team/keras-io, examples/nlp/ner_transformers.py
(https://keras.io/examples/nlp/ner_transformers/), the Keras 3 version.
Kept: ``TransformerBlock`` and ``TokenAndPositionEmbedding`` layers, ``NERModel``
(embedding, transformer block, Dropout(0.1), Dense(ff_dim, relu), Dropout(0.1),
Dense(num_tags, softmax)), ``CustomNonPaddingTokenLoss`` as written there,
``compile(
optimizer="adam", loss=loss)``, the tag table ([PAD], O, B-/I- x PER, ORG, LOC,
MISC: 10 tags, 0 = [PAD]), tags shifted by +1 so that 0 is free for padding.
Changed: vocab_size 60 instead of 20000, maxlen 16 instead of 128, embed_dim 32,
num_heads 2, ff_dim 32 (the example uses 32/4/64); 400 synthetic sentences of
4-16 tokens (each entity token has its own tag, other tokens are O) instead of
CoNLL 2003; every sentence padded with 0 to 16 tokens in numpy instead of
``padded_batch`` (one batch shape, so JAX compiles once); batch 32; 3 epochs;
``keras.backend.cast`` in the loss is ``keras.ops.cast`` (Keras 3.15 has no
``keras.backend.cast``); the loss's ``from_logits=True`` is ``False`` here, to
match the softmax output (on TensorFlow Keras quietly takes the softmax's
logits back, on JAX it does not, and the model then barely learns).
"""

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 3
VOCAB_SIZE, MAXLEN, NUM_TAGS = 60, 16, 10
N, N_VAL = 400, 80


def make_tag_lookup_table():
    iob_labels = ["B", "I"]
    ner_labels = ["PER", "ORG", "LOC", "MISC"]
    all_labels = [(label1, label2) for label2 in ner_labels for label1 in iob_labels]
    all_labels = ["-".join([a, b]) for a, b in all_labels]
    all_labels = ["[PAD]", "O"] + all_labels
    return dict(zip(range(0, len(all_labels) + 1), all_labels))


def make_data(rng):
    mapping = make_tag_lookup_table()
    assert len(mapping) == NUM_TAGS
    # tokens 1..19 are entities (tag 2..9, i.e. B-/I- tags), 20..59 are "O" words (tag 1)
    token_tag = np.ones(VOCAB_SIZE, dtype="int64")
    token_tag[1:20] = 2 + (np.arange(19) % 8)
    x = np.zeros((N, MAXLEN), dtype="int64")
    y = np.zeros((N, MAXLEN), dtype="int64")
    for i in range(N):
        length = rng.integers(4, MAXLEN + 1)
        entity = rng.uniform(size=length) < 0.4
        tokens = np.where(entity, rng.integers(1, 20, length), rng.integers(20, VOCAB_SIZE, length))
        x[i, :length] = tokens
        y[i, :length] = token_tag[tokens]
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 32}}


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [
                keras.layers.Dense(ff_dim, activation="relu"),
                keras.layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = keras.layers.Dropout(rate)
        self.dropout2 = keras.layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = keras.layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = keras.layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, inputs):
        maxlen = keras.ops.shape(inputs)[-1]
        positions = keras.ops.arange(start=0, stop=maxlen, step=1)
        position_embeddings = self.pos_emb(positions)
        token_embeddings = self.token_emb(inputs)
        return token_embeddings + position_embeddings


class NERModel(keras.Model):
    def __init__(self, num_tags, vocab_size, maxlen=128, embed_dim=32, num_heads=2, ff_dim=32):
        super().__init__()
        self.embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
        self.transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
        self.dropout1 = layers.Dropout(0.1)
        self.ff = layers.Dense(ff_dim, activation="relu")
        self.dropout2 = layers.Dropout(0.1)
        self.ff_final = layers.Dense(num_tags, activation="softmax")

    def call(self, inputs, training=False):
        x = self.embedding_layer(inputs)
        x = self.transformer_block(x)
        x = self.dropout1(x, training=training)
        x = self.ff(x)
        x = self.dropout2(x, training=training)
        x = self.ff_final(x)
        return x


class CustomNonPaddingTokenLoss(keras.losses.Loss):
    def __init__(self, name="custom_ner_loss"):
        super().__init__(name=name)

    def call(self, y_true, y_pred):
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=False, reduction=None)
        loss = loss_fn(y_true, y_pred)
        mask = keras.ops.cast((y_true > 0), dtype="float32")
        loss = loss * mask
        return keras.ops.sum(loss) / keras.ops.sum(mask)


def build(extra, data):
    ner_model = NERModel(NUM_TAGS, VOCAB_SIZE, maxlen=MAXLEN, embed_dim=32, num_heads=2, ff_dim=32)
    loss = CustomNonPaddingTokenLoss()
    ner_model.compile(optimizer="adam", loss=loss, metrics=extra())
    return ner_model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    # The loss ignores padded positions (y_true == 0): so does the true accuracy.
    return {"tokens": ref.argmax_accuracy(y_val, probs, valid=(y_val != 0))}


EXPECT = {
    "keys": {"val_true_accuracy": "tokens", "val_truacc_auto": "tokens"},
    "warnings": [],
    "wrong": set(),
}
