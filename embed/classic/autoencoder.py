"""A dense autoencoder: a Sequential of Dense layers trained to copy its input.

The network squeezes each image x (D pixels in [0, 1]) through a narrow code
and expands it back:

    encoder   h_1 = relu(x W_1 + b_1) ... c = relu(h W_c + b_c)      # (B, code)
    decoder   ... x_hat = sigmoid(h W_out + b_out)                   # (B, D)

e.g. 784-128-32-128-784 for 28x28 digits.  The target is the input itself,
so training is `Sequential.fit(X, X)` with a reconstruction loss:

    bce        J = -1/m sum_i sum_d [x log x_hat + (1 - x) log(1 - x_hat)]
               (pixels as probabilities; fused with the sigmoid, dJ/dz = (x_hat - x)/m)
    quadratic  J = 1/(2m) sum_i ||x_hat_i - x_i||^2

Because the code is smaller than the input the network cannot learn the
identity; it must keep what digits have in common (strokes, loops) and drop
the rest.  The yardstick is the mean-image baseline: predicting the average
training image for everyone, whose error an autoencoder must beat by far.
"""
import numpy as np

from ..errors import EmbedError
from .checks import check_fitted, check_positive, check_X

_LOSSES = {"bce": "binary_crossentropy", "quadratic": "quadratic"}


class DenseAutoencoder:
    """Symmetric dense autoencoder on inputs scaled to [0, 1].

    Parameters
    ----------
    hidden : tuple[int] -- encoder widths down to the code, e.g. (128, 32);
        the decoder mirrors them, so (128, 32) builds D-128-32-128-D.
    activation : str -- hidden activation ("relu", "tanh", "sigmoid").
    loss : "bce" (binary cross-entropy, sigmoid output) or "quadratic".
    optimizer, lr : optimizer name from `embed.nn.optimizers` and its learning rate.
    epochs, batch_size : passes over the data and rows per update.
    random_state : int or None -- seeds the weights and the shuffling.

    Fitted attributes
    -----------------
    model_ : the trained `Sequential`; encoder = its first len(hidden) layers.
    loss_curve_ : list[float] -- training loss per epoch.
    baseline_error_ : float -- mean squared pixel error of the mean training image.
    """

    def __init__(self, hidden=(128, 32), activation="relu", loss="bce", optimizer="adam", lr=1e-3,
                 epochs=10, batch_size=128, random_state=0):
        self.hidden = hidden
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_params(self):
        hidden = tuple(self.hidden)
        if not hidden:
            raise EmbedError("hidden must list at least one layer width, e.g. (128, 32)")
        for h in hidden:
            check_positive(h, "each hidden width", integer=True)
        if self.loss not in _LOSSES:
            raise EmbedError(f"loss must be 'bce' or 'quadratic', got {self.loss!r}")
        check_positive(self.epochs, "epochs", integer=True)
        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.lr, "lr")
        return hidden

    def _check_pixels(self, X, n_features=None):
        X = check_X(X, dtype=np.float32, n_features=n_features)
        if X.min() < 0 or X.max() > 1:
            raise EmbedError(f"autoencoder inputs must be scaled to [0, 1], got values in "
                             f"[{X.min():g}, {X.max():g}] (divide pixels by 255)")
        return X

    def fit(self, X, validation_data=None, verbose=0):
        """Train the network to reproduce X (float (m, D) in [0, 1]); returns self."""
        from ..nn.layers import Dense
        from ..nn.sequential import Sequential
        hidden = self._check_params()
        X = self._check_pixels(X)
        d = X.shape[1]
        widths = hidden + hidden[-2::-1]  # (128, 32) -> 128, 32, 128
        init = "he_uniform" if self.activation == "relu" else "glorot_uniform"
        layers = [Dense(w, self.activation, kernel_initializer=init) for w in widths]
        layers.append(Dense(d, "sigmoid"))  # x_hat in (0, 1), like the pixels
        model = Sequential(layers, seed=self.random_state)
        model.compile(loss=_LOSSES[self.loss], optimizer=self.optimizer, lr=self.lr, metrics=[])
        val = None
        if validation_data is not None:
            Xv = self._check_pixels(validation_data, n_features=d)
            val = (Xv, Xv)
        history = model.fit(X, X, epochs=self.epochs, batch_size=self.batch_size, validation_data=val,
                            seed=self.random_state, verbose=verbose)
        self.model_ = model
        self.loss_curve_ = list(history["loss"])
        self.val_loss_curve_ = list(history.get("val_loss", []))
        self.n_layers_encoder_ = len(hidden)
        self.mean_image_ = X.mean(axis=0)  # (D,) the baseline "reconstruction"
        self.baseline_error_ = float(np.mean((X - self.mean_image_) ** 2))
        self.n_features_in_ = d
        return self

    def reconstruct(self, X):
        """x_hat for each row: float32 (m, D) in (0, 1)."""
        check_fitted(self, "model_")
        return self.model_.predict(self._check_pixels(X, self.n_features_in_))

    def encode(self, X):
        """The code c for each row: float32 (m, hidden[-1])."""
        check_fitted(self, "model_")
        h = self._check_pixels(X, self.n_features_in_)
        for layer in self.model_.layers[:self.n_layers_encoder_]:
            h = layer.forward(h, training=False)
        return np.array(h, copy=True)

    def reconstruction_error(self, X):
        """Mean squared pixel error 1/(mD) sum (x_hat - x)^2 (comparable with baseline_error_)."""
        X = self._check_pixels(X, getattr(self, "n_features_in_", None))
        return float(np.mean((self.reconstruct(X) - X) ** 2))

    def baseline_error(self, X):
        """Mean squared pixel error of predicting the mean training image for every row."""
        check_fitted(self, "model_")
        X = self._check_pixels(X, self.n_features_in_)
        return float(np.mean((X - self.mean_image_) ** 2))

    def __repr__(self):
        return (f"DenseAutoencoder(hidden={tuple(self.hidden)}, activation={self.activation!r}, "
                f"loss={self.loss!r}, epochs={self.epochs})")
