"""The lecture notebooks (docs/notebooks/NN_*.py, jupytext percent scripts) run without errors.

Each script is converted to a notebook, its ``parameters`` cell is followed by
an injected cell with small settings (only names the parameters cell assigns),
and a last cell prints a few of the notebook's own variables as JSON.  The
notebook runs in a fresh kernel with nbclient; the test asserts that no cell
raised and that the key result of the lecture holds.
"""
import json
import os
import re
from pathlib import Path

import pytest

import jupytext   # these three and ipykernel: the test extra (and the notebooks extra)
import nbclient
import nbformat

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.py"))
MARK = "NOTEBOOK_RESULT "
TIMEOUT = 120   # seconds per cell; the small settings below need a few

# notebook stem -> (small settings, names to read back, check(result))
CASES = {
    "01_perceptron": ({"MAX_EPOCHS": 50, "MLP_EPOCHS": 400},
                      ["separable_converged", "xor_perceptron_accuracy", "xor_mlp_accuracy"],
                      lambda r: r["separable_converged"] and r["xor_perceptron_accuracy"] <= 0.75
                      and r["xor_mlp_accuracy"] == 1.0),
    "02_linear_regression": ({"EPOCHS": 300},
                             ["gd_vs_normal_gap", "r2"],
                             lambda r: r["gd_vs_normal_gap"] < 1e-3 and r["r2"] > 0.6),
    "03_logistic_regression": ({"EPOCHS": 300},
                               ["test_accuracy", "binary_accuracy"],
                               lambda r: r["test_accuracy"] >= 0.85 and r["binary_accuracy"] >= 0.85),
    "04_forward_propagation": ({"TRAIN_ITER": 300},
                               ["accuracy", "max_manual_gap"],
                               lambda r: r["accuracy"] >= 0.9 and r["max_manual_gap"] < 1e-5),
    "05_simple_network": ({"EPOCHS": 15},
                          ["test_accuracy"],
                          lambda r: r["test_accuracy"] >= 0.9),
    "06_modular_network": ({"EPOCHS": 8},
                           ["gradcheck_worst", "final_loss"],
                           lambda r: r["gradcheck_worst"] < 1e-4
                           and r["final_loss"]["adam"] < r["final_loss"]["sgd"]),
    "07_word2vec": ({"SENTENCES": 8000, "EPOCHS": 10, "REAL_TEXT": False},
                    ["analogy_answer", "analogy_expected"],
                    lambda r: r["analogy_answer"] == r["analogy_expected"]),
    "08_rnn_text_generation": ({"EPOCHS": 3, "HIDDEN": 48},
                               ["val_bpc", "unigram_bpc", "sample"],
                               lambda r: r["val_bpc"] < 0.5 * r["unigram_bpc"] and r["sample"].count("the ") >= 3),
    "09_cnn": ({"EPOCHS": 4},
               ["test_accuracy", "gradcheck_worst"],
               lambda r: r["test_accuracy"] >= 0.85 and r["gradcheck_worst"] < 1e-4),
    "10_mars": ({"N_FRIEDMAN": 300},
                ["knot_error", "r2_mars", "r2_linear"],
                lambda r: r["knot_error"] < 0.05 and r["r2_mars"] > r["r2_linear"] + 0.1),
}


def test_every_notebook_has_a_case():
    assert NOTEBOOKS, f"no notebooks in {FOLDER}"
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(CASES)


def prepared(path, settings, names):
    """The notebook of `path` with `settings` injected after its parameters cell and a result cell."""
    nb = jupytext.read(path)
    params = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path.name}: expected one cell tagged 'parameters'"
    assigned = set(re.findall(r"^([A-Z_][A-Z0-9_]*)\s*=", nb.cells[params[0]].source, re.M))
    assert set(settings) <= assigned, f"{path.name}: parameters cell lacks {set(settings) - assigned}"
    inject = "\n".join(f"{k} = {v!r}" for k, v in settings.items())
    nb.cells.insert(params[0] + 1, nbformat.v4.new_code_cell(inject, metadata={"tags": ["injected"]}))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json\n"
        f"print({MARK!r} + _json.dumps({{k: globals()[k] for k in {names!r}}}, default=float))"))
    return nb


def test_settings_go_after_the_parameters_cell_and_must_name_its_parameters(tmp_path):
    script = tmp_path / "00_demo.py"
    script.write_text('# %% tags=["parameters"]\nEPOCHS = 10\n\n# %%\nresult = EPOCHS * 2\n', encoding="utf-8")
    nb = prepared(script, {"EPOCHS": 1}, ["result"])
    assert [c.source for c in nb.cells[:3]] == ["EPOCHS = 10", "EPOCHS = 1", "result = EPOCHS * 2"]
    assert "'result'" in nb.cells[-1].source and MARK in nb.cells[-1].source
    with pytest.raises(AssertionError, match="lacks"):
        prepared(script, {"EPOCH": 1}, ["result"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    settings, names, check = CASES[path.stem]
    nb = prepared(path, settings, names)
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    nb = client.execute(env=dict(os.environ, EMBED_PROGRESS="0"))   # a fresh kernel, no progress bars
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 1, f"{path.name} shows no plot"
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    result = json.loads(text[text.index(MARK) + len(MARK):])
    assert check(result), f"{path.name}: {result}"
