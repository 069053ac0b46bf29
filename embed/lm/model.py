"""`LanguageModel`: a recurrent language model built from the neural core's layers.

    ids (T, B) ──▶ input ──▶ [cell ─▶ dropout] × layers ──▶ Dense ──▶ softmax-CE(next id)
                  one-hot                                     (T·B, H) @ (H, V)
                  or Embedding

* input   : one-hot code points / words (the recurrent layer gathers rows of its
            input weight for int ids, which equals a one-hot product), or an
            `Embedding(V, E)` lookup;
* cell    : `SimpleRNN`, `LSTM` or `GRU` from `embed.nn.recurrent`, stacked 1–3 deep,
            each carrying its state (h, or (h, c)) from one chunk to the next;
* dropout : `Dropout(p)` on the output of every recurrent layer (so between layers
            and before the decoder), off at evaluation and generation;
* decoder : one `Dense(V)` applied to the whole chunk at once, logits (T·B, V), and
            the fused `SoftmaxCrossEntropy` loss, mean nats per predicted symbol.

The same class serves character level (vocabulary = code points) and word level
(vocabulary = words): a "token" below is one symbol of the vocabulary, a
character or a word.  `CharLM` and `WordLM` are backward-compatible aliases of
`LanguageModel` (same class, same file format).
"""
import numpy as np

from ..errors import EmbedError
from ..nn.registry import lookup, resolve
from .data import SymbolVocab

CELLS = ("rnn", "lstm", "gru")


def _one_blas_thread(rows):
    """BLAS limited to one thread: the decoder's products are a millisecond of work, which
    two BLAS threads finish no faster and, on a busy machine, spin-wait on for ten.
    Tiny chunks (min-char-rnn: 25 rows) skip the switch, which costs more than their products."""
    from ..nn.recurrent import product_blas_limit
    return product_blas_limit(rows)


def _decoder_pool():
    """The core's thread pool for the decoder's products, as many threads as the recurrent layers use."""
    from ..parallel import num_threads, team
    return team(num_threads())


def _cell_class(cell):
    from ..nn import recurrent
    table = {"rnn": recurrent.SimpleRNN, "lstm": recurrent.LSTM, "gru": recurrent.GRU}
    return lookup(table, cell, "cell")


