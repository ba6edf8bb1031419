"""Keras Tuner ranking trials by the true accuracy: objective and monitor, two lines.

The seed question's set-up (a 10-class softmax trained with binary_crossentropy
and metrics=["binary_accuracy"]) on scikit-learn's load_digits (no download).
The search space: the width of a linear bottleneck and the learning rate.

Two lines make a search rank trials by the true accuracy:
  - objective=keras_tuner.Objective("val_true_accuracy", "max"): Keras Tuner
    can't infer the direction of a metric it doesn't know, so a plain string
    objective="val_true_accuracy" raises ValueError;
  - callbacks=[truacc.TruAccMonitor(summary=False)] in tuner.search(...): the
    monitor puts val_true_accuracy into the logs of every trial's fit.
Every trial also records val_binary_accuracy, so the script shows which trial a
search on it would have kept. (`truacc demo --case tuner` runs both searches.)

Tuner files go to --out (default: a new temporary directory, removed at the end).

Run:  python examples/tuner_search.py [--epochs 4] [--out DIR]
"""

import argparse
import os
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_tuner  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import keras_truacc as truacc  # noqa: E402


def build(hp):
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(hp.Choice("units", [2, 16, 256])),  # a linear bottleneck
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [3e-4, 0.1])),
                  loss="binary_crossentropy", metrics=["binary_accuracy"])
    return model


def best_epoch_value(trial, key):
    return max(obs.value[0] for obs in trial.metrics.get_history(key))


def main(epochs, out):
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    y = keras.utils.to_categorical(data.target, 10)

    try:
        keras_tuner.RandomSearch(build, objective="val_true_accuracy")
    except ValueError as error:
        print(f"objective='val_true_accuracy' (a plain string): ValueError: {error}\n")

    keras.utils.set_random_seed(0)
    tuner = keras_tuner.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_true_accuracy", "max"),
        max_trials=4, seed=2, directory=out, project_name="true_accuracy", overwrite=True,
    )
    with warnings.catch_warnings():  # one AccuracyMismatchWarning per trial: shown once below
        warnings.simplefilter("ignore", truacc.TruAccWarning)
        tuner.search(x, y, validation_split=0.2, epochs=epochs, batch_size=64, verbose=0,
                     callbacks=[truacc.TruAccMonitor(summary=False)])

    trials = list(tuner.oracle.trials.values())
    print(f"{'trial':>5} {'units':>5} {'learning_rate':>13} {'val_binary_accuracy':>19} "
          f"{'val_true_accuracy':>17}   (best epoch of each)")
    for trial in trials:
        hp = trial.hyperparameters
        print(f"{trial.trial_id:>5} {hp.get('units'):>5} {hp.get('learning_rate'):>13g} "
              f"{best_epoch_value(trial, 'val_binary_accuracy'):>19.4f} "
              f"{best_epoch_value(trial, 'val_true_accuracy'):>17.4f}")

    best = tuner.get_best_hyperparameters(1)[0]
    by_binary = max(trials, key=lambda t: best_epoch_value(t, "val_binary_accuracy"))
    print(f"\nbest trial by val_true_accuracy (the tuner's pick): units={best.get('units')}, "
          f"learning_rate={best.get('learning_rate'):g}")
    print(f"best trial by val_binary_accuracy (what objective='val_binary_accuracy' keeps): "
          f"units={by_binary.hyperparameters.get('units')}, "
          f"learning_rate={by_binary.hyperparameters.get('learning_rate'):g}")

    with warnings.catch_warnings():  # Keras: the checkpoint's optimizer state isn't loaded
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]  # the weights of the trial's best epoch
    x_val, y_val = x[-len(x) // 5:], y[-len(x) // 5:]  # what validation_split=0.2 held out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", truacc.TruAccWarning)
        scores = model.evaluate(x_val, y_val, verbose=0, return_dict=True,
                                callbacks=[truacc.TruAccMonitor(summary=False)])
    print("the kept model, evaluate() with the monitor on the validation rows: "
          + ", ".join(f"{k} {scores[k]:.4f}" for k in ("binary_accuracy", "true_accuracy")))

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--out", help="directory for the tuner's files")
    args = parser.parse_args()
    if args.out:
        main(args.epochs, args.out)
    else:
        with tempfile.TemporaryDirectory() as out:
            main(args.epochs, out)
