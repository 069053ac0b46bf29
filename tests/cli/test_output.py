"""How commands print numbers: JSON-safe floats, percentages, counts, ranked lists."""
import json
import math

from embed.cli.output import human_count, nan_to_none, percent, print_ranked


def test_nan_to_none_makes_nested_results_valid_json():
    result = {"analogies": {"accuracy": float("nan"), "total": 0},
              "pairs": {"a.tsv": {"spearman": 0.5, "pearson": float("inf")}}, "loss": [1.0, float("nan")]}
    clean = nan_to_none(result)
    assert clean == {"analogies": {"accuracy": None, "total": 0},
                     "pairs": {"a.tsv": {"spearman": 0.5, "pearson": None}}, "loss": [1.0, None]}
    assert json.loads(json.dumps(clean, allow_nan=False)) == clean
    assert math.isnan(result["analogies"]["accuracy"])  # the input is left as it was


def test_percent_and_counts():
    assert percent(0.4321) == "43.2%" and percent(None) == "n/a" and percent(float("nan")) == "n/a"
    assert [human_count(n) for n in (950, 12_345, 1_234_567, 2_500_000_000)] == ["950", "12.3k", "1.23M", "2.5G"]


def test_ranked_lists_are_numbered_and_aligned(capsys):
    print_ranked([("italy", 0.91234), ("spain", 0.5)])
    assert capsys.readouterr().out.splitlines() == ["   1. italy  0.9123", "   2. spain  0.5000"]
