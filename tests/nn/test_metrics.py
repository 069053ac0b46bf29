"""Metrics: values on hand-made labels, and name resolution through the one registry."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import metrics


def test_accuracy_from_labels_scores_and_one_hot():
    y = np.array([0, 2, 1, 1])
    scores = np.array([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3], [0.6, 0.3, 0.1]])  # argmax 0 2 1 0
    assert metrics.accuracy(y, scores) == 0.75
    assert metrics.accuracy(np.eye(3)[y], scores) == 0.75


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = metrics.confusion_matrix([0, 0, 1, 2], [0, 1, 1, 0], n_classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize("name, fn", [("accuracy", metrics.accuracy), ("ACC", metrics.accuracy),
                                      ("mse", metrics.mean_squared_error),
                                      ("mean_squared_error", metrics.mean_squared_error)])
def test_names_and_aliases_resolve(name, fn):
    assert metrics.get(name) is fn


def test_a_callable_passes_through_and_an_unknown_name_lists_the_choices():
    def f(y, p):
        return 0.0
    assert metrics.get(f) is f
    with pytest.raises(EmbedError, match=r"unknown metric 'f1'; choose from: accuracy, mse"):
        metrics.get("f1")


def test_accuracy_of_labels_logits_and_one_probability_column():
    y = np.array([0, 1, 2, 2, 1])
    p = np.array([0, 2, 2, 2, 1])
    assert metrics.accuracy(y, p) == pytest.approx(0.8)
    scores = np.eye(3)[p] * 5 - 1                          # logits / probabilities: argmax
    assert metrics.accuracy(y, scores) == pytest.approx(0.8)
    assert metrics.accuracy([0, 1, 1], np.array([[0.2], [0.7], [0.4]])) == pytest.approx(2 / 3)
    cm = metrics.confusion_matrix(y, p)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    assert cm.sum() == len(y)
    with pytest.raises(EmbedError, match="5 targets but 4 predictions"):
        metrics.confusion_matrix(y, p[:-1])