class LanguageModel:
    """Recurrent language model over a `SymbolVocab` of characters or words.

    A one-layer SimpleRNN on one-hot input with a small batch (min-char-rnn's
    setting) runs each chunk as one compiled call, forward and backward together
    (`embed.lm.kernels.rnn_lm_chunk`, same math as the layers; ``fused_chunk =
    False`` turns it off): there the layers' Python between the products costs
    more than the products.

    Parameters
    ----------
    vocab : SymbolVocab (or a list of symbols: characters)
    cell : "lstm" | "gru" | "rnn"
    layers : number of stacked recurrent layers (1-3)
    hidden : units per recurrent layer
    embedding : 0 for one-hot input, else the size of a learned input embedding
    dropout : drop probability on each recurrent layer's output while training
    seed : int, seeds the weight initialisation and the dropout masks
    """

    fused_chunk = True   # one compiled call per chunk where `_fused_fits` (see the class docstring)

    def __init__(self, vocab, cell="lstm", layers=2, hidden=128, embedding=0, dropout=0.0, seed=0):
        self.vocab = vocab if isinstance(vocab, SymbolVocab) else SymbolVocab(vocab, "char")
        self.cell = cell
        self.layers = layers
        self.hidden = hidden
        self.embedding = embedding
        self.dropout = dropout
        self.seed = seed
        self._check()
        self._build()

    # ---- construction -------------------------------------------------------
    def _check(self):
        resolve(CELLS, self.cell, "cell")
        if not 1 <= int(self.layers) <= 3:
            raise EmbedError(f"layers must be 1, 2 or 3, got {self.layers}", params=("layers",))
        if int(self.hidden) < 1:
            raise EmbedError(f"hidden must be at least 1, got {self.hidden}", params=("hidden",))
        if int(self.embedding) < 0:
            raise EmbedError(f"embedding must be 0 (one-hot) or a positive size, got {self.embedding}",
                             params=("embedding",))
        if not 0.0 <= float(self.dropout) < 1.0:
            raise EmbedError(f"dropout must be in [0, 1), got {self.dropout}", params=("dropout",))
        if len(self.vocab) < 1:
            raise EmbedError("vocabulary is empty")

    def _build(self):
        from ..nn.layers import Dense, Dropout, Embedding
        V, H = len(self.vocab), int(self.hidden)
        seeds = np.random.SeedSequence(int(self.seed)).spawn(2 * self.layers + 2)
        rng = iter(np.random.default_rng(s) for s in seeds)
        self.embed_ = None
        if self.embedding:
            self.embed_ = Embedding(V, int(self.embedding))
            self.embed_.rng = next(rng)
            self.embed_.build((1, 1))
        else:
            next(rng)
        Cell = _cell_class(self.cell)
        self.cells_, self.drops_ = [], []
        d_in = int(self.embedding) or V
        for i in range(int(self.layers)):
            c = Cell(H, input_dim=d_in)
            c.rng = next(rng)
            c.build((1, 1, d_in))
            c.input_grad = i > 0 or self.embed_ is not None   # no dx for one-hot ids
            self.cells_.append(c)
            drop = Dropout(float(self.dropout))
            drop.rng = next(rng)
            self.drops_.append(drop)
            d_in = H
        self.out_ = Dense(V)
        self.out_.rng = next(rng)
        self.out_.build((1, H))
        self.out_.reuse_buffers = True   # logits / dx buffers reused chunk after chunk
        from ..nn.losses import SoftmaxCrossEntropy
        self.loss_ = SoftmaxCrossEntropy()

    @property
    def trainables(self):
        """The layers holding parameters, in a fixed order."""
        return ([self.embed_] if self.embed_ is not None else []) + self.cells_ + [self.out_]

    def param_names(self):
        names = []
        for i, layer in enumerate(self.trainables):
            names += [f"{i}.{type(layer).__name__}.{k}" for k in layer.params]
        return names

    def params(self):
        """list of parameter arrays (the order the optimizer keys its state by)."""
        return [p for layer in self.trainables for p in layer.params.values()]

    def grads(self):
        return [g for layer in self.trainables for g in layer.grads.values()]

    def get_weights(self):
        return [p.copy() for p in self.params()]

    def set_weights(self, weights):
        ws = list(weights)
        if len(ws) != len(self.params()):
            raise EmbedError(f"checkpoint has {len(ws)} weight arrays, the model needs {len(self.params())}")
        it = iter(ws)
        for layer in self.trainables:
            layer.set_weights({k: next(it) for k in layer.params})

    def count_params(self):
        return int(sum(p.size for p in self.params()))

    def config(self):
        """Constructor arguments (JSON-able, vocabulary separate)."""
        return {"cell": self.cell, "layers": int(self.layers), "hidden": int(self.hidden),
                "embedding": int(self.embedding), "dropout": float(self.dropout), "seed": int(self.seed)}

    def rng_states(self):
        """Random state of the dropout masks (for an exact resume)."""
        return [d.generator().bit_generator.state for d in self.drops_]

    def set_rng_states(self, states):
        for d, s in zip(self.drops_, states):
            d.generator().bit_generator.state = s

    def __repr__(self):
        inp = f"embedding={self.embedding}" if self.embedding else "one-hot"
        return (f"LanguageModel<{self.cell}, {self.layers}x{self.hidden}, {inp}, "
                f"{len(self.vocab)} {self.vocab.level}s, {self.count_params():,} params>")

    # ---- state carried between chunks ----------------------------------------
    def initial_state(self, batch):
        """Zero state for every layer: list of per-layer state tuples."""
        return [c.initial_state(batch) for c in self.cells_]

    def _input(self, ids):
        """Layer-0 input for int ids (T, B): embeddings (T, B, E), or the ids themselves,
        which the first cell reads as one-hot rows (a gather of W_x rows = one-hot @ W_x)."""
        if self.embed_ is not None:
            return self.embed_.forward(ids)                    # (T, B, E)
        return ids

    # ---- training: one chunk forward and back ---------------------------------
    def forward(self, ids, state=None, training=True):
        """Logits (T·B, V) for int ids (T, B), starting from `state` (None = zeros).

        The final state of every layer is left in ``self.state_`` (fresh arrays,
        detached: no gradient flows into the previous chunk).
        """
        T, B = ids.shape
        self._shape_tb = (T, B)
        x = self._input(ids)
        new_state = []
        for i, (cell, drop) in enumerate(zip(self.cells_, self.drops_)):
            x = cell.forward(x, state=None if state is None else state[i], training=training)  # (T, B, H)
            new_state.append(cell.state)                       # fresh copies: detached
            if drop.rate > 0:
                x = drop.forward(x, training=training)
        self.state_ = new_state
        self.out_.pool = _decoder_pool()
        with _one_blas_thread(T * B):   # (T·B, H) @ (H, V) in row blocks on our threads, BLAS on one each
            return self.out_.forward_logits(x.reshape(T * B, -1), training=training)  # (T·B, V)

    def loss(self, ids, targets, state=None, training=True):
        """Mean cross-entropy (nats per symbol) of predicting `targets` (T, B) from `ids` (T, B)."""
        self._fused_grads = False
        if self._fused_fits(np.shape(ids), training):
            return self._fused_loss(ids, targets, state, training)
        logits = self.forward(ids, state, training)
        return self.loss_.forward(logits, targets.reshape(-1))

    def backward(self):
        """Back-propagate the last `loss` through decoder, dropout, cells and input; sets grads."""
        if self._fused_grads:                                  # the fused chunk has set them
            return
        T, B = self._shape_tb
        dz = self.loss_.backward()                             # (T·B, V)
        with _one_blas_thread(T * B):
            dh = self.out_.backward(dz).reshape(T, B, -1)      # (T, B, H)
        for cell, drop in zip(reversed(self.cells_), reversed(self.drops_)):
            if drop.rate > 0:
                dh = drop.backward(dh)
            dh = cell.backward(dh)                             # (T, B, D)
        if self.embed_ is not None:
            self.embed_.backward(dh)

    # ---- the fused chunk (small one-layer RNN) ----------------------------------
    def _fused_fits(self, shape, training):
        """One compiled call can run a (T, B) chunk: one SimpleRNN layer on one-hot ids, no
        dropout while training, and B·H·H within the layer's single-thread size
        (`small_step_work`: beyond it the layers' threads and tiled products win)."""
        if not self.fused_chunk or self.cell != "rnn" or len(self.cells_) != 1 or self.embed_ is not None:
            return False
        if len(shape) != 2 or (training and self.drops_[0].rate > 0):
            return False
        c = self.cells_[0]
        return (shape[1] * c.units * c.units <= c.small_step_work
                and c.params["W_h"].dtype == self.out_.params["W"].dtype)

    def _fused_buffers(self, T, B, dtype):
        """Scratch arrays and product tiles of `rnn_lm_chunk` for (T, B, dtype), made once."""
        key = (T, B, np.dtype(dtype))
        buf = getattr(self, "_fused_buf", None)
        if buf is None or buf["key"] != key:
            from ..nn import plan
            H, V, N = self.cells_[0].units, self.out_.units, T * B
            h, z, dy, da = (np.empty((n, B, H), dtype) for n in (T + 1, T, T, T))
            tile = (lambda op, M, K, Nc: plan.get().choose_tile(op, M, K, Nc)
                    if dtype == np.float32 and M >= 5 else 0)
            buf = {"key": key, "h": h, "h2": h.reshape((T + 1) * B, H), "z": z, "z2": z.reshape(N, H),
                   "logits": np.empty((N, V), dtype), "dy": dy, "dy2": dy.reshape(N, H), "da": da,
                   "da2": da.reshape(N, H), "dh": np.empty((B, H), dtype), "W_hT": np.empty((H, H), dtype),
                   "W_oT": np.empty((V, H), dtype),
                   "tiles": np.array([tile("rnn.step", B, H, H), tile("rnn.step_back", B, H, H),
                                      tile("lm.chunk.out", N, H, V), tile("lm.chunk.dW", H, N, V),
                                      tile("lm.chunk.dh", N, V, H)], dtype=np.int64)}
            self._fused_buf = buf
        return buf

    def _fused_loss(self, ids, targets, state, training):
        from .kernels import rnn_lm_chunk
        cell, out = self.cells_[0], self.out_
        T, B = ids.shape
        H = cell.units
        dtype = cell.params["W_h"].dtype
        if np.shape(targets) != (T, B):
            raise EmbedError(f"targets must have the shape of ids {(T, B)}, got {np.shape(targets)}")
        buf = self._fused_buffers(T, B, dtype)
        h0 = None if state is None else state[0]
        if h0 is not None and (len(h0) != 1 or np.shape(h0[0]) != (B, H)):
            raise EmbedError(f"SimpleRNN: state must be a tuple (h,) of shape {(B, H)}")
        buf["h"][0] = 0 if h0 is None else h0[0]
        p, g = cell.params, cell.grads
        total = rnn_lm_chunk(np.ascontiguousarray(ids, dtype=np.int64).reshape(-1),
                             np.ascontiguousarray(targets, dtype=np.int64).reshape(-1),
                             p["W_x"], p["W_h"], p["b"], out.params["W"], out.params["b"],
                             buf["h"], buf["h2"], buf["z"], buf["z2"], buf["logits"], buf["dy"], buf["dy2"],
                             buf["da"], buf["da2"], buf["dh"], buf["W_hT"], buf["W_oT"],
                             g["W_x"], g["W_h"], g["b"], out.grads["W"], out.grads["b"], bool(training),
                             buf["tiles"])
        if total < 0:
            what, n = ("ids", cell.input_dim_) if total == -2.0 else ("targets", out.units)
            raise EmbedError(f"{what} must lie in [0, {n})")
        self.state_ = [(buf["h"][T].copy(),)]                  # detached, like the layers' state
        self._shape_tb = (T, B)
        self._fused_grads = bool(training)
        return float(total / (T * B))

    # ---- generation: one symbol at a time -------------------------------------
    def step(self, ids, state):
        """Logits (B, V) for the next symbol after int ids (B,); returns (logits, new state)."""
        x = self.embed_.forward(ids[None])[0] if self.embed_ is not None else ids  # (B, E) or (B,)
        new_state = []
        for i, cell in enumerate(self.cells_):
            x, s = cell.step(x, state[i])                      # (B, H)
            new_state.append(s)
        return self.out_.forward_logits(x, training=False), new_state


