"""The `embed` dispatcher: help for every option, one-line usage errors, library errors told in flags."""
import argparse
import os
import re
import subprocess
import sys

import pytest

from embed.cli import build_parser, main


def commands(parser=None, path=()):
    """(("train",), parser), (("corpora", "list"), parser), ...: every leaf command and its parser."""
    parser = parser or build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sub in subs[0].choices.items():
        yield from commands(sub, path + (name,))


ALL = list(commands())
NAMES = [" ".join(path) for path, _ in ALL]


def test_every_command_is_reached():
    assert set(NAMES) >= {"train", "analogy", "similar", "evaluate", "demo", "corpora list", "corpora path",
                          "corpora fetch", "corpora stats", "plot", "export", "mnist", "lm train",
                          "lm generate"}


@pytest.mark.parametrize("path, parser", ALL, ids=NAMES)
def test_every_option_has_a_one_line_help_with_its_default(path, parser):
    one_of = {a for g in parser._mutually_exclusive_groups if g.required for a in g._group_actions}
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"{' '.join(path)} {name} has no help"
        assert "\n" not in action.help
        assert "(default: None)" not in action.help and "(default: True)" not in action.help
        assert action.help.count("(default") <= 1, f"{' '.join(path)} {name}: two defaults in {action.help!r}"
        has_value = action.nargs != 0 and action.option_strings  # not a switch, not a positional
        if has_value and not action.required and action not in one_of:  # an optional value: say its default
            assert "default" in action.help, f"{' '.join(path)} {name}: help does not give the default"
        if action.nargs == 0 and action.default is True:  # --no-X: what happens without it is not obvious
            assert "default" in action.help, f"{' '.join(path)} {name}: help does not say what is done by default"
        check_stated_default(path, name, action)


def check_stated_default(path, name, action):
    """A number or a word the help gives as the default is the value the option really takes."""
    stated, real = stated_default(action.help), real_default(path, action)
    if isinstance(real, list) and len(real) == 1:                    # --hidden 256: a list of layer sizes
        real = real[0]
    where = f"{' '.join(path)} {name}: help says default {stated!r}, the real one is {real!r}"
    if stated is None or real is None or isinstance(real, bool) or real == "":
        return
    if isinstance(real, (int, float)):
        try:
            assert float(stated) == real, where
        except ValueError:                                          # prose: '(default: one-hot)'
            pass
    elif isinstance(real, str):
        assert os.path.normpath(stated) == os.path.normpath(real), where


def real_default(path, action):
    """The value an option takes when not given: its argparse default, or for `lm train` (whose
    options default to None so a resumed run keeps its own settings) the config field's default."""
    if action.default is not None:
        return action.default
    if path == ("lm", "train"):
        from embed.lm.train import ModelConfig, TrainConfig
        for config in (ModelConfig, TrainConfig):
            field = config.__dataclass_fields__.get(action.dest)
            if field is not None:
                return field.default
    return None


def stated_default(help_text):
    """The first word of the default a help line states: '(default 5)' -> '5',
    '(default: pca; umap needs umap-learn)' -> 'pca'; None when it states none."""
    found = re.search(r"\(default:? ([^)]*)\)", help_text)
    return None if found is None else re.split(r"[ ,;:]", found.group(1))[0]


def test_stated_default_reads_the_first_word():
    assert stated_default("vector size (default 100)") == "100"
    assert stated_default("learning rate (default 2e-3)") == "2e-3"
    assert stated_default("(default: pca; umap needs umap-learn)") == "pca"
    assert stated_default("dropout (default 0: none)") == "0" and stated_default("no default here") is None


@pytest.mark.parametrize("help_text, default", [("(default 5)", 6), ("(default: adam)", "sgd"), ("(default 1e-3)", 0.01)])
def test_a_stale_default_in_a_help_line_is_caught(help_text, default):
    action = argparse.ArgumentParser().add_argument("--x", default=default, help=help_text)
    with pytest.raises(AssertionError, match="help says default"):
        check_stated_default(("train",), "--x", action)


@pytest.mark.parametrize("command", ["analogy", "similar", "plot", "export", "evaluate"])
def test_the_vectors_argument_is_labelled_VECTORS(command, capsys):
    assert main([command, "--help"]) == 0
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert "VECTORS" in usage and " OUT" not in usage


