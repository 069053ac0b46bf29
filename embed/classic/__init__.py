"""The course's classic models on the shared core: regressions, perceptron, autoencoder."""
