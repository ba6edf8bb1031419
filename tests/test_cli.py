"""The `truacc` command: fast help without a backend, one line per unusable input,
several paths and --json, argument errors, the demo's cases, the pre-commit hooks."""

import json
import os
import platform
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import keras
import pytest

import keras_truacc
from keras_truacc.cli import command as cli
from tests.cli_fixtures.processes import run_all, truacc

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "cli_fixtures"
BACKENDS = ("keras", "tensorflow", "jax", "torch")


def run(*args, cwd, timeout=120, env=None):
    return subprocess.run(truacc(*args), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """One small logits model saved twice (plain, and with a registered custom layer),
    and the unusable inputs made from it."""
    from tests.cli_fixtures.custom_layer import Doubler

    tmp = tmp_path_factory.mktemp("models")

    def save(name, *layers):
        model = keras.Sequential([keras.Input((4,)), *layers, keras.layers.Dense(1)])
        model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
        model.save(tmp / name)

    save("logits.keras")
    save("custom.keras", Doubler())
    data = (tmp / "logits.keras").read_bytes()
    (tmp / "truncated.keras").write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(tmp / "logits.keras") as archive:
        offset = archive.getinfo("config.json").header_offset
    damaged = bytearray(data)
    damaged[offset + 100:offset + 140] = b"X" * 40  # inside config.json's compressed bytes
    (tmp / "bad_crc.keras").write_bytes(bytes(damaged))
    (tmp / "picture.keras").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp / "notes.keras").write_text("not a model\n")
    with zipfile.ZipFile(tmp / "other.keras", "w") as archive:
        archive.writestr("readme.txt", "a zip, not a model")
    (tmp / "folder.keras").mkdir()
    return tmp


# -- fast and quiet --------------------------------------------------------------

def imported_modules(importtime_stderr):
    return {line.split("|")[-1].strip() for line in importtime_stderr.splitlines()
            if line.startswith("import time:")}


def loads_a_backend(modules):
    return sorted(m for m in modules if m.split(".")[0] in BACKENDS)


def test_help_loads_no_backend(tmp_path):
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "keras_truacc.cli", "--help"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "usage: truacc" in done.stdout
    modules = imported_modules(done.stderr)
    assert "keras_truacc" in modules and loads_a_backend(modules) == []


def test_the_console_script_loads_no_backend_for_help_and_argument_errors(tmp_path):
    # What pip writes as bin/truacc: the package is imported with sys.argv[0] ending in "truacc".
    script = tmp_path / "truacc"
    script.write_text("import sys\nfrom keras_truacc.cli import main\nsys.exit(main())\n")
    for args in (["--help"], ["check", "--help"], ["demo", "--epochs", "0"], ["nosuchcommand"]):
        done = subprocess.run([sys.executable, "-X", "importtime", str(script), *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == (0 if "--help" in args else 2), done.stderr[-500:]
        assert loads_a_backend(imported_modules(done.stderr)) == [], args


def test_import_keras_truacc_still_loads_everything_eagerly():
    # Not the command: the classes are registered on import (load_model needs no custom_objects).
    assert not keras_truacc._started_as_command()
    assert {"auto", "autolog", "TruAccMonitor", "TrueAccuracy"} <= set(vars(keras_truacc))
    assert keras.saving.get_registered_object("keras_truacc>TrueAccuracy") is keras_truacc.TrueAccuracy


def test_started_as_command(monkeypatch):
    for argv0, orig_argv, expected in [
        ("/venv/bin/truacc", ["/venv/bin/python", "/venv/bin/truacc", "--help"], True),
        ("truacc.exe", ["python", "truacc.exe"], True),
        ("-m", ["python", "-m", "keras_truacc.cli", "inspect", "m.keras"], True),
        ("-m", ["python", "-X", "importtime", "-m", "keras_truacc.cli"], True),
        ("-m", ["python", "-m", "pytest"], False),
        ("train.py", ["python", "train.py"], False),
        ("-c", ["python", "-c", "import keras_truacc"], False),
    ]:
        monkeypatch.setattr(sys, "argv", [argv0])
        monkeypatch.setattr(sys, "orig_argv", orig_argv)
        assert keras_truacc._started_as_command() is expected, orig_argv


# -- argument errors ---------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["demo", "--epochs", "0"], "truacc demo: error: --epochs must be a positive integer, but got 0"),
    (["demo", "--epochs", "-3"], "truacc demo: error: --epochs must be a positive integer, but got -3"),
    (["nosuchcommand"], "truacc: error: argument COMMAND: invalid choice: 'nosuchcommand'"),
    (["inspect"], "truacc inspect: error: the following arguments are required: PATH"),
])
def test_argument_errors_are_one_usage_and_one_error_line(tmp_path, args, message):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith("usage: truacc") and lines[-1].startswith(message), done.stderr
    assert len([line for line in lines if "error:" in line]) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_demo_case_choices_match_the_demo():
    from keras_truacc.cli import demo

    expected = set(cli.DEMO_CASES) if "tuner" in demo.CASES else set(cli.DEMO_CASES) - {"tuner"}
    assert set(demo.CASES) == expected


# -- truacc inspect: one line per unusable input ----------------------------------

