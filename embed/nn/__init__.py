"""The neural core: layers, activations, losses, optimizers and backprop."""
