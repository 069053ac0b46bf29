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
# # Lecture 8: RNN and LSTM text generation (char-RNN)
#
# A language model gives the probability of the next symbol given all the
# previous ones, $P(x_t \mid x_1, \dots, x_{t-1})$. A **recurrent network** keeps a
# state $h_t$ that summarises the past and is updated once per symbol:
#
# $$h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad P(x_{t+1} \mid x_{\le t}) = \operatorname{softmax}(h_t V + c).$$
#
# Training unrolls the loop over $T$ steps and backpropagates through it
# ("backpropagation through time", truncated to chunks of $T$ symbols). The
# gradient reaching step $t - k$ has been multiplied by $W_h^\top$ and by
# $\tanh'$ $k$ times, so it tends to vanish (or explode): a plain RNN forgets quickly.
#
# The **LSTM** adds a cell state $c_t$ that is changed only by gated additions:
#
# $$\begin{aligned}
# i, f, o &= \sigma(\cdot),\ \sigma(\cdot),\ \sigma(\cdot) \quad\text{(input, forget, output gates from } x_t, h_{t-1}) \\
# g &= \tanh(x_t W_{xg} + h_{t-1} W_{hg} + b_g) \\
# c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)
# \end{aligned}$$
#
# When $f \approx 1$ the gradient flows along $c$ almost unchanged, so the LSTM can
# remember over longer spans.

# %% tags=["parameters"]
SENTENCES = 800     # sentences of the generated text (about 26 characters each)
EPOCHS = 6          # passes over the text
HIDDEN = 64         # units of the recurrent layer
SEED = 0

# %%
# %matplotlib inline
import math
from collections import Counter

import numpy as np

from embed.lm import LMTrainer, ModelConfig, TrainConfig, generate
from embed.plotting import learning_curves_plot

# %% [markdown]
# ## A text with a known amount of information
#
# Each sentence picks one of 6 animals, 4 verbs and 6 places; everything else
# is fixed. So a perfect model needs $\log_2(6 \cdot 4 \cdot 6) \approx 7.2$ bits per
# sentence, and no model can do better: that divided by the sentence length is
# the floor of the **bits per character** (bpc) we measure. At the other end, a
# model that only knows how often each letter occurs (no memory at all) needs
# the entropy of the letter frequencies.

# %%
rng = np.random.default_rng(SEED)
animals = ["cat", "dog", "bird", "fox", "cow", "hen"]
verbs = ["sat on", "ran to", "looked at", "slept by"]
places = ["mat", "log", "hill", "barn", "tree", "road"]
text = " ".join(f"the {animals[rng.integers(6)]} {verbs[rng.integers(4)]} the {places[rng.integers(6)]}."
                for _ in range(SENTENCES))
counts = np.array(list(Counter(text).values()), dtype=np.float64)
freq = counts / counts.sum()
unigram_bpc = float(-(freq * np.log2(freq)).sum())              # no memory at all
floor_bpc = math.log2(6 * 4 * 6) / (len(text) / SENTENCES)     # a perfect model
print(f"{len(text)} characters, {len(counts)} distinct: {text[:80]}...")
print(f"letter frequencies alone: {unigram_bpc:.2f} bits/char; the best possible: {floor_bpc:.2f} bits/char")

# %% [markdown]
# ## Training a plain RNN and an LSTM
#
# `LMTrainer` cuts the text into `batch` parallel streams, feeds chunks of
# `seq_length` characters, carries the state from one chunk to the next, clips
# the gradient norm to 5 and steps with Adam. The last 5 % of the text is held
# out; after each epoch the validation loss is measured on it.

# %%
runs = {}
for cell in ("rnn", "lstm"):
    cfg = TrainConfig(epochs=EPOCHS, seq_length=32, batch=16, lr=1e-2, seed=SEED, checkpoint_every=0)
    runs[cell] = LMTrainer.new(text, ModelConfig(cell=cell, layers=1, hidden=HIDDEN), cfg).fit()
    h = runs[cell].history_[-1]
    print(f"{cell:5s} {runs[cell].model!r}: validation {h['val_bpc']:.3f} bits/char after {h['epoch']:.0f} epochs, "
          f"{runs[cell].tokens_per_sec_:,.0f} chars/s")
val_bpc = runs["lstm"].history_[-1]["val_bpc"]

# %%
learning_curves_plot([{"curves": {cell: [h["val_bpc"] for h in r.history_] for cell, r in runs.items()},
                       "title": "validation bits per character", "xlabel": "epoch", "ylabel": "bits / char",
                       "floor": floor_bpc, "floor_label": "best possible"}])

# %% [markdown]
# ## Sampling
#
# To generate, feed a prime, then repeatedly sample the next character from
# $\operatorname{softmax}(z / \tau)$ and feed it back. The **temperature** $\tau$ trades
# safety for variety: $\tau \to 0$ always takes the most likely character, $\tau = 1$
# samples the model's own distribution, larger $\tau$ flattens it.

# %%
for temperature in (0.3, 0.8, 1.5):
    print(f"τ = {temperature}:", generate(runs["lstm"].model, prime="the ", length=120,
                                          temperature=temperature, seed=SEED), "\n")
sample = generate(runs["lstm"].model, prime="the ", length=200, temperature=0.8, seed=SEED)

# %% [markdown]
# **Take-away.** A recurrent network learns the spelling and the grammar of
# the text one character at a time, close to the floor set by the text's own
# randomness. Here every choice depends only on the last few characters, so
# the plain RNN keeps up with the LSTM; on text with longer-range structure
# (quotes, brackets, rhymes) the LSTM's gated cell state is what carries it. The same trainer runs on
# real books: `embed lm train book.txt` (see the README).
