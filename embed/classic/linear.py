"""Linear regression: gradient descent on the shared core, checked against the normal equation.

Model, for m examples x_i in R^n (rows of X) and targets y_i:

    y_hat = X w + b                                   # (m,)

Cost (the course's quadratic loss, with an optional ridge penalty):

    J(w, b) = 1/(2m) * sum_i (y_hat_i - y_i)^2  +  lambda/2 * ||w||^2

Gradient:

    dJ/dw = X^T (y_hat - y) / m  +  lambda * w        # (n,)
    dJ/db = sum_i (y_hat_i - y_i) / m

Gradient descent repeats  w <- w - lr * dJ/dw,  b <- b - lr * dJ/db.  Here that
is exactly one `Dense(1, activation="linear")` layer, the core's "quadratic"
loss and an optimizer from `embed.nn.optimizers`, trained by `Sequential.fit`:
full batch (batch_size=None: one step per pass = classic gradient descent),
mini-batch (batch_size=B) or online (batch_size=1, one example per step).

Closed form.  Setting the gradient to zero with A = [X, 1] (a column of ones
for the bias) and theta = [w, b] gives the normal equation

    (A^T A + m * lambda * D) theta = A^T y,     D = diag(1, ..., 1, 0)

(the bias is not penalised), solved directly by `normal_equation`.
"""
import numpy as np

from ..errors import EmbedError
from .checks import check_fitted, check_positive, check_X, check_y
from .options import check_batch_size, float_dtype, make_optimizer, regularizer


def normal_equation(X, y, l2=0.0):
    """Least-squares weights in closed form: theta = (A^T A + m*l2*D)^-1 A^T y.

    X : (m, n) features, y : (m,) targets, l2 : ridge strength lambda >= 0
    (same scaling as `embed.nn.regularizers.L2`).
    Returns (coef (n,), intercept float), both float64.
    """
    X = check_X(X)
    y = check_y(y, len(X))
    if l2 < 0:
        raise EmbedError(f"l2 must be >= 0, got {l2}")
    m, n = X.shape
    A = np.hstack([X, np.ones((m, 1))])  # (m, n+1): a column of ones carries the bias
    D = np.eye(n + 1)
    D[n, n] = 0.0  # do not penalise the bias
    lhs = A.T @ A + m * l2 * D  # (n+1, n+1)
    rhs = A.T @ y  # (n+1,)
    # lstsq instead of inv: also gives the minimum-norm answer when features are collinear
    theta = np.linalg.lstsq(lhs, rhs, rcond=None)[0]  # (n+1,)
    return theta[:n], float(theta[n])


class LinearRegression:
    """Least squares by gradient descent: a Dense(1, linear) layer + quadratic loss.

    Parameters
    ----------
    lr : float -- learning rate (step size).
    epochs : int -- passes over the data (full batch: one step per pass).
    batch_size : int or None -- None: full batch, B: mini-batch, 1: online.
    optimizer : str -- any name from `embed.nn.optimizers` ("sgd", "momentum", "adam", ...).
    momentum : float -- momentum mu for optimizer="sgd" (0: plain gradient descent).
    penalty, alpha : None/"l1"/"l2" and its strength lambda (lasso / ridge).
    shuffle : bool -- fresh example order each epoch (mini-batch and online).
    random_state : int or None -- seeds the shuffling.
    dtype : "float64" (exact, for checking against the closed form) or "float32".

    Fitted attributes
    -----------------
    coef_ : float64 (n,), intercept_ : float -- w and b.
    loss_curve_ : list[float] -- one cost J per pass over the data: full batch, the cost
        before each step (J(w_0), J(w_1), ...); mini-batch / online, the mean of the batch
        costs met during the pass.
    model_ : the trained `embed.nn.sequential.Sequential`.
    """

    def __init__(self, lr=0.1, epochs=500, batch_size=None, optimizer="sgd", momentum=0.0,
                 penalty=None, alpha=0.0, shuffle=True, random_state=0, dtype="float64"):
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
        """Run gradient descent from w = 0, b = 0; returns self."""
        from ..nn.layers import Dense
        from ..nn.sequential import Sequential
        check_positive(self.epochs, "epochs", integer=True)
        check_batch_size(self.batch_size)
        dtype = float_dtype(self.dtype)
        X = check_X(X, dtype=dtype)
        y = check_y(y, len(X)).astype(dtype)
        layer = Dense(1, activation="linear", kernel_initializer="zeros",
                      kernel_regularizer=regularizer(self.penalty, self.alpha))
        layer.build(X.shape, dtype)  # w = 0 (n, 1), b = 0 (1,), in the chosen precision
        model = Sequential([layer], seed=self.random_state)
        model.compile(loss="quadratic", optimizer=make_optimizer(self.optimizer, self.lr, self.momentum),
                      metrics=[])
        history = model.fit(X, y, epochs=self.epochs, batch_size=self.batch_size, shuffle=self.shuffle)
        self.model_ = model
        self.loss_curve_ = list(history["loss"])
        self.coef_ = layer.params["W"][:, 0].astype(np.float64)  # (n,)
        self.intercept_ = float(layer.params["b"][0])
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        """y_hat = X w + b, float64 (m,)."""
        check_fitted(self)
        X = check_X(X, n_features=self.n_features_in_)
        return X @ self.coef_ + self.intercept_

    def cost(self, X, y):
        """The unregularised quadratic cost 1/(2m) * sum (y_hat - y)^2."""
        X = check_X(X)
        r = self.predict(X) - check_y(y, len(X))  # (m,) residuals
        return float(0.5 * np.mean(r * r))

    def score(self, X, y):
        """Coefficient of determination R^2 = 1 - SS_res / SS_tot (1 is a perfect fit)."""
        X = check_X(X)
        y = check_y(y, len(X))
        ss_res = float(np.sum((self.predict(X) - y) ** 2))
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else float(ss_res == 0)

    def __repr__(self):
        return (f"LinearRegression(lr={self.lr}, epochs={self.epochs}, batch_size={self.batch_size}, "
                f"optimizer={self.optimizer!r})")

