"""MARS: stepwise regression with hinge functions (Friedman's multivariate adaptive regression splines).

The model is a constant plus a sum of basis functions, each a product of hinges:

    y(x) = b0 + sum_m c_m B_m(x),      B_m(x) = prod_k h_k(x)
    hinge  max(0, x_v - t)  (sign +1)   or its mirror  max(0, t - x_v)  (sign -1)

with each variable at most once per product and at most `max_degree` factors.

Forward pass (greedy, Friedman 1991, sec. 3).  Start from B = [1].  At each
step try every parent term B_m (of degree < max_degree), every variable v not
in it and every knot t at a data value of x_v where B_m > 0, and add the
mirrored pair B_m·max(0, x_v - t), B_m·max(0, t - x_v) that lowers the
residual sum of squares most.  Stop at `max_terms` basis functions or when the
best pair raises R^2 by less than `threshold`.

Fast candidate search.  span{B, pair(t)} = span{B, B_m x_v, B_m (x_v - t)+}, since
the two hinges differ by B_m (x_v - t).  With Q an orthonormal basis of the
current columns (kept by Gram-Schmidt) and r the residual (r ⟂ Q), adding the
unit vector u = (B_m x_v)⟂ and then c(t) = B_m (x_v - t)+ lowers the RSS by

    gain(t) = (u·r)^2 + (c·r - (u·c)(u·r))^2 / (c·c - |Q^T c|^2 - (u·c)^2)

and for any vector z, z·c(t) = sum_{x_i > t} z_i B_m,i x_i  -  t sum_{x_i > t} z_i B_m,i:
suffix sums over x sorted, so all knots of one (parent, variable) cost O(N·M).

Backward pass.  Drop, one at a time, the term whose removal raises the RSS
least (beta_j^2 / [G^-1]_jj for the Gram matrix G of the normalised columns)
and keep the subset with the lowest generalised cross-validation

    GCV(M) = (RSS / N) / (1 - C(M) / N)^2,     C(M) = M + penalty · (M - 1) / 2

where M counts the basis functions with the intercept, (M - 1)/2 is about the
number of knots (hinges come in pairs) and `penalty` is the price of a knot
(Friedman: 2 for additive models, 3 with interactions).
"""
import math

import numpy as np

from ..errors import EmbedError
from .checks import check_fitted, check_positive, check_X, check_y

_TOL = 1e-9          # a candidate column whose part outside the current span is below this
                     # fraction of its norm^2 adds nothing new (collinear): skip it
_MINUS = "\u2212"    # the typeset minus sign of the slide's formulas
_SPAN_ALPHA = 0.05   # Friedman's alpha in the automatic min_span / end_span rules


def _num(value, precision):
    """A number as text with a typeset minus: -0.5 -> '−0.5'."""
    text = f"{value:.{precision}g}"
    return text.replace("-", _MINUS) if text.startswith("-") else text


class Hinge(tuple):
    """One hinge factor (feature, knot, sign): max(0, x[feature] - knot) for sign +1,
    max(0, knot - x[feature]) for sign -1."""

    __slots__ = ()

    def __new__(cls, feature, knot, sign):
        return super().__new__(cls, (int(feature), float(knot), int(sign)))

    feature = property(lambda self: self[0])
    knot = property(lambda self: self[1])
    sign = property(lambda self: self[2])

    def __call__(self, X):
        """The hinge on the rows of X (m, n): float64 (m,)."""
        return np.maximum(0.0, self.sign * (X[:, self.feature] - self.knot))

    def describe(self, names=None, precision=4):
        """'max(0, x − 0.485)' or its mirror 'max(0, 0.485 − x)'."""
        name = names[self.feature] if names is not None else f"x{self.feature}"
        if self.sign > 0:
            knot = _num(abs(self.knot), precision)
            return f"max(0, {name} {'+' if self.knot < 0 else _MINUS} {knot})"
        return f"max(0, {_num(self.knot, precision)} {_MINUS} {name})"

    def __repr__(self):
        return f"Hinge(feature={self.feature}, knot={self.knot:.6g}, sign={self.sign:+d})"


