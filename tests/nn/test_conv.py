"""Conv2D, MaxPool2D and Flatten on NHWC images: gradients, shapes, hand-computed values, training."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn.conv import Conv2D, MaxPool2D, conv_output_size
from embed.nn.gradcheck import check_layer_gradients, check_model_gradients
from embed.nn.layers import Dense, Flatten
from embed.nn.sequential import Sequential
from embed.parallel import team


# -- gradients (float64 central differences) -----------------------------------------
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conv_gradients(padding, stride, seed):
    rng = np.random.default_rng(seed)
    n, h, w = rng.integers(1, 4), rng.integers(5, 9), rng.integers(5, 9)
    c = [1, 3, 9][seed]                       # 9 channels take im2col's per-pixel path, fewer its row path
    kernel = [(3, 3), (2, 3), (3, 1)][seed]
    activation = [None, "relu", "tanh"][seed]
    layer = Conv2D(int(rng.integers(2, 5)), kernel, strides=stride, padding=padding,
                   activation=activation, seed=seed)
    x = rng.standard_normal((n, h, w, c))
    errors = check_layer_gradients(layer, x, seed=seed)
    assert set(errors) == {"input", "W", "b"}


def test_conv_gradients_without_bias_and_with_rectangular_strides():
    layer = Conv2D(3, (2, 2), strides=(1, 2), padding="same", use_bias=False, seed=0)
    x = np.random.default_rng(5).standard_normal((2, 5, 7, 2))
    assert set(check_layer_gradients(layer, x, seed=3)) == {"input", "W"}


def test_conv_gradients_split_across_threads():
    """With a team, each thread sums its own images' ∂L/∂W and ∂L/∂b; the totals must still be exact."""
    layer = Conv2D(4, 3, padding="same", activation="relu", seed=0)
    layer.pool = team(2)
    x = np.random.default_rng(1).standard_normal((5, 6, 6, 10))
    check_layer_gradients(layer, x, seed=2)


@pytest.mark.parametrize("pool_size,strides,shape", [(2, None, (2, 6, 8, 3)), (2, None, (1, 7, 5, 2)),
                                                     (3, 2, (2, 7, 7, 3)), ((2, 3), (1, 2), (2, 5, 7, 2))])
def test_maxpool_gradients(pool_size, strides, shape):
    x = np.random.default_rng(0).standard_normal(shape)   # distinct values: no ties
    errors = check_layer_gradients(MaxPool2D(pool_size, strides), x, seed=1)
    assert set(errors) == {"input"}


