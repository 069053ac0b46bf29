"""Rosenblatt's perceptron, and why XOR needs a hidden layer.

The perceptron is a single neuron with a step activation:

    y_hat = step(w·x + b),   step(z) = 1 if z > 0 else 0

It learns online, one example at a time.  On a mistake it moves the weights
towards the input it got wrong:

    missed a positive (y = 1, y_hat = 0):  w <- w + lr * x,   b <- b + lr
    missed a negative (y = 0, y_hat = 1):  w <- w - lr * x,   b <- b - lr

i.e. w <- w + lr * (y - y_hat) * x, and nothing happens on a correct answer.

Convergence theorem (Novikoff, 1962): if some unit vector u and margin
gamma > 0 give (2y - 1) * u·[x, 1] >= gamma for every example, and ||[x, 1]||
<= R, the rule makes at most (R / gamma)^2 mistakes -- so after finitely many
epochs an epoch passes with no mistake and training stops.

XOR has no such line: the four points (0,0)->0, (1,1)->0, (0,1)->1, (1,0)->1
would need w1 + b > 0, w2 + b > 0 (the ones), b <= 0 and w1 + w2 + b <= 0 (the
zeros); adding the first two gives w1 + w2 + 2b > 0, so w1 + w2 + b > -b >= 0,
a contradiction.  The rule cycles forever and at best gets 3 of 4 right.  A
hidden layer bends the boundary: `xor_mlp` trains one on the shared core.
"""
import numpy as np

from .checks import check_fitted, check_labels, check_positive, check_X, rng_from


class Perceptron:
    """A single threshold unit trained by the perceptron learning rule.

    Parameters
    ----------
    max_epochs : int -- passes over the data before giving up.
    lr : float -- step size of each correction (any lr > 0 converges on separable data).
    shuffle : bool -- visit the examples in a fresh random order each epoch.
    random_state : int, None or numpy Generator -- seeds the shuffling.

    Fitted attributes
    -----------------
    coef_ : float64 (n,), intercept_ : float -- the weights w and bias b.
    errors_ : list[int] -- mistakes (= weight updates) in each epoch.
    converged_ : bool -- an epoch passed with zero mistakes.
    n_epochs_ : int -- epochs run; when converged, the first mistake-free epoch.
    """

    def __init__(self, max_epochs=100, lr=1.0, shuffle=True, random_state=0):
        self.max_epochs = max_epochs
        self.lr = lr
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X, y):
        """Apply the learning rule until an epoch makes no mistake (or max_epochs)."""
        check_positive(self.max_epochs, "max_epochs", integer=True)
        check_positive(self.lr, "lr")
        X = check_X(X)
        y, _ = check_labels(y, len(X), n_classes=2)  # two classes, labels 0 and 1
        rng = rng_from(self.random_state)
        m, n = X.shape
        w = np.zeros(n)  # (n,) weights
        b = 0.0  # bias
        self.errors_, self.converged_ = [], False
        for epoch in range(1, self.max_epochs + 1):
            order = rng.permutation(m) if self.shuffle else np.arange(m)
            mistakes = 0
            for i in order:
                y_hat = 1 if X[i] @ w + b > 0 else 0  # step(w·x + b)
                if y_hat != y[i]:
                    delta = self.lr * (y[i] - y_hat)  # +lr on a missed positive, -lr on a missed negative
                    w += delta * X[i]
                    b += delta
                    mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.coef_, self.intercept_, self.n_epochs_ = w, float(b), epoch
        self.n_features_in_ = n
        return self

    def decision_function(self, X):
        """w·x + b for each row: the signed (unnormalised) distance to the boundary, (m,)."""
        check_fitted(self)
        X = check_X(X, n_features=self.n_features_in_)
        return X @ self.coef_ + self.intercept_

    def predict(self, X):
        """Class labels in {0, 1}, int64 (m,)."""
        return (self.decision_function(X) > 0).astype(np.int64)

    def score(self, X, y):
        """Accuracy: the fraction of rows classified correctly."""
        X = check_X(X)
        y, _ = check_labels(y, len(X), n_classes=2, fitting=False)
        return float(np.mean(self.predict(X) == y))

    def __repr__(self):
        return (f"Perceptron(max_epochs={self.max_epochs}, lr={self.lr}, "
                f"shuffle={self.shuffle}, random_state={self.random_state})")


def xor_mlp(hidden=4, activation="tanh", lr=0.05, random_state=0):
    """A two-layer network for XOR on the shared core, returned untrained.

        h = tanh(x W_1 + b_1)            # (B, hidden): the hidden layer bends space
        p = sigmoid(h w_2 + b_2)         # (B, 1): P(y = 1)

    trained with binary cross-entropy and Adam by `fit_xor_mlp`.  The hidden
    units each draw one line; the output combines them (e.g. "x1 OR x2" AND NOT
    "x1 AND x2"), which no single line can do.
    """
    from ..nn.layers import Dense
    from ..nn.sequential import Sequential
    check_positive(hidden, "hidden", integer=True)
    model = Sequential([Dense(hidden, activation), Dense(1, "sigmoid")], seed=random_state)
    model.compile(loss="binary_crossentropy", optimizer="adam", lr=lr, metrics=["accuracy"])
    return model


def fit_xor_mlp(X, y, hidden=4, activation="tanh", epochs=500, lr=0.05, random_state=0):
    """Train `xor_mlp` full-batch on (X, y); returns (model, history)."""
    X = check_X(X)
    y, _ = check_labels(y, len(X), n_classes=2)
    check_positive(epochs, "epochs", integer=True)
    model = xor_mlp(hidden, activation, lr, random_state)
    history = model.fit(X, y.astype(np.float64), epochs=epochs, batch_size=None, seed=random_state)
    return model, history