# Backward-compatible names (issue 9): the class once served only characters.
CharLM = LanguageModel
WordLM = LanguageModel


def load_model(path):
    """The `LanguageModel` stored in a model / checkpoint file written by `embed lm train`."""
    from . import checkpoint
    ck = checkpoint.load(path)
    try:
        m, vocab = ck["model"], SymbolVocab.from_dict(ck["vocab"])
        model = LanguageModel(vocab, m["cell"], m["layers"], m["hidden"], m["embedding"], m["dropout"], m["seed"])
        model.set_weights(ck["weights"])
    except (KeyError, TypeError, IndexError) as e:
        raise EmbedError(f"model file is incomplete or not a language model: {path} ({e})") from None
    model.history_ = ck.get("history", [])
    model.step_ = ck.get("step", 0)
    return model


def init_embedding(model, vectors):
    """Copy trained word vectors (a KeyedVectors or a path) into the input embedding.

    Words of the model's vocabulary missing from the vectors keep their random init.
    Returns the number of rows copied.
    """
    if model.embed_ is None:
        raise EmbedError("initialising from word vectors needs a learned input layer: set embedding=DIM",
                         params=("embedding",))
    if isinstance(vectors, str):
        from ..vectors.keyedvectors import KeyedVectors
        vectors = KeyedVectors.load(vectors)
    W = model.embed_.params[next(iter(model.embed_.params))]  # (V, E)
    if vectors.vector_size != W.shape[1]:
        raise EmbedError(f"word vectors have {vectors.vector_size} dimensions but embedding is {W.shape[1]} "
                         f"(use embedding={vectors.vector_size})", params=("embedding",))
    rows = 0
    for i, word in enumerate(model.vocab.symbols):
        if word in vectors.key_to_index:
            W[i] = vectors.vectors[vectors.key_to_index[word]]
            rows += 1
    if rows == 0:
        raise EmbedError("none of the model's words are in the word vectors")
    return rows
