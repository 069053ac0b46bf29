"""Every layer, activation, loss and regulariser against central differences (float64)."""
import math

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import activations, losses, regularizers
from embed.nn.gradcheck import check_function_gradients, check_layer_gradients, check_loss_gradients
from embed.nn.layers import Activation, Dense, Dropout, Embedding, Flatten

SHAPES = [((4, 3), 5), ((1, 7), 2), ((2, 3, 4), 3)]   # (input shape, units)


@pytest.mark.parametrize("act", ["linear", "sigmoid", "tanh", "relu", "softmax"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_gradients_every_activation(act, seed):
    rng = np.random.default_rng(seed)
    shape, units = SHAPES[seed]
    errs = check_layer_gradients(Dense(units, act, seed=seed), rng.standard_normal(shape), seed=seed)
    assert set(errs) == {"input", "W", "b"}


@pytest.mark.parametrize("reg", ["l1", "l2", "l1_l2"])
def test_dense_gradients_with_regularizer(reg):
    rng = np.random.default_rng(3)
    layer = Dense(4, "tanh", kernel_regularizer=regularizers.get(reg), seed=3)
    check_layer_gradients(layer, rng.standard_normal((5, 6)), seed=3)
    assert layer.regularization_loss() > 0


def test_dense_without_bias():
    rng = np.random.default_rng(4)
    errs = check_layer_gradients(Dense(3, "sigmoid", use_bias=False, seed=0), rng.standard_normal((4, 2)))
    assert set(errs) == {"input", "W"}


@pytest.mark.parametrize("seed", [0, 1])
def test_embedding_gradient_accumulates_repeated_ids(seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 5, size=(3, 4))
    ids[0, :2] = 2                                     # repeats must add up
    check_layer_gradients(Embedding(5, 3, seed=seed), ids, seed=seed)


@pytest.mark.parametrize("rate", [0.2, 0.6])
def test_dropout_gradient_uses_the_same_mask(rate):
    rng = np.random.default_rng(0)
    check_layer_gradients(Dropout(rate, seed=1), rng.standard_normal((6, 5)), seed=5)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "softmax"])
def test_activation_layer_and_flatten(act):
    rng = np.random.default_rng(7)
    check_layer_gradients(Activation(act), rng.standard_normal((3, 4)))
    check_layer_gradients(Flatten(), rng.standard_normal((2, 3, 2)))


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "softmax"])
def test_activation_backward_matches_numeric_jacobian(name):
    act = activations.get(name)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4))
    r = rng.standard_normal((3, 4))
    check_function_gradients(lambda z: float(np.sum(act.f(z) * r)),
                             lambda z: act.backward(r, z, act.f(z)), x)


def test_elementwise_df_is_the_derivative():
    x = np.linspace(-3, 3, 13) + 0.05                  # avoid relu's kink at 0
    eps = 1e-6
    for name in ["linear", "sigmoid", "tanh", "relu"]:
        act = activations.get(name)
        numeric = (act.f(x + eps) - act.f(x - eps)) / (2 * eps)
        np.testing.assert_allclose(act.df(x, act.f(x)), numeric, rtol=1e-6, atol=1e-8)