def test_small_cnn_model_gradients():
    rng = np.random.default_rng(0)
    model = Sequential([Conv2D(3, 3, activation="relu"), MaxPool2D(2), Conv2D(4, 2, padding="same"),
                        Flatten(), Dense(3, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    check_model_gradients(model, rng.standard_normal((4, 8, 8, 2)), rng.integers(0, 3, 4), seed=0)


# -- shapes and values -----------------------------------------------------------------
@pytest.mark.parametrize("size,kernel,stride,padding,expected", [
    (28, 3, 1, "valid", (26, 0)), (28, 3, 1, "same", (28, 1)), (28, 3, 2, "same", (14, 0)),
    (7, 3, 2, "valid", (3, 0)), (7, 3, 2, "same", (4, 1)), (5, 4, 1, "same", (5, 1)), (6, 1, 3, "same", (2, 0))])
def test_conv_output_size_follows_keras(size, kernel, stride, padding, expected):
    assert conv_output_size(size, kernel, stride, padding) == expected


def test_output_shapes_of_the_mnist_stack():
    x = np.zeros((3, 28, 28, 1), np.float32)
    shapes = []
    for layer in (Conv2D(32, 3), MaxPool2D(2), Conv2D(64, 3), MaxPool2D(2), Flatten()):
        x = layer.forward(x)
        shapes.append(x.shape)
    assert shapes == [(3, 26, 26, 32), (3, 13, 13, 32), (3, 11, 11, 64), (3, 5, 5, 64), (3, 1600)]
    assert Conv2D(8, 5, strides=2, padding="same").output_shape((1, 9, 10, 3)) == (1, 5, 5, 8)


def test_a_convolution_computed_by_hand():
    x = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3, 1)     # [[1 2 3] [4 5 6] [7 8 9]]
    diff = Conv2D(1, 2)
    diff.forward(x)
    diff.set_weights({"W": np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1), "b": np.array([0.5])})
    # y[i, j] = x[i, j] − x[i+1, j+1] + 0.5 = −4 + 0.5 everywhere
    np.testing.assert_allclose(diff.forward(x)[0, :, :, 0], [[-3.5, -3.5], [-3.5, -3.5]])

    box = Conv2D(1, 3, padding="same", use_bias=False)
    box.forward(x)
    box.set_weights({"W": np.ones((3, 3, 1, 1))})
    # neighbourhood sums with zero padding: corner 1+2+4+5, edge 1+2+3+4+5+6, centre 45
    np.testing.assert_allclose(box.forward(x)[0, :, :, 0], [[12, 21, 16], [27, 45, 33], [24, 39, 28]])


def test_channels_and_filters_are_mixed_like_a_dense_layer_per_pixel():
    """A 1x1 convolution is x[n, i, j] @ W[0, 0] + b at every pixel."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 6))
    layer = Conv2D(3, 1, seed=0)
    y = layer.forward(x)
    W, b = layer.params["W"][0, 0], layer.params["b"]
    np.testing.assert_allclose(y, x @ W + b, rtol=1e-12)


def test_maxpool_values_and_flatten_order():
    x = np.array([[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 7, 6], [9, 1, 6, 6]], np.float32).reshape(1, 4, 4, 1)
    y = MaxPool2D(2).forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 8], [9, 7]])
    images = np.arange(2 * 2 * 3 * 4).reshape(2, 2, 3, 4)
    flat = Flatten().forward(images)
    assert flat.shape == (2, 24) and flat[1, 4 * 3 + 2] == images[1, 1, 0, 2]   # (h, w, c) in C order


def test_float32_path_matches_float64_and_threads_match_one_thread():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 9, 9, 12)).astype(np.float32)
    single = Conv2D(16, 3, activation="relu", seed=0)
    y1 = single.forward(x).copy()
    dx1 = single.backward(np.ones_like(y1)).copy()
    threaded = Conv2D(16, 3, activation="relu", seed=0)
    threaded.pool = team(2)
    y2 = threaded.forward(x)
    dx2 = threaded.backward(np.ones_like(y2))
    assert y1.dtype == np.float32
    np.testing.assert_allclose(y2, y1, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dx2, dx1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(threaded.grads["W"], single.grads["W"], rtol=1e-4, atol=1e-4)
    wide = Conv2D(16, 3, activation="relu", seed=0)
    wide.forward(x.astype(np.float64))
    wide.set_weights({k: v.astype(np.float64) for k, v in single.params.items()})
    np.testing.assert_allclose(wide.forward(x.astype(np.float64)), y1, rtol=1e-4, atol=1e-5)


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(EmbedError, match="padding"):
        Conv2D(4, 3, padding="full")
    with pytest.raises(EmbedError, match="kernel_size"):
        Conv2D(4, 0)
    with pytest.raises(EmbedError, match="filters"):
        Conv2D(0, 3)
    with pytest.raises(EmbedError, match="height, width, channels"):
        Conv2D(4, 3).forward(np.zeros((2, 28, 28)))
    with pytest.raises(EmbedError, match="does not fit"):
        Conv2D(4, 5).forward(np.zeros((1, 3, 3, 1)))
    layer = Conv2D(4, 3)
    layer.forward(np.zeros((1, 5, 5, 2)))
    with pytest.raises(EmbedError, match="2 channels"):
        layer.forward(np.zeros((1, 5, 5, 3)))
    with pytest.raises(EmbedError, match="does not fit"):
        MaxPool2D(3).forward(np.zeros((1, 2, 2, 1)))


# -- in a model --------------------------------------------------------------------------
def bars(n, seed):
    """8x8 images with one horizontal (class 0) or vertical (class 1) bar, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 0.3, (n, 8, 8, 1)).astype(np.float32)
    where = rng.integers(0, 8, n)
    for i in range(n):
        if y[i] == 0:
            X[i, where[i], :, 0] += 1.0
        else:
            X[i, :, where[i], 0] += 1.0
    return X, y


def test_sequential_cnn_learns_horizontal_vs_vertical_bars(tmp_path):
    X, y = bars(600, seed=0)
    Xt, yt = bars(200, seed=1)
    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(2, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", lr=1e-2)
    model.fit(X, y, epochs=5, batch_size=32, seed=0)
    assert model.evaluate(Xt, yt)["accuracy"] >= 0.95
    path = model.save(str(tmp_path / "cnn.npz"))
    np.testing.assert_allclose(Sequential.load(path).predict(Xt), model.predict(Xt), rtol=1e-6)


def test_cnn_trains_on_a_thread_team():
    X, y = bars(300, seed=2)
    model = Sequential([Conv2D(6, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten(),
                        Dense(2, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", lr=1e-2)
    history = model.fit(X, y, epochs=4, batch_size=32, seed=0, threads=2, thread_mode="pool")
    assert history["accuracy"][-1] >= 0.9