SEEDED = [(path, parser) for path, parser in ALL
          if any("--seed" in a.option_strings for a in parser._actions)]


@pytest.mark.parametrize("path, parser", SEEDED, ids=[" ".join(p) for p, _ in SEEDED])
def test_a_negative_seed_is_a_one_line_usage_error(path, parser, capsys):
    assert len(SEEDED) >= 5  # train, plot, mnist, lm train, lm generate
    assert main([*path, "--seed", "-1"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1
    assert lines[0].startswith(f"embed {' '.join(path)}: error: argument --seed: must be 0 or more, got -1")


@pytest.mark.parametrize("argv, message", [
    (["train", "c.txt", "-o", "v.bin", "--window", "nan"], "argument --window/-window: invalid int value: 'nan'"),
    (["plot", "v.txt", "--top", "5", "--perplexity", "nan"], "argument --perplexity: must be a finite number"),
    (["plot", "v.txt", "--top", "5", "--dpi", "-1"], "argument --dpi: must be at least 1, got -1"),
    (["lm", "train", "t.txt", "-o", "m.lm", "--dropout", "nan"], "argument --dropout: must be a finite number"),
    (["lm", "train", "t.txt", "-o", "m.lm", "--minutes", "inf"], "argument --minutes: must be a finite number"),
    (["lm", "train", "t.txt", "-o", "m.lm", "--val-fraction", "1"], "argument --val-fraction: must be in [0, 1)"),
    (["lm", "generate", "m.lm", "--temperature", "-0.5"], "argument --temperature: must be greater than 0"),
    (["lm", "generate", "m.lm", "--top-k", "0"], "argument --top-k: must be at least 1, got 0"),
    (["corpora", "stats", "c.txt", "--top", "0"], "argument --top: must be at least 1, got 0"),
    (["evaluate", "v.txt", "--restrict-vocab", "0"], "argument --restrict-vocab: must be at least 1, got 0"),
    (["demo", "--dim", "0"], "argument --dim: must be at least 1, got 0"),
])
def test_bad_numbers_fail_before_any_file_is_read(argv, message, capsys):
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_a_library_error_names_the_flags_not_the_parameters(tmp_path, capsys):
    rare = tmp_path / "rare.txt"
    rare.write_text("every word here appears once only\n", encoding="utf-8")
    assert main(["train", str(rare), "-o", str(tmp_path / "v.bin"), "--min-count", "5"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("embed: error: every word in ") and "fewer than --min-count=5 times" in line
    assert line.endswith("; lower --min-count") and "min_count" not in line

    text = tmp_path / "t.txt"
    text.write_text("a short text\n", encoding="utf-8")
    assert main(["lm", "train", str(text), "-o", str(tmp_path / "m.lm"), "--batch", "500"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("embed: error: text too short for 500 streams") and "(use a smaller --batch)" in line

    for option, value, message in (("--layers", "4", "--layers must be 1, 2 or 3, got 4"),
                                   ("--val-fraction", "0.6", "--val-fraction must be in [0, 0.5), got 0.6")):
        assert main(["lm", "train", str(text), "-o", str(tmp_path / "m.lm"), option, value]) == 2
        assert capsys.readouterr().err.strip() == f"embed: error: {message}"


def test_resume_errors_name_the_flags(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("a short text\n" * 20, encoding="utf-8")
    none = tmp_path / "none.lm"
    assert main(["lm", "train", str(text), "-o", str(none), "--resume"]) == 2
    assert capsys.readouterr().err.strip() == f"embed: error: --resume: no checkpoint at {none}"
    assert main(["lm", "train", str(text), "-o", str(none), "--resume", "--init-vectors", str(text)]) == 2
    assert capsys.readouterr().err.strip() == ("embed: error: --init-vectors only applies to a new model, "
                                               "not when resuming")


def test_python_callers_still_see_parameter_names():
    from embed.errors import EmbedError
    from embed.text.vocab import Vocab

    with pytest.raises(EmbedError, match="lower min_count$") as e:
        Vocab.build([["one", "two"]], min_count=5)
    assert e.value.params == ("min_count",)


def test_help_is_quick_and_loads_no_numerical_library():
    code = ("import sys; from embed.cli import main; main(['--help']); "
            "print(sorted(m for m in ('numpy', 'numba', 'matplotlib', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
