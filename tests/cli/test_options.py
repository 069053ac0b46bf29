"""The option types every command uses, and the parameter-name -> flag rewriting of error messages."""
import argparse
import math

import pytest

from embed.cli import options


@pytest.mark.parametrize("kind, text, value", [
    (options.positive_int, "3", 3),
    (options.non_negative_int, "0", 0),
    (options.int_at_least(2), "2", 2),
    (options.finite_float, "-2.5", -2.5),
    (options.positive_float, "1e-3", 1e-3),
    (options.non_negative_float, "0", 0.0),
    (options.probability, "0", 0.0),
    (options.probability, "0.999", 0.999),
    (options.float_below(10), "9.5", 9.5),
    (options.int_list, "256,128", [256, 128]),
    (options.picture_size, "900X700", (900, 700)),
])
def test_good_values_are_parsed(kind, text, value):
    assert kind(text) == value


@pytest.mark.parametrize("kind, text, message", [
    (options.positive_int, "0", "must be at least 1, got 0"),
    (options.positive_int, "1.5", "invalid int value: '1.5'"),
    (options.non_negative_int, "-1", "must be 0 or more, got -1"),
    (options.int_at_least(2), "1", "must be at least 2, got 1"),
    (options.finite_float, "nan", "must be a finite number, got nan"),
    (options.finite_float, "-inf", "must be a finite number, got -inf"),
    (options.positive_float, "0", "must be greater than 0, got 0.0"),
    (options.positive_float, "inf", "must be a finite number, got inf"),
    (options.non_negative_float, "-1e-9", "must be 0 or more, got -1e-09"),
    (options.non_negative_float, "NaN", "must be a finite number, got nan"),
    (options.probability, "1", "must be in [0, 1), got 1.0"),
    (options.probability, "-0.1", "must be in [0, 1), got -0.1"),
    (options.float_below(10), "10", "must be greater than 0 and below 10, got 10.0"),
    (options.int_list, "", "must be positive integers separated by commas, got ''"),
    (options.int_list, "8,-1", "must be positive integers separated by commas, got '8,-1'"),
    (options.picture_size, "big", "must look like 1800x1350, got 'big'"),
    (options.picture_size, "0x5", "must be at least 1x1, got 0x5"),
])
def test_bad_values_say_what_is_needed(kind, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as e:
        kind(text)
    assert str(e.value) == message


def test_every_float_type_refuses_nan_and_infinity():
    for kind in (options.finite_float, options.positive_float, options.non_negative_float,
                 options.probability, options.float_below(10)):
        for text in ("nan", "inf", "-inf"):
            with pytest.raises(argparse.ArgumentTypeError, match="finite"):
                kind(text)
    assert math.isfinite(options.finite_float("1e308"))


def test_flag_names_prefer_the_long_spelling_and_skip_hidden_options():
    p = argparse.ArgumentParser()
    p.add_argument("--min-count", "-min-count", dest="min_count", type=int)
    p.add_argument("-o", "--output")
    p.add_argument("--dim", "-size", dest="vector_size")
    p.add_argument("-cbow", dest="cbow_c", help=argparse.SUPPRESS)
    p.add_argument("corpus")
    names = options.flag_names(p)
    assert names == {"help": "--help", "min_count": "--min-count", "output": "--output",
                     "vector_size": "--dim"}


def test_with_flags_rewrites_only_the_named_parameters_as_whole_words():
    flags = {"batch": "--batch", "seq_length": "--seq-length", "lr": "--lr", "lr_decay": "--lr-decay"}
    message = "raise min_count or lower batch / seq_length (batch_size and lr_decay untouched; lr too)"
    out = options.with_flags(message, ("batch", "seq_length", "min_count", "lr"), flags)
    # min_count has no flag here and stays; batch_size and lr_decay are other words
    assert out == ("raise min_count or lower --batch / --seq-length "
                   "(batch_size and lr_decay untouched; --lr too)")
    assert options.with_flags(message, (), flags) == message