class Term(tuple):
    """A basis function: a product of Hinge factors (the empty product is the constant 1)."""

    __slots__ = ()

    def __new__(cls, hinges=()):
        return super().__new__(cls, tuple(hinges))

    @property
    def degree(self):
        return len(self)

    def __call__(self, X):
        """The product of the hinges on the rows of X (m, n): float64 (m,)."""
        out = np.ones(len(X))
        for h in self:
            out *= h(X)
        return out

    def describe(self, names=None, precision=4):
        return " · ".join(h.describe(names, precision) for h in self) or "1"

    def __repr__(self):
        return f"Term({list(self)!r})"


def format_model(intercept, coef, terms, feature_names=None, precision=4):
    """The fitted function as text, in the slide's form:

        y(x) = 1.013 + 1.198 max(0, x − 0.485) − 2.5 max(0, 0.485 − x)

    terms : sequence of `Term` (products of `Hinge`), coef : one coefficient each.
    feature_names : names of the features (default x0, x1, ...; 'x' for terms on one feature).
    """
    names = feature_names
    if names is None and all(h.feature == 0 for t in terms for h in t):
        names = ["x"]
    text = f"y(x) = {_num(intercept, precision)}"
    for c, term in zip(coef, terms):
        text += f" {_MINUS if c < 0 else '+'} {abs(c):.{precision}g} {term.describe(names, precision)}"
    return text


