"""MLflow autologging records true_accuracy, val_true_accuracy and majority_baseline.

mlflow.keras.autolog() logs, every epoch, the logs Keras hands its callbacks.
TruAccMonitor writes its keys into those logs inside Keras's own metric pass, so
MLflow records them beside Keras's binary_accuracy with nothing else to set up.
The script then reads the run back with MlflowClient().get_metric_history and
compares it with the History that fit returned.

The set-up is the seed question's: a 10-class softmax trained with
binary_crossentropy and metrics=["binary_accuracy"] on scikit-learn's
load_digits (no download).

The tracking store is a SQLite file in --out (default ./truacc-mlflow-example;
MLflow 3 refuses a plain folder store unless MLFLOW_ALLOW_FILE_STORE=true).
Open it with:  mlflow ui --backend-store-uri sqlite:///truacc-mlflow-example/mlflow.db

Run:  python examples/mlflow_autolog.py [--epochs 5] [--out DIR]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # this example stays offline

import keras  # noqa: E402
import mlflow  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import keras_truacc as truacc  # noqa: E402

KEYS = ("binary_accuracy", "true_accuracy", "majority_baseline",
        "val_binary_accuracy", "val_true_accuracy", "val_majority_baseline")


def main(epochs, out):
    os.makedirs(out, exist_ok=True)
    out = os.path.abspath(out)
    mlflow.set_tracking_uri(f"sqlite:///{out}/mlflow.db")
    experiment = "keras-truacc example"
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=f"{out}/artifacts")
    mlflow.set_experiment(experiment)
    # log_models=True (the default) works too; it only adds the model upload time.
    mlflow.keras.autolog(log_models=False)

    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    y = keras.utils.to_categorical(data.target, 10)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])
    with mlflow.start_run() as run:
        history = model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=64, verbose=0,
                            callbacks=[truacc.TruAccMonitor(summary=False)]).history

    client = mlflow.tracking.MlflowClient()
    logged = {key: [m.value for m in sorted(client.get_metric_history(run.info.run_id, key),
                                            key=lambda m: m.step)]
              for key in KEYS}
    print(f"MLflow {mlflow.__version__} run {run.info.run_id} in {out}/mlflow.db")
    print(f"\n{'epoch':>5} {'val_binary_accuracy':>20} {'val_true_accuracy':>18} "
          f"{'val_majority_baseline':>22}   (read back from MLflow)")
    for epoch in range(len(history["loss"])):
        print(f"{epoch + 1:>5} {logged['val_binary_accuracy'][epoch]:>20.4f} "
              f"{logged['val_true_accuracy'][epoch]:>18.4f} "
              f"{logged['val_majority_baseline'][epoch]:>22.4f}")
    same = all(len(logged[key]) == len(history[key]) and
               all(abs(a - b) < 1e-6 for a, b in zip(logged[key], history[key])) for key in KEYS)
    print(f"\nMLflow's metric history equals History for {', '.join(KEYS)}: {same}")
    if not same:
        raise SystemExit("MLflow did not record what fit returned")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default="truacc-mlflow-example",
                        help="directory for the SQLite tracking store and artifacts")
    args = parser.parse_args()
    main(args.epochs, args.out)
