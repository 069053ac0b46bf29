"""Sequential: learning toy problems, save/load, batch modes and clear errors."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import schedules
from embed.nn.layers import Dense, Dropout, Embedding
from embed.nn.regularizers import L2
from embed.nn.sequential import Sequential


def blobs(n=300, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-4, 4, (k, 2))
    y = rng.integers(0, k, n)
    X = centres[y] + rng.standard_normal((n, 2)) * 0.5
    return X.astype(np.float32), y


def test_mlp_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0])
    model = Sequential([Dense(8, "tanh"), Dense(2, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", lr=0.05)
    model.fit(X, y, epochs=300, batch_size=None)
    assert np.array_equal(model.predict(X).argmax(axis=1), y)
    np.testing.assert_allclose(model.predict(X).sum(axis=1), 1.0, rtol=1e-5)   # softmax outputs


def test_blobs_mini_batch_with_validation_history():
    X, y = blobs()
    model = Sequential([Dense(16, "relu"), Dense(3, "softmax")], seed=1)
    model.compile(loss="categorical_crossentropy", optimizer="adam", lr=0.01)
    hist = model.fit(X[:240], y[:240], epochs=15, batch_size=32, validation_data=(X[240:], y[240:]), seed=0)
    assert set(hist) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert len(hist["loss"]) == 15 and hist["loss"][-1] < hist["loss"][0]
    assert hist["val_accuracy"][-1] >= 0.95
    assert model.evaluate(X[240:], y[240:])["accuracy"] >= 0.95


def test_online_updates_and_binary_sigmoid_output():
    X, y = blobs(n=120, k=2, seed=3)
    model = Sequential([Dense(4, "tanh"), Dense(1, "sigmoid")], seed=2)
    model.compile(loss="binary_crossentropy", optimizer="sgd", lr=0.05)
    hist = model.fit(X, y, epochs=5, batch_size=1)
    assert hist["accuracy"][-1] >= 0.95
    p = model.predict(X)
    assert p.shape == (120, 1) and np.all((p > 0) & (p < 1))


def test_regression_with_quadratic_loss_and_schedule():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 3)).astype(np.float32)
    w = np.array([[1.5], [-2.0], [0.5]], np.float32)
    y = X @ w + 0.3
    model = Sequential([Dense(1)], seed=0).compile(loss="quadratic", optimizer="momentum", lr=0.1)
    hist = model.fit(X, y, epochs=60, batch_size=20, lr_schedule=schedules.StepDecay(0.1, 0.5, 30))
    assert hist["lr"][0] == pytest.approx(0.1) and hist["lr"][-1] == pytest.approx(0.05)
    np.testing.assert_allclose(model.layers[0].params["W"], w, atol=1e-2)
    np.testing.assert_allclose(model.layers[0].params["b"], [0.3], atol=1e-2)


def test_l2_regularisation_shrinks_weights():
    X, y = blobs(seed=4)
    norms = []
    for reg in (None, L2(0.1)):
        m = Sequential([Dense(16, "relu"), Dense(3, "softmax")], seed=5)
        m.compile(loss="categorical_crossentropy", optimizer="adam", lr=0.01, regularizer=reg)
        m.fit(X, y, epochs=20, batch_size=32, seed=0)
        norms.append(float(np.linalg.norm(m.layers[0].params["W"])))
    assert norms[1] < 0.8 * norms[0]


def test_same_seed_same_model():
    X, y = blobs(seed=6)
    preds = []
    for _ in range(2):
        m = Sequential([Dense(8, "relu"), Dropout(0.2), Dense(3, "softmax")], seed=7)
        m.compile(loss="categorical_crossentropy", optimizer="adam")
        m.fit(X, y, epochs=3, batch_size=16, seed=1)
        preds.append(m.predict(X))
    np.testing.assert_array_equal(preds[0], preds[1])


def test_save_load_round_trip_identical_predictions_and_resume(tmp_path):
    X, y = blobs(seed=8)
    m = Sequential([Dense(8, "relu", kernel_regularizer="l2"), Dropout(0.1), Dense(3, "softmax")], seed=0)
    m.compile(loss="categorical_crossentropy", optimizer="adam", lr=0.01, clip_norm=5.0)
    m.fit(X, y, epochs=2, batch_size=32, seed=0)
    path = tmp_path / "model.npz"
    m.save(path)
    m2 = Sequential.load(path)
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    assert m2.optimizer.t == m.optimizer.t and m2.clip_norm == 5.0
    assert m2.layers[0].kernel_regularizer.l2 == m.layers[0].kernel_regularizer.l2
    # both continue training the same way (optimizer moments restored)
    m.fit(X, y, epochs=1, batch_size=32, seed=3)
    m2.fit(X, y, epochs=1, batch_size=32, seed=3)
    np.testing.assert_allclose(m2.predict(X), m.predict(X), rtol=1e-5, atol=1e-6)
    assert not list(tmp_path.glob("*.tmp"))


def test_embedding_model_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 10, 64)
    y = ids % 2
    m = Sequential([Embedding(10, 4), Dense(2, "softmax")], seed=0)
    m.compile(loss="categorical_crossentropy", optimizer="adam", lr=0.05)
    m.fit(ids, y, epochs=40, batch_size=16)
    assert m.evaluate(ids, y)["accuracy"] == 1.0
    m.save(tmp_path / "emb.npz")
    np.testing.assert_array_equal(Sequential.load(tmp_path / "emb.npz").predict(ids), m.predict(ids))


def test_load_rejects_corrupt_and_foreign_files(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(EmbedError, match="corrupt or truncated"):
        Sequential.load(bad)
    m = Sequential([Dense(2)], seed=0).compile(loss="mse", optimizer="sgd")
    m.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1)
    good = tmp_path / "good.npz"
    m.save(good)
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(EmbedError, match="corrupt or truncated"):
        Sequential.load(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(EmbedError, match=r"other.npz is not a valid embed model file"):
        Sequential.load(other)
    with pytest.raises(EmbedError, match="not found"):
        Sequential.load(tmp_path / "missing.npz")


def test_bad_inputs_give_clear_errors():
    X, y = blobs(n=40)
    m = Sequential([Dense(4, "relu"), Dense(3, "softmax")], seed=0)
    with pytest.raises(EmbedError, match="compile"):
        m.fit(X, y)
    m.compile(loss="categorical_crossentropy", optimizer="adam")
    with pytest.raises(EmbedError, match="X has 40 samples but y has 39"):
        m.fit(X, y[:-1])
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(EmbedError, match="NaN"):
        m.fit(Xn, y)
    with pytest.raises(EmbedError, match=r"labels must be in \[0, 3\)"):
        m.fit(X, np.where(y == 2, 5, y))
    with pytest.raises(EmbedError, match="batch_size"):
        m.fit(X, y, batch_size=0)
    with pytest.raises(EmbedError, match="numeric"):
        m.fit(np.array([["a", "b"]] * 40), y)
    m.fit(X, y, epochs=1)
    with pytest.raises(EmbedError, match="expected inputs with 2 features"):
        m.predict(np.ones((3, 5)))
    with pytest.raises(EmbedError, match="unknown optimizer"):
        m.compile(optimizer="lbfgs")


def test_diverging_training_is_reported():
    X = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32) * 1e3
    y = X.sum(axis=1, keepdims=True) ** 3
    m = Sequential([Dense(1)], seed=0).compile(loss="mse", optimizer="sgd", lr=10.0)
    with pytest.raises(EmbedError, match="diverged"):
        m.fit(X, y, epochs=20, batch_size=10)


def test_thread_pool_split_matches_single_thread():
    from embed.nn.optimizers import Adam
    from embed.parallel import split, team
    assert split(10, 3) == [(0, 3), (3, 6), (6, 10)]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 300)).astype(np.float32)       # 64·300·256 multiply-adds: split
    dy = rng.standard_normal((64, 256)).astype(np.float32)
    results = []
    for pool in (None, team(2), team(3)):
        layer = Dense(256, "relu", seed=0)
        layer.pool = pool
        y = layer.forward(x).copy()
        dx = layer.backward(dy).copy()
        results.append((y, dx, layer.grads["W"].copy(), layer.grads["b"].copy()))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # optimizer updates split block-wise are elementwise: identical
    p1 = rng.standard_normal(100_003).astype(np.float32)
    p2 = p1.copy()
    g = rng.standard_normal(100_003).astype(np.float32)
    a, b = Adam(), Adam()
    b.pool = team(2)
    for _ in range(3):
        a.step([p1], [g])
        b.step([p2], [g])
    np.testing.assert_array_equal(p1, p2)


def test_fit_with_threads_agrees_with_one_thread():
    X, y = blobs(n=256, seed=9)
    X = np.repeat(X, 150, axis=1)                                 # wide enough to split the first product
    preds = []
    for threads, mode in ((1, "blas"), (2, "pool"), (2, "blas")):
        m = Sequential([Dense(128, "relu"), Dense(3, "softmax")], seed=0)
        m.compile(loss="categorical_crossentropy", optimizer="adam", lr=1e-3)
        pools = []
        m.fit(X, y, epochs=2, batch_size=128, seed=0, threads=threads, thread_mode=mode,
              callbacks=[lambda epoch, logs: pools.append((m.layers[0].pool, m.optimizer.pool))])
        layer_pool, opt_pool = pools[0]
        assert (opt_pool is None) == (threads == 1)                   # updates split in both modes
        assert (layer_pool is None) == (mode == "blas" or threads == 1)
        assert m.layers[0].pool is None and m.optimizer.pool is None     # reset after fit
        preds.append(m.predict(X))
    np.testing.assert_allclose(preds[0], preds[1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(preds[0], preds[2], rtol=1e-4, atol=1e-5)
    with pytest.raises(EmbedError, match="thread_mode"):
        m.fit(X, y, thread_mode="fast")


# -- build, weights you are given, train_on_batch, reprs (issue 13 part 1) ------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_build_then_set_weights_and_predict_without_fit():
    m = Sequential([Dense(4, "tanh"), Dense(2)], seed=0)
    with pytest.raises(EmbedError, match="no weights yet.*build"):
        m.predict(np.zeros((1, 3)))
    with pytest.raises(EmbedError, match="no weights yet"):
        m.set_weights([np.zeros((3, 4))])
    assert m.build(3) is m and m.built
    shapes = [w.shape for w in m.get_weights()]
    assert shapes == [(3, 4), (4,), (4, 2), (2,)]
    rng = np.random.default_rng(1)
    W1, b1, W2, b2 = (rng.standard_normal(s) for s in shapes)
    m.set_weights([W1, b1, W2, b2])
    X = rng.standard_normal((5, 3))
    np.testing.assert_allclose(m.predict(X), np.tanh(X @ W1 + b1) @ W2 + b2, rtol=1e-5, atol=1e-5)
    got = m.get_weights()
    got[0][...] = 0                                             # copies: the model is unchanged
    np.testing.assert_allclose(m.get_weights()[0], W1, rtol=1e-6)


def test_set_weights_names_the_wrong_array_in_one_line():
    m = Sequential([Dense(4), Dense(2)], seed=0).build(3)
    with pytest.raises(EmbedError, match=r"has 4 weight arrays .*got 3") as e:
        m.set_weights(m.get_weights()[:3])
    assert "\n" not in str(e.value)
    w = m.get_weights()
    w[2] = np.zeros((5, 2))
    with pytest.raises(EmbedError, match=r"layer 1 \(Dense\) W has shape \(4, 2\), got \(5, 2\)"):
        m.set_weights(w)


def test_build_gives_the_weights_fit_would_build():
    X, y = blobs(n=64, seed=2)
    a = Sequential([Dense(8, "relu"), Dense(3, "softmax")], seed=4).compile(lr=0.01)
    b = Sequential([Dense(8, "relu"), Dense(3, "softmax")], seed=4).compile(lr=0.01).build(2)
    a.fit(X, y, epochs=2, seed=0)
    b.fit(X, y, epochs=2, seed=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_build_keeps_trailing_input_dims_and_float64():
    m = Sequential([Dense(3, "relu"), Dense(2)], seed=0).build((5, 4), dtype=np.float64)
    assert m.layers[0].params["W"].shape == (4, 3) and m.layers[0].params["W"].dtype == np.float64
    assert m.predict(np.ones((6, 5, 4))).shape == (6, 5, 2)
    with pytest.raises(EmbedError, match="input_shape"):
        Sequential([Dense(2)]).build(0)
    emb = Sequential([Embedding(10, 4), Dense(2)], seed=0).build(3)          # integer ids in
    assert emb.predict(np.array([[1, 2, 3]])).shape == (1, 3, 2)


def test_course_forward_propagation_with_given_theta():
    """Lecture: Theta1 (h, n+1), Theta2 (10, h+1), bias in column 0, a = sigmoid([1, a] @ Thetaᵀ)."""
    rng = np.random.default_rng(0)
    n, h, m = 20, 25, 50
    Theta1 = rng.standard_normal((h, n + 1)) * 0.5
    Theta2 = rng.standard_normal((10, h + 1)) * 0.5
    X = rng.uniform(0, 1, (m, n))
    a2 = sigmoid(np.hstack([np.ones((m, 1)), X]) @ Theta1.T)                   # (m, h)
    a3 = sigmoid(np.hstack([np.ones((m, 1)), a2]) @ Theta2.T)                  # (m, 10)
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        model = Sequential([Dense(h, "sigmoid"), Dense(10, "sigmoid")]).build(n, dtype=dtype)
        model.layers[0].set_theta(Theta1)
        model.layers[1].set_theta(Theta2)
        np.testing.assert_allclose(model.predict(X.astype(dtype)), a3, atol=tol)
        assert np.array_equal(model.predict_classes(X.astype(dtype)), a3.argmax(axis=1))
    np.testing.assert_array_equal(model.layers[0].get_theta(), Theta1.astype(np.float32))


def test_theta_builds_an_unbuilt_layer_and_rejects_wrong_shapes():
    theta = np.arange(12.0).reshape(3, 4)
    layer = Dense(3, "sigmoid").set_theta(theta)
    assert layer.params["W"].shape == (3, 3) and layer.params["W"].dtype == np.float64
    np.testing.assert_array_equal(layer.params["b"], theta[:, 0])
    np.testing.assert_array_equal(layer.get_theta(), theta)
    with pytest.raises(EmbedError, match=r"Theta must have shape \(3, inputs \+ 1\)"):
        layer.set_theta(np.zeros((4, 4)))
    with pytest.raises(EmbedError, match="no bias"):
        Dense(3, use_bias=False).set_theta(theta)
    with pytest.raises(EmbedError, match="no weights yet"):
        Dense(3).get_theta()


def test_train_on_batch_without_fit_returns_the_batch_loss():
    X, y = blobs(n=32, seed=5)
    m = Sequential([Dense(8, "tanh"), Dense(3, "softmax")], seed=1)
    m.compile(loss="categorical_crossentropy", optimizer="sgd", lr=0.1)
    twin = Sequential([Dense(8, "tanh"), Dense(3, "softmax")], seed=1)
    twin.compile(loss="categorical_crossentropy", optimizer="sgd", lr=0.1)
    losses_seen = [m.train_on_batch(X, y) for _ in range(30)]
    assert all(isinstance(v, float) for v in losses_seen)
    assert losses_seen[-1] < 0.5 * losses_seen[0]
    # the loss returned is the loss before the update, the same fit reports for one full batch
    hist = twin.fit(X, y, epochs=1, batch_size=None, shuffle=False)
    assert hist["loss"][0] == pytest.approx(losses_seen[0], rel=1e-6)
    with pytest.raises(EmbedError, match="compile"):
        Sequential([Dense(2)]).train_on_batch(X, y)


def test_reprs_are_short_and_say_the_state():
    m = Sequential([Dense(8, "relu"), Dropout(0.2), Dense(3, "softmax")], seed=0, name="mlp")
    assert repr(m) == ("Sequential 'mlp'<Dense(8, activation='relu') → Dropout(rate=0.2) → "
                       "Dense(3, activation='softmax'); 0 params, not built>")
    m.build(2)
    assert repr(m).endswith("; 51 params, built>")
    assert repr(m.layers[0]) == "Dense(8, activation='relu')<24 params>"
    assert repr(m.layers[1]) == "Dropout(rate=0.2)<no params>"
    X, y = blobs(n=40)
    hist = m.compile().fit(X, y, epochs=2, validation_data=(X, y))
    assert repr(m).endswith(", trained>")
    text = repr(hist)
    assert text.startswith("History<2 epochs: loss ") and "val_accuracy" in text and "\n" not in text
    assert hist.epochs == 2 and isinstance(hist, dict)


def test_fit_is_train_on_batch_over_the_minibatches():
    """fit without shuffling = the course's loop written by hand with train_on_batch (same bits)."""
    X, y = blobs(n=70, seed=3)
    models = [Sequential([Dense(8, "relu"), Dropout(0.1), Dense(3, "softmax")], seed=2).compile(lr=0.01)
              for _ in range(2)]
    hist = models[0].fit(X, y, epochs=2, batch_size=16, shuffle=False)
    by_hand = []
    for _ in range(2):
        losses_ = [models[1].train_on_batch(X[i:i + 16], y[i:i + 16]) for i in range(0, 70, 16)]
        by_hand.append(np.dot(losses_, [16, 16, 16, 16, 6]) / 70)
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(hist["loss"], by_hand, rtol=1e-12)
