"""The course's classic models on the shared core: regressions, perceptron, autoencoder.

    from embed.classic import LinearRegression, normal_equation, LogisticRegression
    from embed.classic import Perceptron, DenseAutoencoder, MARS
"""
from .autoencoder import DenseAutoencoder
from .linear import LinearRegression, normal_equation
from .logistic import LogisticRegression
from .mars import MARS
from .perceptron import Perceptron, fit_xor_mlp, xor_mlp

__all__ = ["LinearRegression", "normal_equation", "LogisticRegression", "Perceptron",
           "xor_mlp", "fit_xor_mlp", "DenseAutoencoder", "MARS"]
