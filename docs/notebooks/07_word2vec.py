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
# # Lecture 7: word2vec and analogies
#
# "You shall know a word by the company it keeps." word2vec gives every word
# $w$ a vector $v_w$ and trains the vectors so that a word predicts the words
# around it. **Skip-gram** takes a centre word $c$ and each context word $o$
# within a window and raises
#
# $$\log \sigma(u_o \cdot v_c) + \sum_{k=1}^{K} \log \sigma(-u_{n_k} \cdot v_c),$$
#
# where $u$ are separate "output" vectors and $n_1..n_K$ are **negative samples**,
# random words drawn with probability $\propto \text{count}^{0.75}$. The gradient of
# this for one pair touches only $K+2$ vectors:
#
# $$\frac{\partial}{\partial v_c} = \big(1 - \sigma(u_o\cdot v_c)\big)\,u_o - \sum_k \sigma(u_{n_k}\cdot v_c)\,u_{n_k},$$
#
# which is why word2vec trains on millions of words per second (embed runs it
# in Numba kernels, one thread per chunk of text).
#
# Words used in similar contexts end up with similar vectors, and consistent
# *relations* become consistent *offsets*: $v_\text{france} - v_\text{paris} + v_\text{rome}$
# lands near $v_\text{italy}$.

# %% tags=["parameters"]
SENTENCES = 20000     # sentences of the generated corpus
EPOCHS = 10           # passes over the generated corpus
REAL_TEXT = True      # also train on the offline English corpus embed builds from gensim's test data
REAL_EPOCHS = 3       # passes over that corpus (about 530k words)
SEED = 1

# %%
# %matplotlib inline
import os

import numpy as np

from embed.viz import analogy_plot, cluster_plot, select_words
from embed.word2vec.model import Word2Vec

# %% [markdown]
# ## A corpus where we know the answer
#
# Twelve countries, each with its capital and its language, in a dozen
# sentence patterns. Nothing tells the model that Paris *is the capital of*
# France; it only sees which words keep company.

# %%
TRIPLES = [("france", "paris", "french"), ("italy", "rome", "italian"), ("germany", "berlin", "german"),
           ("spain", "madrid", "spanish"), ("russia", "moscow", "russian"), ("japan", "tokyo", "japanese"),
           ("china", "beijing", "chinese"), ("egypt", "cairo", "egyptian"), ("greece", "athens", "greek"),
           ("poland", "warsaw", "polish"), ("portugal", "lisbon", "portuguese"),
           ("sweden", "stockholm", "swedish")]
PATTERNS = ["{city} is the capital of {country}", "the capital of {country} is {city}",
            "{country} is a country and {city} is its capital city", "people in {country} speak {lang}",
            "in {city} people speak {lang}", "the {lang} city of {city} is old", "{country} is a big country",
            "the country of {country} has a long history", "{city} is a big city with a river",
            "we flew to the city of {city} last year", "the {lang} language is spoken in {country}",
            "she visited {country} and its capital {city}"]

rng = np.random.default_rng(SEED)
sentences = []
for _ in range(SENTENCES):
    country, city, lang = TRIPLES[rng.integers(len(TRIPLES))]
    sentences.append(PATTERNS[rng.integers(len(PATTERNS))].format(country=country, city=city, lang=lang).split())
print(len(sentences), "sentences, e.g.", [" ".join(s) for s in sentences[:3]])

# %% [markdown]
# ## Training
#
# 30-dimensional skip-gram vectors, a window of 4 words, 5 negatives. One
# worker thread and a fixed seed make the run reproducible bit for bit.

# %%
w2v = Word2Vec(vector_size=30, window=4, negative=5, min_count=1, sample=0, epochs=EPOCHS, workers=1,
               seed=SEED, progress=False).fit(sentences)
kv = w2v.wv                                   # the trained vectors, apart from the trainer
print(kv, f"loss per epoch: {np.round(w2v.epoch_loss_, 3)}")
print("nearest to 'paris':", [(w, round(s, 2)) for w, s in kv.most_similar("paris", topn=4)])

# %% [markdown]
# ## Analogies by vector arithmetic (3CosAdd)
#
# The answer to "a is to b as c is to ?" is the word whose vector has the
# largest cosine with $v_b - v_a + v_c$, excluding the three query words.

# %%
analogy_expected = "italy"
answers = kv.query("france - paris + rome", topn=3)
analogy_answer = answers[0][0]
print("france - paris + rome =", [(w, round(s, 3)) for w, s in answers])
for expression in ("germany - berlin + tokyo", "french - france + spain", "cairo - egypt + greece"):
    print(f"{expression} = {kv.query(expression, topn=1)[0][0]}")

# %% [markdown]
# If the relation "capital of" is one offset, the arrows from each capital to
# its country are parallel. `analogy_plot` draws them in a PCA fitted on just
# these words, and `cluster_plot` shows the whole (small) vocabulary.

# %%
analogy_plot(kv, [(city, country) for country, city, _ in TRIPLES[:6]], title="capital → country")

# %%
cluster_plot(kv, [w for t in TRIPLES for w in t], method="pca", clusters=3, title="countries, capitals, languages")

# %% [markdown]
# ## On real text
#
# The same code on real English: the offline corpus embed builds, once, from the
# Wikipedia articles, news stories and reviews in gensim's test data (about 530k
# words; text8 or Wikipedia would give the textbook results, and `embed demo`
# uses text8 when it is there). With this little text the answers are rough,
# but neighbours already make sense.

# %%
if REAL_TEXT:
    from embed.data import default_corpus

    path, description = default_corpus()
    real = Word2Vec(vector_size=100, window=5, negative=5, min_count=5, epochs=REAL_EPOCHS,
                    workers=os.cpu_count() or 1, seed=SEED, progress=False).fit(path)
    print(description, "->", real.wv)
    for word in ("king", "music", "water"):
        print(word, "->", [w for w, _ in real.wv.most_similar(word, topn=6)])
    print("france - paris + rome =", [w for w, _ in real.wv.query("france - paris + rome", topn=5)])

# %%
real_words = select_words(real.wv, around=["france", "music", "war", "church", "january"], per_seed=8) if REAL_TEXT else None
cluster_plot(real.wv, real_words, method="pca") if REAL_TEXT else None

# %% [markdown]
# **Take-away.** Predicting neighbours is enough to put words with similar
# contexts close together, and relations that hold across many pairs become
# directions in the space.