def test_sigmoid_is_stable_for_large_inputs():
    y = activations.get("sigmoid").f(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(y, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_gradients(seed):
    rng = np.random.default_rng(seed)
    n, c = [(5, 3), (1, 4), (8, 2)][seed]
    check_loss_gradients(losses.get("quadratic"), rng.standard_normal((n, c)), rng.standard_normal((n, c)))
    check_loss_gradients(losses.get("binary_crossentropy"), rng.uniform(0.05, 0.95, (n, c)), rng.random((n, c)))
    check_loss_gradients(losses.get("sigmoid_crossentropy"), rng.standard_normal((n, c)),
                         rng.integers(0, 2, (n, c)).astype(float))
    labels = rng.integers(0, c, n)
    probs = activations.get("softmax").f(rng.standard_normal((n, c)))
    check_loss_gradients(losses.get("categorical_crossentropy"), probs, labels)
    check_loss_gradients(losses.get("softmax_crossentropy"), rng.standard_normal((n, c)), labels)
    soft = activations.get("softmax").f(rng.standard_normal((n, c)))
    check_loss_gradients(losses.get("softmax_crossentropy"), rng.standard_normal((n, c)), soft)


def test_softmax_crossentropy_on_sequences_and_extreme_logits():
    rng = np.random.default_rng(0)
    check_loss_gradients(losses.SoftmaxCrossEntropy(), rng.standard_normal((3, 2, 5)), rng.integers(0, 5, (3, 2)))
    loss = losses.SoftmaxCrossEntropy()
    value = loss.forward(np.array([[1000.0, -1000.0, 0.0]]), np.array([0]))
    assert value == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.isfinite(loss.backward()))
    assert loss.forward(np.array([[0.0, 0.0]]), np.array([1])) == pytest.approx(np.log(2))


def test_quadratic_loss_value_is_half_mean_squared_norm():
    y_pred = np.array([[1.0, 2.0], [0.0, 0.0]])
    y_true = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert losses.get("mse").forward(y_pred, y_true) == pytest.approx((0.5 * 5 + 0.5 * 2) / 2)


def test_fused_and_unfused_cross_entropy_agree():
    rng = np.random.default_rng(1)
    z, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    p = activations.get("softmax").f(z)
    assert losses.get("softmax_crossentropy").forward(z, labels) == pytest.approx(
        losses.get("categorical_crossentropy").forward(p, labels), rel=1e-9)
    s = activations.get("sigmoid").f(z)
    t = rng.integers(0, 2, (6, 4))
    assert losses.get("sigmoid_crossentropy").forward(z, t) == pytest.approx(
        losses.get("binary_crossentropy").forward(s, t), rel=1e-7)


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.7), regularizers.L1L2(0.2, 0.5)])
def test_regularizer_gradients(reg):
    w = np.random.default_rng(2).standard_normal((4, 3))
    check_function_gradients(reg, reg.grad, w)


def test_registries_reject_unknown_names_with_choices():
    with pytest.raises(EmbedError, match="unknown activation 'relu6'.*relu"):
        activations.get("relu6")
    with pytest.raises(EmbedError, match="unknown loss"):
        losses.get("hinge")
    with pytest.raises(EmbedError, match="unknown regularizer"):
        regularizers.get("l3")
    with pytest.raises(EmbedError, match="unknown activation"):
        Dense(3, activation="swish")


def test_loss_input_validation():
    with pytest.raises(EmbedError, match=r"labels must be in \[0, 3\)"):
        losses.get("softmax_crossentropy").forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(EmbedError, match="shape"):
        losses.get("mse").forward(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(EmbedError, match="integers"):
        losses.get("softmax_crossentropy").forward(np.zeros((2, 3)), np.array([0.5, 1.0]))


def test_layer_input_validation():
    dense = Dense(2)
    dense.forward(np.ones((3, 4), np.float32))
    with pytest.raises(EmbedError, match="expected inputs with 4 features"):
        dense.forward(np.ones((3, 5), np.float32))
    emb = Embedding(4, 2)
    with pytest.raises(EmbedError, match=r"ids must be in \[0, 4\)"):
        emb.forward(np.array([0, 4]))
    with pytest.raises(EmbedError, match="integer ids"):
        emb.forward(np.array([0.0, 1.0]))
    with pytest.raises(EmbedError, match="rate"):
        Dropout(1.0)


def test_dropout_is_inverted_and_identity_at_inference():
    x = np.ones((200, 50), np.float32)
    d = Dropout(0.25, seed=0)
    y = d.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs(y.mean() - 1.0) < 0.05                 # E[y] = x
    assert np.array_equal(d.forward(x, training=False), x)
    a = Dropout(0.5, seed=3).forward(x)
    b = Dropout(0.5, seed=3).forward(x)
    assert np.array_equal(a, b)                       # seeded: reproducible masks


def test_float32_by_default_float64_on_request():
    d = Dense(3)
    assert d.forward(np.ones((2, 4))).dtype == np.float64      # float64 input → float64 params
    d32 = Dense(3)
    assert d32.forward(np.ones((2, 4), np.float32)).dtype == np.float32
    assert d32.params["W"].dtype == np.float32


@pytest.mark.parametrize("out_act,loss,targets", [
    ("softmax", "categorical_crossentropy", "labels"),     # fused softmax CE
    ("sigmoid", "binary_crossentropy", "binary"),          # fused sigmoid CE
    ("linear", "quadratic", "real"),
    ("softmax", "softmax_crossentropy", "onehot"),
])
def test_whole_model_backprop(out_act, loss, targets):
    from embed.nn.gradcheck import check_model_gradients
    from embed.nn.sequential import Sequential
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 5))
    units = 1 if out_act == "sigmoid" else 3
    y = {"labels": rng.integers(0, 3, 6), "binary": rng.integers(0, 2, (6, 1)).astype(float),
         "real": rng.standard_normal((6, 3)), "onehot": np.eye(3)[rng.integers(0, 3, 6)]}[targets]
    model = Sequential([Dense(4, "relu", kernel_regularizer=regularizers.L2(0.1)), Dropout(0.3),
                        Dense(4, "tanh", kernel_regularizer="l1"), Dense(units, out_act)], seed=0)
    model.compile(loss=loss, optimizer="sgd")
    errs = check_model_gradients(model, X, y)
    assert len(errs) == 6


