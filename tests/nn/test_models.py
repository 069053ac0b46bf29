"""Ready-made models: the course's CNN and the rows-to-images helper."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn.models import as_images, cnn_model


def test_cnn_model_layers_and_output():
    model = cnn_model(classes=3, seed=0).build((28, 28, 1))
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense"]
    assert model.layers[5].params["W"].shape == (1600, 128)       # 5 x 5 x 64 after two conv-pool stages
    assert model.layers[6].params["W"].shape == (128, 3)
    probs = model.predict(np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32))
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(EmbedError, match="classes"):
        cnn_model(classes=1)


def test_as_images_shapes():
    rows = np.arange(2 * 36).reshape(2, 36)
    images = as_images(rows)
    assert images.shape == (2, 6, 6, 1) and images.dtype == np.float32
    assert images[1, 2, 3, 0] == rows[1, 2 * 6 + 3]
    assert as_images(rows, height=4, width=9).shape == (2, 4, 9, 1)
    assert as_images(np.zeros((3, 5, 7))).shape == (3, 5, 7, 1)
    assert as_images(np.zeros((3, 5, 7, 2))).shape == (3, 5, 7, 2)
    with pytest.raises(EmbedError, match="not square"):
        as_images(np.zeros((2, 10)))
    with pytest.raises(EmbedError, match="not 3x3"):
        as_images(np.zeros((2, 10)), height=3, width=3)
    with pytest.raises(EmbedError, match="rows"):
        as_images(np.zeros(5))
