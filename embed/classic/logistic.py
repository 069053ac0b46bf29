"""Logistic regression, binary and multinomial, on the shared core.

Binary (labels 0/1): one sigmoid unit gives the probability of class 1,

    p_i = sigma(x_i . w + b),   sigma(z) = 1 / (1 + e^-z)
    J   = -1/m * sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ]    (binary cross-entropy)
    dJ/dz_i = (p_i - y_i) / m   ->  dJ/dw = X^T (p - y) / m

Multinomial (labels 0..K-1): K units and a softmax give a distribution over classes,

    P_i = softmax(x_i W + b),   softmax(z)_k = e^{z_k} / sum_j e^{z_j}     # (m, K)
    J   = -1/m * sum_i log P_{i, y_i}                                    (cross-entropy)
    dJ/dZ = (P - onehot(y)) / m  ->  dJ/dW = X^T (P - onehot(y)) / m     # (n, K)

Either way the gradient has the same "prediction minus truth" form as linear
regression.  Here the model is one `Dense(1, "sigmoid")` or `Dense(K,
"softmax")` layer with the matching cross-entropy; `Sequential` trains it
through the fused, overflow-free loss on the logits z.  An L1 or L2 penalty
on W (`embed.nn.regularizers`) adds lambda*sum|w| or lambda/2*sum w^2 to J.

The decision rule is argmax_k P_k (binary: p >= 1/2, i.e. x . w + b >= 0), so
the boundary between two classes is a straight line (a hyperplane).
"""
import numpy as np

from ..errors import EmbedError
from .checks import check_fitted, check_labels, check_positive, check_X
from .options import check_batch_size, float_dtype, make_optimizer, regularizer

_MULTI_CLASS = ("auto", "binary", "multinomial")


class LogisticRegression:
    """Logistic (sigmoid) or multinomial (softmax) regression by gradient descent.

    Parameters
    ----------
    multi_class : "auto" (binary for 2 classes, else multinomial), "binary" or "multinomial".
    n_classes : int or None -- number of classes K (default: max label + 1).
    lr, epochs, batch_size, optimizer, momentum : as in `LinearRegression`.
    penalty, alpha : None/"l1"/"l2" and its strength lambda.
    shuffle, random_state, dtype : as in `LinearRegression`.

    Labels are class indices: 0/1 (binary) or 0..K-1 (multinomial).

    Fitted attributes
    -----------------
    coef_ : float64 (n,) for binary, (K, n) for multinomial -- the weights.
    intercept_ : float (binary) or float64 (K,) -- the biases.
    classes_ : int64 (K,) -- 0..K-1.
    loss_curve_ : list[float] -- cost J per pass (as in `LinearRegression`).
    model_ : the trained `Sequential`.
    """

    def __init__(self, multi_class="auto", n_classes=None, lr=0.5, epochs=1000, batch_size=None,
                 optimizer="sgd", momentum=0.0, penalty=None, alpha=0.0, shuffle=True,
                 random_state=0, dtype="float64"):
        self.multi_class = multi_class
        self.n_classes = n_classes
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.momentum = momentum
        self.penalty = penalty
        self.alpha = alpha
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype

    def fit(self, X, y):
        """Minimise the cross-entropy from W = 0, b = 0; returns self."""
        from ..nn.layers import Dense
        from ..nn.sequential import Sequential
        if self.multi_class not in _MULTI_CLASS:
            raise EmbedError(f"multi_class must be one of {', '.join(_MULTI_CLASS)}; got {self.multi_class!r}")
        check_positive(self.epochs, "epochs", integer=True)
        check_batch_size(self.batch_size)
        dtype = float_dtype(self.dtype)
        X = check_X(X, dtype=dtype)
        n_classes = 2 if self.multi_class == "binary" else self.n_classes
        y, k = check_labels(y, len(X), n_classes=n_classes)
        binary = self.multi_class == "binary" or (self.multi_class == "auto" and k == 2)
        reg = regularizer(self.penalty, self.alpha)
        if binary:   # one unit: p = sigma(z)
            layer = Dense(1, "sigmoid", kernel_initializer="zeros", kernel_regularizer=reg)
            loss, target = "binary_crossentropy", y.astype(dtype)
        else:        # K units: P = softmax(z)
            layer = Dense(k, "softmax", kernel_initializer="zeros", kernel_regularizer=reg)
            loss, target = "categorical_crossentropy", y
        layer.build(X.shape, dtype)
        model = Sequential([layer], seed=self.random_state)
        model.compile(loss=loss, optimizer=make_optimizer(self.optimizer, self.lr, self.momentum), metrics=[])
        history = model.fit(X, target, epochs=self.epochs, batch_size=self.batch_size, shuffle=self.shuffle)
        W, b = layer.params["W"].astype(np.float64), layer.params["b"].astype(np.float64)
        self.model_, self.binary_ = model, binary
        self.loss_curve_ = list(history["loss"])
        self.classes_ = np.arange(k)
        self.coef_ = W[:, 0] if binary else W.T.copy()          # (n,) or (K, n)
        self.intercept_ = float(b[0]) if binary else b          # float or (K,)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X):
        """The logits z = X w + b: (m,) for binary, (m, K) for multinomial."""
        check_fitted(self)
        X = check_X(X, n_features=self.n_features_in_)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """Class probabilities, float64 (m, K); rows sum to 1."""
        from ..nn import activations
        z = self.decision_function(X)
        if self.binary_:
            p1 = activations.get("sigmoid").f(z)  # (m,) P(y = 1)
            return np.column_stack([1.0 - p1, p1])
        return activations.get("softmax").f(z)  # (m, K)

    def predict(self, X):
        """The most probable class for each row, int64 (m,)."""
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)

    def score(self, X, y):
        """Accuracy: the fraction of rows classified correctly."""
        from ..nn.metrics import accuracy
        check_fitted(self)
        X = check_X(X, n_features=self.n_features_in_)
        y, _ = check_labels(y, len(X), n_classes=len(self.classes_), fitting=False)
        return float(accuracy(y, self.predict(X)))

    def __repr__(self):
        return (f"LogisticRegression(multi_class={self.multi_class!r}, lr={self.lr}, epochs={self.epochs}, "
                f"penalty={self.penalty!r}, alpha={self.alpha})")