@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_softmax_crossentropy_int_label_kernels_match_numpy(label_dtype):
    rng = np.random.default_rng(5)
    z = (3 * rng.standard_normal((7, 2, 5))).astype(np.float32)[:, ::-1]   # strided logits
    labels = rng.integers(0, 5, (7, 2)).astype(label_dtype)
    z64 = z.astype(np.float64).reshape(-1, 5)
    top = z64.max(axis=1, keepdims=True)
    logp = z64 - top - np.log(np.exp(z64 - top).sum(axis=1, keepdims=True))   # log-softmax, (m, C)
    rows = np.arange(14)
    loss = losses.SoftmaxCrossEntropy()
    assert loss.forward(z, labels) == pytest.approx(-logp[rows, labels.reshape(-1)].mean(), rel=1e-6)
    expected = np.exp(logp)
    expected[rows, labels.reshape(-1)] -= 1
    g = loss.backward()
    assert g.shape == z.shape and g.dtype == np.float32
    np.testing.assert_allclose(g.reshape(-1, 5), expected / 14, rtol=1e-5, atol=1e-7)


def test_softmax_crossentropy_nan_logits_give_nan_and_bad_labels_are_named():
    loss = losses.SoftmaxCrossEntropy()
    assert math.isnan(loss.forward(np.array([[0.0, np.nan], [1.0, 2.0]]), np.array([0, 1])))
    assert math.isnan(loss.forward(np.array([[np.inf, 0.0]]), np.array([1])))
    with pytest.raises(EmbedError, match=r"labels must be in \[0, 3\), got values in \[-1, 2\]"):
        loss.forward(np.zeros((3, 3), np.float32), np.array([2, -1, 0], np.int32))


@pytest.mark.parametrize("m,d,units", [(25, 100, 65), (7, 13, 37), (1, 3, 1), (11, 70, 130)])
def test_dense_float32_products_match_float64(m, d, units):
    """float32 Dense (small products: the SIMD-tiled kernel) against the same layer in float64."""
    rng = np.random.default_rng(m + d + units)
    x, dy = rng.standard_normal((m, d)), rng.standard_normal((m, units))
    layers = [Dense(units, seed=0), Dense(units, seed=0)]
    layers[0].build((m, d), np.float32)
    layers[1].build((m, d), np.float64)
    layers[1].set_weights({k: v.astype(np.float64) for k, v in layers[0].params.items()})
    out = [layer.forward_logits(x.astype(layer.params["W"].dtype)) for layer in layers]
    dx = [layer.backward(dy.astype(layer.params["W"].dtype)) for layer in layers]
    assert out[0].dtype == np.float32 and dx[0].dtype == np.float32
    np.testing.assert_allclose(out[0], out[1], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx[0], dx[1], rtol=1e-4, atol=1e-4)
    for k in ("W", "b"):
        np.testing.assert_allclose(layers[0].grads[k], layers[1].grads[k], rtol=1e-4, atol=1e-4)