def relu_network_as_hinges(W1, b1, W2, b2):
    """A one-hidden-layer ReLU network on one input, rewritten as MARS's sum of hinges.

        y(x) = b2 + sum_k v_k relu(w_k x + b_k)
             = b2 + sum_k v_k |w_k| max(0, sign(w_k) (x - t_k)),   t_k = -b_k / w_k

    so each hidden unit is one hinge with its knot at t_k (a unit with w_k = 0 is
    the constant v_k relu(b_k) and joins the intercept).
    W1 : (1, H), b1 : (H,), W2 : (H, 1), b2 : (1,) -- the two Dense layers' weights.
    Returns (intercept, coef (H',), terms) for `format_model`, one term per unit with w_k != 0.
    """
    w = np.asarray(W1, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != 1:
        raise EmbedError(f"W1 must have shape (1, hidden): one input feature, got {w.shape}")
    w, b = w[0], np.asarray(b1, dtype=np.float64).ravel()         # (H,), (H,)
    v = np.asarray(W2, dtype=np.float64).ravel()                   # (H,)
    if not len(b) == len(v) == len(w):
        raise EmbedError(f"W1, b1 and W2 disagree on the hidden size: {len(w)}, {len(b)}, {len(v)}")
    intercept = float(np.asarray(b2, dtype=np.float64).ravel()[0])
    flat = w == 0
    intercept += float(np.sum(v[flat] * np.maximum(0.0, b[flat])))
    coef, terms = [], []
    for wk, bk, vk in zip(w[~flat], b[~flat], v[~flat]):
        coef.append(vk * abs(wk))
        terms.append(Term([Hinge(0, -bk / wk, 1 if wk > 0 else -1)]))
    return intercept, np.array(coef), terms


def gcv(rss, n_samples, n_basis, penalty):
    """Generalised cross-validation: (RSS / N) / (1 - C / N)^2, C = M + penalty (M - 1) / 2.

    n_basis : M, the number of basis functions counting the intercept.  Infinite
    when the effective number of parameters C reaches N.
    """
    c = n_basis + penalty * (n_basis - 1) / 2.0
    if c >= n_samples:
        return math.inf
    return (rss / n_samples) / (1.0 - c / n_samples) ** 2


def span_rules(n_support, n_features, min_span="auto", end_span="auto"):
    """Friedman's knot spacing (1991, eqs. 43 and 45), with alpha = 0.05.

    end_span : knots are not placed among the first or last Le support points,
        Le = 3 - log2(alpha / n)  (n features).
    min_span : consecutive knots are at least L support points apart,
        L = -log2(-ln(1 - alpha) / (n · N_m)) / 2.5  (N_m points where the parent is > 0).
    Returns (min_span, end_span) as integers.
    """
    if end_span == "auto":
        end_span = int(math.ceil(3.0 - math.log2(_SPAN_ALPHA / n_features)))
    if min_span == "auto":
        inner = -math.log(1.0 - _SPAN_ALPHA) / (n_features * max(n_support, 1))
        min_span = max(1, int(-math.log2(inner) / 2.5))
    return int(min_span), int(end_span)


def _suffix_sums(a):
    """s[k] = sum of a[k:] along axis 0, with a final row of zeros: (N + 1, ...)."""
    s = np.zeros((len(a) + 1,) + a.shape[1:])
    s[:-1] = np.cumsum(a[::-1], axis=0)[::-1]
    return s


def _best_knot(Q, r, b, x, order, min_span, end_span, n_features):
    """Best pair b·max(0, x - t), b·max(0, t - x) for one parent b and one variable x.

    Q : (N, k) orthonormal basis of the current columns, r : (N,) residual (⟂ Q),
    b : (N,) parent column (>= 0), x : (N,) variable, order : argsort of x.
    Returns (gain, row of the knot) or None when no knot is allowed.
    """
    rows = order[b[order] > 0]                                    # rows where the parent is on, by x
    xs, bs = x[rows], b[rows]                                     # (n_m,) ascending in x
    n_m = len(rows)
    if n_m < 2:
        return None
    lo_span, e_span = span_rules(n_m, n_features, min_span, end_span)
    e_span = min(e_span, (n_m - 1) // 2)
    pos = np.arange(e_span, n_m - e_span, lo_span)                # candidate knot positions
    if len(pos) == 0:
        return None
    t, first_of = np.unique(xs[pos], return_index=True)           # (K,) knots
    pos = pos[first_of]
    k = Q.shape[1]
    u = b * x                                                     # (N,) the pair's linear part
    u_perp = u - Q @ (Q.T @ u)
    nu2 = float(u_perp @ u_perp)
    uh = u_perp / math.sqrt(nu2) if nu2 > _TOL * float(u @ u) else np.zeros_like(u)
    Z = np.column_stack([Q[rows], uh[rows], r[rows]]) * bs[:, None]   # (n_m, k+2)
    b2 = bs * bs
    # one pass of suffix sums over x > t: [z b x | z b | b^2 x^2, b^2 x, b^2]
    S = _suffix_sums(np.column_stack([Z * xs[:, None], Z, b2 * xs * xs, b2 * xs, b2]))
    S = S[np.searchsorted(xs, t, side="right")]                   # (K, 2k+7) at the first x > t
    P = S[:, :k + 2] - t[:, None] * S[:, k + 2:2 * k + 4]         # (K, k+2)  z · c(t)
    cc = S[:, -3] - 2.0 * t * S[:, -2] + t * t * S[:, -1]         # (K,) c · c
    qc, uc, rc = P[:, :k], P[:, k], P[:, k + 1]
    a = float(uh @ r)
    denom = cc - np.einsum("ij,ij->i", qc, qc) - uc * uc           # |c⟂|^2
    num = rc - uc * a                                              # c⟂ · r
    ok = denom > _TOL * cc
    gain = a * a + np.where(ok, num * num / np.where(ok, denom, 1.0), 0.0)
    j = int(np.argmax(gain))
    return float(gain[j]), int(rows[pos[j]])


def _add_column(Q, k, c):
    """Gram-Schmidt (twice) c against Q[:, :k]; store it as column k. False if c adds nothing."""
    norm_c = math.sqrt(float(c @ c))
    if norm_c == 0.0:
        return False
    q = c.copy()
    for _ in range(2):
        q -= Q[:, :k] @ (Q[:, :k].T @ q)
    norm_q = math.sqrt(float(q @ q))
    if norm_q <= math.sqrt(_TOL) * norm_c:
        return False
    Q[:, k] = q / norm_q
    return True


def _lstsq(B, y):
    """Least squares on the columns of B (scaled to unit norm first): (coef, rss)."""
    norms = np.sqrt(np.einsum("ij,ij->j", B, B))
    norms[norms == 0] = 1.0
    coef = np.linalg.lstsq(B / norms, y, rcond=None)[0] / norms   # (M,)
    resid = y - B @ coef
    return coef, float(resid @ resid)


def _cheapest_term(B, y):
    """Index (>= 1) of the column whose removal raises the RSS least: beta_j^2 / [G^-1]_jj."""
    norms = np.sqrt(np.einsum("ij,ij->j", B, B))
    Bn = B / norms                                                 # (N, M) unit columns
    G = Bn.T @ Bn + 1e-10 * np.eye(B.shape[1])                     # small ridge: stays invertible
    Ginv = np.linalg.inv(G)
    beta = Ginv @ (Bn.T @ y)
    rise = beta * beta / np.diag(Ginv)
    rise[0] = np.inf                                               # the intercept stays
    return int(np.argmin(rise))


class MARS:
    """Multivariate adaptive regression splines: a sum of (products of) hinge functions.

    Parameters
    ----------
    max_terms : int or None -- basis functions (intercept included) the forward pass may
        build; None: min(200, max(20, 2 n)) + 1 for n features (as R's earth), at most N.
    max_degree : int -- most hinges in one product (1: additive model, 2: pairwise interactions).
    penalty : float or None -- GCV cost of a knot; None: 2 if max_degree == 1 else 3 (Friedman).
    min_span : "auto" or int >= 1 -- support points between candidate knots (see `span_rules`).
    end_span : "auto" or int >= 0 -- support points at each end where no knot goes.
    threshold : float >= 0 -- the forward pass stops when the best pair adds less R^2.

    The fit is deterministic (no random choices), so there is no random_state.

    Fitted attributes
    -----------------
    terms_ : list of `Term` -- the kept basis functions, each a tuple of `Hinge(feature, knot, sign)`.
    coef_ : float64 (len(terms_),), intercept_ : float -- y = intercept_ + transform(X) @ coef_.
    gcv_, rss_, rsq_ : GCV, residual sum of squares and R^2 of the kept model on the training data.
    forward_terms_ : list of `Term` -- every term the forward pass added, before pruning.
    gcv_path_ : list of (n_basis, gcv) -- the backward pass, from the forward model down to 1.
    """

    def __init__(self, max_terms=None, max_degree=1, penalty=None, min_span="auto", end_span="auto",
                 threshold=1e-3):
        self.max_terms = max_terms
        self.max_degree = max_degree
        self.penalty = penalty
        self.min_span = min_span
        self.end_span = end_span
        self.threshold = threshold

    def _check_params(self, n_samples, n_features):
        check_positive(self.max_degree, "max_degree", integer=True)
        check_positive(self.max_terms, "max_terms", integer=True, allow_none=True)
        penalty = self.penalty
        if penalty is None:
            penalty = 2.0 if self.max_degree == 1 else 3.0
        elif isinstance(penalty, bool) or not isinstance(penalty, (int, float, np.number)) or not penalty >= 0:
            raise EmbedError(f"penalty must be a number >= 0 (or None for the default), got {penalty!r}")
        if self.min_span != "auto":
            check_positive(self.min_span, "min_span", integer=True)
        if self.end_span != "auto" and (isinstance(self.end_span, bool)
                                        or not isinstance(self.end_span, (int, np.integer)) or self.end_span < 0):
            raise EmbedError(f"end_span must be 'auto' or an integer >= 0, got {self.end_span!r}")
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not t >= 0:
            raise EmbedError(f"threshold must be a number >= 0, got {t!r}")
        max_terms = self.max_terms or min(200, max(20, 2 * n_features)) + 1
        return min(int(max_terms), n_samples), float(penalty)

    def fit(self, X, y):
        """Forward pass, then backward pruning by GCV; returns self."""
        X = check_X(X)
        y = check_y(y, len(X))
        N, n = X.shape
        max_terms, penalty = self._check_params(N, n)
        # Search on standardised features: a hinge in z = (x - mu) / sd is a hinge in x divided by
        # sd, so spans (and so every RSS) are the same, and the sums stay well conditioned.
        mu, sd = X.mean(axis=0), X.std(axis=0)
        usable = sd > 0                                               # a constant feature offers no knot
        Z = (X - mu) / np.where(usable, sd, 1.0)                      # (N, n)
        order = np.argsort(Z, axis=0, kind="stable")                  # (N, n)

        terms, cols = [Term()], [np.ones(N)]                          # the intercept first
        Q = np.empty((N, max_terms))                                  # (N, max_terms) orthonormal
        Q[:, 0] = 1.0 / math.sqrt(N)
        r = y - y.mean()                                              # (N,) residual, ⟂ Q
        tss = float(r @ r)
        while len(cols) < max_terms and float(r @ r) > 1e-12 * tss:
            k, best = len(cols), None
            for m in range(k):
                if terms[m].degree >= self.max_degree:
                    continue
                in_term = {h.feature for h in terms[m]}
                for v in np.flatnonzero(usable):
                    if v in in_term:
                        continue
                    found = _best_knot(Q[:, :k], r, cols[m], Z[:, v], order[:, v],
                                       self.min_span, self.end_span, n)
                    if found is not None and (best is None or found[0] > best[0]):
                        best = (found[0], m, int(v), found[1])
            if best is None or best[0] < self.threshold * tss:
                break
            _, m, v, row = best
            added = 0
            for sign in (+1, -1):                                     # the mirrored pair
                if len(cols) == max_terms:
                    break
                c = cols[m] * np.maximum(0.0, sign * (Z[:, v] - Z[row, v]))   # (N,)
                if _add_column(Q, len(cols), c):
                    q = Q[:, len(cols)]
                    r = r - q * float(q @ r)
                    cols.append(c)
                    terms.append(Term(terms[m] + (Hinge(v, X[row, v], sign),)))
                    added += 1
            if not added:
                break
        self.forward_terms_ = terms[1:]

        # Backward pass: drop the cheapest term until only the intercept is left; keep the best GCV.
        B = np.column_stack(cols)                                     # (N, M) standardised units
        # An RSS below 1e-12 of the total is rounding noise: floored, so an exact fit keeps its
        # smallest exact model (GCV then grows with M) rather than the luckiest rounding.
        active, path = list(range(len(cols))), []
        while True:
            _, rss = _lstsq(B[:, active], y)
            path.append((list(active), gcv(rss, N, len(active), penalty),
                         gcv(max(rss, 1e-12 * tss), N, len(active), penalty)))
            if len(active) == 1:
                break
            del active[_cheapest_term(B[:, active], y)]
        self.gcv_path_ = [(len(a), g) for a, g, _ in path]
        keep = min(reversed(path), key=lambda p: p[2])[0]             # ties: the smaller model

        self.terms_ = [terms[i] for i in keep[1:]]
        self.n_features_in_ = n
        basis = np.column_stack([np.ones(N), self.transform(X)])      # (N, 1 + terms) original units
        coef, rss = _lstsq(basis, y)
        self.intercept_, self.coef_ = float(coef[0]), coef[1:]
        self.rss_ = rss
        self.gcv_ = gcv(rss, N, len(keep), penalty)
        self.rsq_ = 1.0 - rss / tss if tss > 0 else float(rss == 0)
        self.penalty_ = penalty
        return self

    def transform(self, X):
        """The kept basis functions on X: float64 (m, len(terms_))."""
        check_fitted(self, "terms_")
        X = check_X(X, n_features=self.n_features_in_)
        return np.column_stack([t(X) for t in self.terms_]) if self.terms_ else np.empty((len(X), 0))

    def predict(self, X):
        """y_hat = intercept_ + transform(X) @ coef_, float64 (m,)."""
        return self.transform(X) @ self.coef_ + self.intercept_

    def score(self, X, y):
        """Coefficient of determination R^2 = 1 - SS_res / SS_tot."""
        X = check_X(X)
        y = check_y(y, len(X))
        ss_res = float(np.sum((self.predict(X) - y) ** 2))
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else float(ss_res == 0)

    def summary(self, feature_names=None, precision=4):
        """The fitted function in the slide's form: 'y(x) = 1.013 + 1.198 max(0, x − 0.485) − ...'."""
        check_fitted(self, "terms_")
        if feature_names is not None and len(feature_names) != self.n_features_in_:
            raise EmbedError(f"feature_names has {len(feature_names)} name(s) but the model was fitted "
                             f"with {self.n_features_in_} feature(s)")
        return format_model(self.intercept_, self.coef_, self.terms_, feature_names, precision)

    def __repr__(self):
        return (f"MARS(max_terms={self.max_terms}, max_degree={self.max_degree}, penalty={self.penalty}, "
                f"min_span={self.min_span!r}, end_span={self.end_span!r}, threshold={self.threshold})")
