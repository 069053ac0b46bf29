"""Ready-made models from the course, built from the neural core's layers.

    model = cnn_model(seed=0)                       # compiled: Adam, cross-entropy, accuracy
    model.fit(as_images(X_train), y_train, epochs=8, batch_size=64, thread_mode="pool")

`cnn_model` is the course's convolutional network for 28×28 grey images;
`as_images` turns rows of pixels into the NHWC batch it expects.  8 epochs of
64 images (the defaults of ``embed mnist --model cnn``) take it past 0.90 test
accuracy on Fashion-MNIST; 3 epochs of 128 stop near 0.89.
"""
import math

import numpy as np

from ..errors import EmbedError
from .conv import Conv2D, MaxPool2D
from .layers import Dense, Flatten
from .sequential import Sequential


def cnn_model(classes=10, seed=None, optimizer="adam", lr=1e-3, kernel_initializer="glorot_uniform"):
    """The course's CNN, compiled with categorical cross-entropy and accuracy.

    conv 32 3×3 ReLU → max-pool 2 → conv 64 3×3 ReLU → max-pool 2 → flatten
    → dense 128 ReLU → dense `classes` softmax.  On (N, 28, 28, 1) images the
    activations are (N, 26, 26, 32) → (N, 13, 13, 32) → (N, 11, 11, 64) →
    (N, 5, 5, 64) → (N, 1600) → (N, 128) → (N, classes); 225,034 parameters
    for 10 classes.  `kernel_initializer` applies to every layer (Keras'
    default glorot_uniform; "lecun_uniform" is PyTorch's default, U(±1/√fan_in)).
    """
    if int(classes) != classes or classes < 2:
        raise EmbedError(f"classes must be an integer of at least 2, got {classes!r}")
    init = {"kernel_initializer": kernel_initializer}
    model = Sequential([
        Conv2D(32, 3, activation="relu", **init), MaxPool2D(2),
        Conv2D(64, 3, activation="relu", **init), MaxPool2D(2),
        Flatten(), Dense(128, "relu", **init), Dense(int(classes), "softmax", **init),
    ], seed=seed, name="cnn")
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, lr=lr, metrics=["accuracy"])
    return model


def as_images(X, height=None, width=None):
    """(N, H·W) rows or (N, H, W) images → float32 (N, H, W, 1), C-contiguous.

    Rows are square images unless `height` and `width` say otherwise; a batch
    already shaped (N, H, W, C) is returned as float32 unchanged in shape.
    """
    X = np.asarray(X)
    if X.ndim == 4:
        return np.ascontiguousarray(X, dtype=np.float32)
    if X.ndim == 3:
        return np.ascontiguousarray(X[..., None], dtype=np.float32)
    if X.ndim != 2:
        raise EmbedError(f"images must be rows (N, H*W) or (N, H, W[, C]), got shape {X.shape}")
    if height is None or width is None:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise EmbedError(f"rows of {X.shape[1]} pixels are not square images: give height and width")
        height = width = side
    if height * width != X.shape[1]:
        raise EmbedError(f"rows of {X.shape[1]} pixels are not {height}x{width} images")
    return np.ascontiguousarray(X.reshape(X.shape[0], height, width, 1), dtype=np.float32)
