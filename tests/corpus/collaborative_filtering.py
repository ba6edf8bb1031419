"""Collaborative filtering: a subclassed ``keras.Model`` whose ``call`` ends in
``ops.nn.sigmoid(x)`` (no layer holds the output activation), trained with
``keras.losses.BinaryCrossentropy()``; no compiled metric (only the harness's
``truacc.auto()``). The true accuracy thresholds the probabilities at 0.5.

Source: keras-team/keras-io,
examples/structured_data/collaborative_filtering_movielens.py
(https://keras.io/examples/structured_data/collaborative_filtering_movielens/),
the Keras 3 version.
Kept: ``RecommenderNet`` (user and movie Embeddings with he_normal init and
l2(1e-6), user and movie bias Embeddings of size 1, dot product plus biases,
``ops.nn.sigmoid``), inputs as (user index, movie index) pairs of shape (N, 2),
compile (keras.losses.BinaryCrossentropy(),
keras.optimizers.Adam(learning_rate=0.001)), batch 64, validation_data.
Changed: the targets are binary "liked" flags (rating >= 3.5 stars) instead of
ratings min-max scaled to [0, 1], so the output is a classification; the dot
product is taken per row (``ops.sum(user_vector * movie_vector, axis=1,
keepdims=True)``, as ``layers.Dot(axes=1)`` in the TF-only version) instead of
``ops.tensordot(user_vector, movie_vector, 2)``, which contracts the batch axis
too and makes each prediction depend on the rest of its batch; EMBEDDING_SIZE 8
instead of 50; 3000 synthetic ratings by 20 users of 30 movies (user and
movie effects plus taste) instead of MovieLens; 8 epochs.
"""

import keras
import numpy as np
from keras import layers, ops

from tests import reference as ref

EPOCHS = 8
EMBEDDING_SIZE = 8
NUM_USERS, NUM_MOVIES, N, N_VAL = 20, 30, 3000, 400


def make_data(rng):
    user_effect = rng.normal(0, 1.0, NUM_USERS)
    movie_effect = rng.normal(0, 1.0, NUM_MOVIES)
    taste_u, taste_m = rng.normal(0, 0.5, (NUM_USERS, 3)), rng.normal(0, 0.5, (NUM_MOVIES, 3))
    user = rng.integers(0, NUM_USERS, N)
    movie = rng.integers(0, NUM_MOVIES, N)
    rating = 3.5 + user_effect[user] + movie_effect[movie] + (taste_u[user] * taste_m[movie]).sum(1)
    rating = rating + rng.normal(0, 0.3, N)
    liked = (rating >= 3.5).astype("float32")
    x = np.stack([user, movie], axis=1)
    return {"x": x[:-N_VAL], "y": liked[:-N_VAL], "val": (x[-N_VAL:], liked[-N_VAL:]),
            "fit": {"batch_size": 64}}


class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        dot_user_movie = ops.sum(user_vector * movie_vector, axis=1, keepdims=True)
        # Add all the components (including bias)
        x = dot_user_movie + user_bias + movie_bias
        # The sigmoid activation forces the rating to between 0 and 1
        return ops.nn.sigmoid(x)


def build(extra, data):
    model = RecommenderNet(NUM_USERS, NUM_MOVIES, EMBEDDING_SIZE)
    model.compile(
        loss=keras.losses.BinaryCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        metrics=extra(),
    )
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.binary_accuracy(y_val, probs, 0.5)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
