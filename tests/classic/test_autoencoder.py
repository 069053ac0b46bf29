"""Dense autoencoder (a Sequential of Dense layers) on scikit-learn's 8x8 digits."""
import numpy as np
import pytest

from embed.classic import DenseAutoencoder
from embed.classic.datasets import load_small_digits
from embed.errors import EmbedError
from embed.nn.preprocessing import train_test_split


@pytest.fixture(scope="module")
def digits():
    X, y = load_small_digits()
    return train_test_split(X, y, test_size=0.2, seed=0, stratify=y)


@pytest.fixture(scope="module")
def trained(digits):
    Xtr = digits[0]
    return DenseAutoencoder(hidden=(32, 16), epochs=25, batch_size=32, lr=3e-3, random_state=0).fit(Xtr)


def test_reconstruction_beats_the_mean_image_by_far(digits, trained):
    Xtr, Xte = digits[0], digits[1]
    err, base = trained.reconstruction_error(Xte), trained.baseline_error(Xte)
    assert base == pytest.approx(np.mean((Xte - Xtr.mean(axis=0)) ** 2), rel=1e-5)
    assert err < 0.35 * base, (err, base)
    assert trained.loss_curve_[-1] < 0.7 * trained.loss_curve_[0]


def test_architecture_mirrors_the_encoder(trained):
    widths = [layer.units for layer in trained.model_.layers]
    assert widths == [32, 16, 32, 64]
    assert trained.model_.layers[-1].activation.name == "sigmoid"


def test_encode_and_reconstruct_shapes_and_range(digits, trained):
    Xte = digits[1]
    code = trained.encode(Xte[:7])
    assert code.shape == (7, 16) and np.all(code >= 0)  # ReLU code
    rec = trained.reconstruct(Xte[:7])
    assert rec.shape == (7, 64) and rec.min() >= 0 and rec.max() <= 1
    # decoding the code gives the reconstruction
    h = code
    for layer in trained.model_.layers[2:]:
        h = layer.forward(h, training=False)
    np.testing.assert_allclose(h, rec, atol=1e-6)


def test_quadratic_loss_also_trains(digits):
    Xtr, Xte = digits[0], digits[1]
    ae = DenseAutoencoder(hidden=(24,), loss="quadratic", epochs=15, batch_size=32, lr=3e-3).fit(Xtr)
    assert [layer.units for layer in ae.model_.layers] == [24, 64]
    assert ae.reconstruction_error(Xte) < 0.5 * ae.baseline_error(Xte)


def test_bad_inputs_are_clear_errors(digits, trained):
    Xtr = digits[0]
    with pytest.raises(EmbedError, match=r"\[0, 1\]"):
        DenseAutoencoder(epochs=1).fit(Xtr * 16)
    with pytest.raises(EmbedError, match="NaN"):
        DenseAutoencoder(epochs=1).fit(np.where(Xtr > 0.9, np.nan, Xtr))
    with pytest.raises(EmbedError, match="loss"):
        DenseAutoencoder(loss="hinge").fit(Xtr)
    with pytest.raises(EmbedError, match="hidden"):
        DenseAutoencoder(hidden=()).fit(Xtr)
    with pytest.raises(EmbedError, match="not fitted"):
        DenseAutoencoder().reconstruct(Xtr)
    with pytest.raises(EmbedError, match="fitted with 64"):
        trained.reconstruct(np.zeros((2, 63)))