@pytest.mark.parametrize("name, reason", [
    ("folder.keras", "a folder, not a .keras file"),
    ("missing.keras", "no such file"),
    ("picture.keras", "not a Keras archive: it is a PNG image"),
    ("notes.keras", "not a Keras archive: it is a text file"),
    ("truncated.keras", "a corrupt or truncated zip archive"),
    ("other.keras", "a zip archive but not a Keras archive: it holds no config.json"),
])
def test_inspect_says_in_one_line_why_an_input_is_unusable(models, name, reason):
    done = run("inspect", name, cwd=models)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"truacc inspect: {name}: {reason}"), lines
    assert done.stdout == ""


@pytest.fixture(scope="module")
def inspected(models):
    """The two `inspect` runs that load models (and so a backend), run side by side."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    commands = {
        "json": truacc("inspect", "--json", "logits.keras", "custom.keras", "bad_crc.keras",
                       "picture.keras"),
        "import --debug": truacc("--debug", "inspect", "--import", FIXTURES / "custom_layer.py",
                                 "custom.keras", "logits.keras"),
    }
    return run_all(commands, cwd=models, env=env)


def test_inspect_several_paths_as_json_with_one_line_per_unusable_one(inspected):
    done = inspected["json"]
    assert done.returncode == 2  # the worst of 1 (a wrong metric) and 2 (unusable inputs)
    entries = json.loads(done.stdout)
    assert [(e["path"], e["exit_code"], e["ok"]) for e in entries] == [
        ("logits.keras", 1, False), ("custom.keras", 2, False), ("bad_crc.keras", 2, False),
        ("picture.keras", 2, False),
    ]
    output, metric = entries[0]["outputs"][0], entries[0]["metrics"][0]
    assert output["task"] == "binary" and output["spec"]["decision_threshold"] == 0.0
    assert output["reasons"] and output["problems"] == []
    assert metric["key"] == "accuracy" and metric["correct"] is False
    assert metric["by_design"] is False
    assert metric["computation"]["kind"] == "binary" and metric["computation"]["threshold"] == 0.5
    assert "logits" in metric["cause"] and "truacc.auto()" in metric["fix"]
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith("truacc inspect: custom.keras: needs the custom class 'Doubler' "
                               "(registered as 'truacc_tests>Doubler')")
    assert "--import MODULE" in lines[0]
    assert lines[1].startswith("truacc inspect: bad_crc.keras: a corrupt Keras archive: Bad CRC-32")
    assert lines[2].startswith("truacc inspect: picture.keras: not a Keras archive: it is a PNG image")
    assert [e["error"] for e in entries[1:]] == [line.split(": ", 2)[2] for line in lines]
    assert "Traceback" not in done.stderr and "oneDNN" not in done.stderr


def test_inspect_imports_the_module_a_custom_layer_needs_and_reports_each_path(inspected):
    done = inspected["import --debug"]
    assert done.returncode == 1, done.stderr
    assert re.findall(r"^== (.+)$", done.stdout, re.MULTILINE) == ["custom.keras", "logits.keras"]
    assert done.stdout.count("[WRONG] 'accuracy'") == 2
    assert "truacc inspect:" not in done.stderr  # every path loaded
    if platform.machine() in ("x86_64", "AMD64"):  # --debug: TensorFlow's log lines go through
        assert re.search(r"^[IWE]\d{4} .*oneDNN", done.stderr, re.MULTILINE), done.stderr


def test_check_names_the_place_of_a_syntax_error_once(tmp_path):
    """Issue 23: it printed "invalid syntax (syntax.py, line 1) (syntax.py, line 1)"."""
    (tmp_path / "syntax.py").write_text("import keras\ndef f(:\n")
    done = run("check", "syntax.py", cwd=tmp_path)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("truacc check:")]
    assert lines == ["truacc check: syntax.py raised before any fit: "
                     "SyntaxError: invalid syntax (syntax.py, line 2)"], done.stderr


def test_check_files_reports_each_unusable_script_and_exits_2(tmp_path):
    (tmp_path / "notebooks").mkdir()
    done = run("check", "--files", "missing.py", "notebooks", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "truacc check: missing.py: no such file",
        "truacc check: notebooks: a folder, not a script or notebook",
    ]


# -- pre-commit --------------------------------------------------------------------

def test_pre_commit_accepts_the_hooks_file():
    pytest.importorskip("pre_commit")
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest",
                           str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert hooks["truacc-inspect"]["entry"] == "truacc inspect"
    assert re.search(hooks["truacc-inspect"]["files"], "models/best.keras")
    assert hooks["truacc-check"]["entry"] == "truacc check --files"
    assert not re.search(hooks["truacc-check"]["files"], "train.py")  # listed by the user


def _documented_pre_commit_config() -> str:
    text = (ROOT / "docs" / "cli.md").read_text()
    section = text[text.index("## pre-commit"):]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


def test_the_documented_pre_commit_config_works_as_written_on_a_fresh_repository(tmp_path, models):
    """Issue 23: the snippet, copied as it stands, blocks a commit of a wrong model
    and lets a right one through (no placeholder, no network: the hooks are local)."""
    pytest.importorskip("pre_commit")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=60, check=True)

    def pre_commit():
        return subprocess.run([sys.executable, "-m", "pre_commit", "run"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600, check=False)

    git("init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(_documented_pre_commit_config())
    (repo / "model.keras").write_bytes((models / "logits.keras").read_bytes())
    git("add", ".")
    blocked = pre_commit()
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "truacc inspect (saved Keras models)" in blocked.stdout
    assert "[WRONG] 'accuracy'" in blocked.stdout
    right = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    right.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    right.save(repo / "model.keras")
    git("add", ".")
    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
