"""MNIST sources: explicit folder, EMBED_DATA folders, test-only sets (`embed mnist`: tests/cli/test_mnist.py)."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.data import load_mnist, write_idx
from embed.data import mnist


def test_load_from_folder_plain_and_gz(tmp_path, mnist_set):
    for gz in (True, False):
        d = load_mnist(str(mnist_set(tmp_path / f"d{gz}", gz=gz)))
        assert d.X_train.shape == (400, 28, 28) and d.X_test.shape == (200, 28, 28)
        assert d.note == ""
        X, y, Xt, yt = d.flat()
        assert X.dtype == np.float32 and X.shape == (400, 784) and 0 <= X.min() and X.max() <= 1
        np.testing.assert_array_equal(X, d.X_train.reshape(400, 784) / np.float32(255))


def test_flat_limit_converts_only_the_first_training_images(tmp_path, mnist_set):
    d = load_mnist(str(mnist_set(tmp_path / "d")))
    X, y, Xt, yt = d.flat(limit=30)
    full = d.flat()
    assert X.shape == (30, 784) and y.shape == (30,) and Xt.shape == (200, 784)   # the test set stays whole
    np.testing.assert_array_equal(X, full[0][:30])
    np.testing.assert_array_equal(y, full[1][:30])


def test_test_only_folder_is_split_and_says_so(tmp_path, mnist_set):
    d = load_mnist(str(mnist_set(tmp_path / "mnist", n_test=500, train=False)))
    assert len(d.y_train) == 400 and len(d.y_test) == 100
    assert "only the t10k" in d.note
    assert np.bincount(d.y_test, minlength=10).tolist() == [10] * 10     # stratified


def test_env_var_source(tmp_path, monkeypatch, mnist_set):
    mnist_set(tmp_path / "data" / "mnist")
    monkeypatch.setenv("EMBED_DATA", str(tmp_path / "data"))
    d = load_mnist()
    assert d.source == str(tmp_path / "data" / "mnist")


def test_full_set_preferred_over_earlier_test_only_folder(tmp_path, monkeypatch, mnist_set):
    mnist_set(tmp_path / "a", train=False)                  # $EMBED_DATA itself: test files only
    mnist_set(tmp_path / "a" / "fashion-mnist")             # a full set further down the list
    monkeypatch.setenv("EMBED_DATA", str(tmp_path / "a"))
    d = load_mnist()
    assert d.source == str(tmp_path / "a" / "fashion-mnist") and d.note == "" and d.dataset == "fashion"


def test_bad_sources(tmp_path, mnist_set):
    with pytest.raises(EmbedError, match="not found"):
        load_mnist(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmbedError, match="no MNIST IDX files"):
        load_mnist(str(tmp_path / "empty"))
    folder = mnist_set(tmp_path / "mismatch")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(EmbedError, match="200 images but .* 3 labels"):
        load_mnist(str(folder))


def test_nothing_found_says_where_to_put_the_files_in_parameter_terms(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "DEBIAN_FASHION", str(tmp_path / "no-debian"))
    with pytest.raises(EmbedError) as e:
        load_mnist()
    message = str(e.value)
    assert "set EMBED_DATA to a folder holding the IDX files" in message
    assert "download_ok=True" in message and "--" not in message
