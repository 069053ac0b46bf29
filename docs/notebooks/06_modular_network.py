# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 6: the modular network
#
# Lecture 5 wrote backpropagation for one particular network. The modular view
# splits it into **layers** that each know two things:
#
# * `forward(x)`: compute $y = f(x; \theta)$ and keep what the backward pass needs;
# * `backward(dy)`: given $\partial L/\partial y$, store $\partial L/\partial \theta$ in
#   `grads` and return $\partial L/\partial x = (\partial y/\partial x)^\top\,\partial L/\partial y$.
#
# A model is a list of layers: forward runs them in order, backward in reverse,
# and an **optimizer** turns the gradients into a step. Any layer that keeps this
# contract can be dropped into any model, and one **gradient check** (central
# differences) tests every layer the same way.

# %% tags=["parameters"]
EPOCHS = 20        # passes over the training images per optimizer
BATCH = 64
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic.datasets import load_small_digits
from embed.nn import SGD, Adagrad, Adam, Dense, Dropout, Layer, Momentum, RMSprop, Sequential
from embed.nn.gradcheck import check_layer_gradients, check_model_gradients
from embed.nn.preprocessing import train_test_split
from embed.plotting import learning_curves_plot

# %% [markdown]
# ## A layer of our own
#
# A parametric ReLU has one learnable slope $a$ per unit for negative inputs:
#
# $$y = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}, \qquad
#   \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\cdot\begin{cases} 1 \\ a \end{cases},
#   \qquad \frac{\partial L}{\partial a_j} = \sum_{\text{batch}} \frac{\partial L}{\partial y_{\cdot j}}\, x_{\cdot j}\,[x_{\cdot j} \le 0].$$
#
# Forward and backward sit side by side; `build` creates the weights from the
# first input it sees, so the layer never needs to be told its size.

# %%
class PReLU(Layer):
    """y = x for x > 0, a * x otherwise; one slope a per feature (learned)."""

    def __init__(self, slope=0.25, name=None):
        super().__init__(name)
        self.slope = slope

    def build(self, input_shape, dtype=np.float32):
        units = input_shape[-1]
        self.params = {"a": np.full(units, self.slope, dtype)}      # (D,)
        self.grads = {"a": np.zeros(units, dtype)}
        self.built = True

    def forward(self, x, training=True):
        self._ensure_built(x)
        self._x = x                                                  # (B, D), kept for backward
        return np.where(x > 0, x, self.params["a"] * x)              # (B, D)

    def backward(self, dy):
        x, a = self._x, self.params["a"]
        self.grads["a"][...] = np.sum(dy * np.where(x > 0, 0, x), axis=0)   # (D,)
        return dy * np.where(x > 0, 1, a)                                 # (B, D)

    def get_config(self):
        return {"slope": self.slope, "name": self.name}


# %% [markdown]
# ## Gradient check
#
# For each parameter entry $\theta_i$ the central difference
#
# $$\frac{\partial L}{\partial \theta_i} \approx \frac{L(\theta + \varepsilon e_i) - L(\theta - \varepsilon e_i)}{2\varepsilon}$$
#
# has an error of order $\varepsilon^2$. `check_layer_gradients` compares it, in
# float64, with what `backward` computed, for the input and every parameter;
# `check_model_gradients` does the same for a whole model and its loss. They
# return the largest relative error per array (and raise if one is too large).

# %%
rng = np.random.default_rng(SEED)
layer_errors = check_layer_gradients(PReLU(), rng.standard_normal((5, 7)), seed=SEED)
print("PReLU:", {k: f"{v:.1e}" for k, v in layer_errors.items()})
layer_errors.update({f"Dense {k}": v for k, v in
                     check_layer_gradients(Dense(4, "tanh"), rng.standard_normal((5, 7))).items()})

probe = Sequential([Dense(8), PReLU(), Dense(3, "softmax")], seed=SEED)   # PReLU sees both signs
probe.compile(loss="categorical_crossentropy", optimizer="sgd")
model_errors = check_model_gradients(probe, rng.standard_normal((6, 5)), rng.integers(0, 3, 6), seed=SEED)
print("model:", {k: f"{v:.1e}" for k, v in model_errors.items()})
gradcheck_worst = float(max(*layer_errors.values(), *model_errors.values()))
print(f"worst relative error {gradcheck_worst:.1e}")

# %% [markdown]
# ## Optimizers
#
# All of them use the gradient $g_t$; they differ in the step they take:
#
# | optimizer | update |
# |---|---|
# | SGD | $\theta \leftarrow \theta - \eta g_t$ |
# | momentum | $v \leftarrow \mu v - \eta g_t$, $\theta \leftarrow \theta + v$ |
# | Adagrad | $s \leftarrow s + g_t^2$, $\theta \leftarrow \theta - \eta g_t / (\sqrt{s} + \epsilon)$ |
# | RMSprop | $s \leftarrow \rho s + (1-\rho) g_t^2$, $\theta \leftarrow \theta - \eta g_t / (\sqrt{s} + \epsilon)$ |
# | Adam | $m \leftarrow \beta_1 m + (1-\beta_1) g_t$, $v \leftarrow \beta_2 v + (1-\beta_2) g_t^2$, $\theta \leftarrow \theta - \eta \hat m / (\sqrt{\hat v} + \epsilon)$ with bias-corrected $\hat m, \hat v$ |
#
# The same network (two ReLU layers, dropout, our PReLU, a softmax) is trained
# on the digits with each one, starting from the same weights.

# %%
X, y = load_small_digits()
Xtr, Xval, ytr, yval = train_test_split(X, y, test_size=0.25, seed=SEED, stratify=y)


def network():
    return Sequential([Dense(64, "relu"), Dropout(0.2), Dense(32), PReLU(), Dense(10, "softmax")], seed=SEED)


optimizers = {"sgd": SGD(lr=0.01), "momentum": Momentum(lr=0.01, momentum=0.9), "adagrad": Adagrad(lr=0.01),
              "rmsprop": RMSprop(lr=1e-3), "adam": Adam(lr=1e-3)}
histories = {}
for name, opt in optimizers.items():
    model = network()
    model.compile(loss="categorical_crossentropy", optimizer=opt)
    histories[name] = model.fit(Xtr, ytr, epochs=EPOCHS, batch_size=BATCH, validation_data=(Xval, yval),
                                seed=SEED)
    print(f"{name:9s} training loss {histories[name]['loss'][-1]:.4f}, "
          f"validation accuracy {histories[name]['val_accuracy'][-1]:.3f}")
final_loss = {name: h["loss"][-1] for name, h in histories.items()}
print(model.summary())

# %%
learning_curves_plot([
    {"curves": {n: h["loss"] for n, h in histories.items()}, "title": "training loss", "xlabel": "epoch",
     "ylabel": "cross-entropy"},
    {"curves": {n: 1 - np.asarray(h["val_accuracy"]) for n, h in histories.items()},
     "title": "validation error", "xlabel": "epoch", "ylabel": "1 − accuracy"}])

# %% [markdown]
# **Take-away.** With the layer contract, a new kind of layer is a dozen lines
# and the gradient check tells at once whether its backward is right. Plain
# SGD at a small rate crawls; momentum and the adaptive methods (RMSprop, Adam)
# scale each weight's step and get much further in the same number of epochs.
