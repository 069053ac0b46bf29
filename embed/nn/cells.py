"""The recurrent cells: SimpleRNN, LSTM and GRU, their gate math only.

Each cell says how wide its gate block is (`n_gates` blocks of width H), what
state it carries, and how one time step goes forward and back, by calling its
element-wise Numba kernels in `recurrent_kernels`.  Everything else (weights,
caches, threads, the big products, state across chunks) is the shared driver
`embed.nn.recurrent_base.Recurrent`.
"""
import numpy as np

from . import recurrent_kernels
from .gemm import PANEL
from .recurrent_base import Recurrent


class SimpleRNN(Recurrent):
    """Elman RNN with tanh:  h_t = tanh(x_t W_x + h_{t-1} W_h + b).

    Parameters: W_x (D, H), W_h (H, H), b (H,).  State: (h,).
    Backward: da_t = (dy_t + da_{t+1} W_h^T) * (1 - h_t^2).
    """

    n_gates = 1
    state_names = ("h",)

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, hw = buf["z"], buf["h"], buf["hw"]
        W_h, b = self.params["W_h"], self.params["b"]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1)
            recurrent_kernels.rnn_forward_seq(z, W_h, self.panels(buf, b0, b1, tile), b, h, hw, b0, b1, tile)
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, H)
            recurrent_kernels.rnn_forward_step(z[t], hw, b, h[t + 1], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        h, dg, dh = buf["h"], buf["dg"], buf["dh"]
        W_hT = buf["W_hT"]
        dh[r] = 0 if dstate is None else dstate[0][r]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1, True)
            recurrent_kernels.rnn_backward_seq(dy, h, self.params["W_h"], W_hT, self.panels(buf, b0, b1, tile, True),
                                               dh, dg, b0, b1, tile)
            return
        for t in range(T - 1, -1, -1):
            recurrent_kernels.rnn_backward_step(dy[t], dh, h[t + 1], dg[t], b0, b1)
            np.dot(dg[t, r], W_hT, out=dh[r])          # (b, H) = dL/dh_{t-1}

    def _step(self, z, state):
        h = np.empty_like(state[0])
        recurrent_kernels.rnn_forward_step(z, state[0] @ self.params["W_h"], self.params["b"], h, 0, h.shape[0])
        return h, (h,)


class LSTM(Recurrent):
    """Long short-term memory with one fused gate matrix, gate order [i | f | g | o].

    With a = x_t W_x + h_{t-1} W_h + b split into four blocks of width H::

        i = sigmoid(a_i)        input gate
        f = sigmoid(a_f)        forget gate   (its bias starts at 1)
        g = tanh(a_g)           candidate
        o = sigmoid(a_o)        output gate
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Parameters: W_x (D, 4H), W_h (H, 4H), b (4H,).  State: (h, c).
    This is PyTorch's gate order, so its weights map as W_x = weight_ih.T,
    W_h = weight_hh.T, b = bias_ih + bias_hh.
    """

    n_gates = 4
    state_names = ("h", "c")
    bias_grad_in_scan = True      # the gate-gradient kernel sums db (see Recurrent._bias_grad_part)
    project_in_scan = True        # x_t W_x / dG_t W_x^T in the time loops on panels (lstm_*_seq_x)

    def _init_extra(self, rng, dtype):
        H = self.units
        self.params["b"][H:2 * H] = 1.0           # remember by default

    def _extra_buffers(self, T, B, dtype):
        H = self.units
        return {"c": np.empty((T + 1, B, H), dtype),   # c_{-1}=c0, c_0 .. c_{T-1}
                "tc": np.empty((T, B, H), dtype),      # tanh(c_t)
                "dc": np.empty((B, H), dtype)}

    def _set_state(self, buf, state):
        buf["h"][0] = state[0]
        buf["c"][0] = state[1]

    def _final_state(self, buf, T):
        return (buf["h"][T].copy(), buf["c"][T].copy())

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, c, tc, hw = (buf[k] for k in ("z", "h", "c", "tc", "hw"))
        act = self._act(buf, b0, b1)
        W_h, b = self.params["W_h"], self.params["b"]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1)
            x = buf["x_in_scan"]
            if x is not None and x.ndim == 3:             # [x_t | h_{t-1}] @ [W_x; W_h], see Recurrent.forward
                G, K = 4 * self.units, x.shape[2] + self.units
                if buf["fused_panels"]:                   # this thread's own panels
                    W_p = self._own(buf, "W_xh_panels", b0, b1, (G // PANEL, K, PANEL))
                    W_s = np.empty((0, G), np.float32)
                else:                                     # the stacked copy the threads share
                    W_p, W_s = np.empty((0, K, PANEL), np.float32), buf["W_xh"]
                recurrent_kernels.lstm_forward_seq_xh(x, self.params["W_x"], W_h, W_p, W_s, b, buf["xh"],
                                                      h, c, act, tc, hw, b0, b1, tile)
                return
            ids = x                                       # None, or integer ids: rows of W_x gathered per step
            recurrent_kernels.lstm_forward_seq(z, W_h, self.panels(buf, b0, b1, tile), b, h, c, act, tc, hw,
                                               b0, b1, tile, ids, self.params["W_x"], buf.get("zt"))
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, 4H)
            recurrent_kernels.lstm_forward_step(z[t], hw, b, c[t], act[t], c[t + 1], h[t + 1], tc[t], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        c, tc, dg, dh, dc = (buf[k] for k in ("c", "tc", "dg", "dh", "dc"))
        act = self._act(buf, b0, b1)
        db = self._bias_grad_part(buf, b0, b1)          # (4H,) these rows' share of grads["b"]
        W_hT = buf["W_hT"]
        dh[r] = 0 if dstate is None else dstate[0][r]
        dc[r] = 0 if dstate is None else dstate[1][r]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1, True)
            dx = buf["dx_in_scan"]
            if dx is not None:                            # dx_t in the loop too, see Recurrent.backward
                G, D = 4 * self.units, dx.shape[2]
                if buf["fused_panels_back"]:
                    W_hTp = self._own(buf, "W_hT_panels", b0, b1, (self.units // PANEL, G, PANEL))
                    W_xTp = self._own(buf, "W_xT_panels", b0, b1, (D // PANEL, G, PANEL))
                else:
                    W_hTp = W_xTp = np.empty((0, G, PANEL), np.float32)
                recurrent_kernels.lstm_backward_seq_x(dy, self.params["W_h"], self.params["W_x"], W_hTp, W_xTp,
                                                      W_hT, buf["W_xT"], dx, dh, dc, act, c, tc, dg, db,
                                                      b0, b1, tile)
                return
            x = buf["x_in_scan"]
            ids = x if x is not None and x.ndim == 2 else None   # integer ids: dW_x summed in the loop
            recurrent_kernels.lstm_backward_seq(dy, self.params["W_h"], W_hT, self.panels(buf, b0, b1, tile, True),
                                                dh, dc, act, c, tc, dg, db, b0, b1, tile,
                                                ids, None if ids is None else self.ids_grad_part(buf, b0, b1))
            return
        db[:] = 0
        for t in range(T - 1, -1, -1):
            recurrent_kernels.lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t], db, b0, b1)
            np.dot(dg[t, r], W_hT, out=dh[r])          # (b, H) = dL/dh_{t-1}

    def _initial_state_grad(self, buf):
        return (buf["dh"].copy(), buf["dc"].copy())

    def _step(self, z, state):
        h0, c0 = state
        h, c, tc = np.empty_like(h0), np.empty_like(h0), np.empty_like(h0)
        act = np.empty((4,) + h0.shape, h0.dtype)
        recurrent_kernels.lstm_forward_step(z, h0 @ self.params["W_h"], self.params["b"], c0, act, c, h, tc,
                                            0, h.shape[0])
        return h, (h, c)


class GRU(Recurrent):
    """Gated recurrent unit, PyTorch / cuDNN variant (reset applied after the product).

    With blocks [r | u | n] of width H (u is the update gate, often called z)::

        r = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)
        u = sigmoid(x_t W_xu + b_u + h_{t-1} W_hu)
        n = tanh(x_t W_xn + b_n + r * (h_{t-1} W_hn + b_hn))
        h_t = (1 - u) * n + u * h_{t-1}

    Parameters: W_x (D, 3H), W_h (H, 3H), b (3H,), b_hn (H,).  State: (h,).
    From PyTorch: W_x = weight_ih.T, W_h = weight_hh.T, b = bias_ih + [bias_hh_r, bias_hh_z, 0],
    b_hn = bias_hh_n.
    """

    n_gates = 3
    state_names = ("h",)

    def _init_extra(self, rng, dtype):
        self.params["b_hn"] = np.zeros(self.units, dtype=dtype)

    def _extra_buffers(self, T, B, dtype):
        H = self.units
        return {"hn": np.empty((T, B, H), dtype),           # h_{t-1} W_hn + b_hn
                "dgh": np.empty((T, B, 3 * H), dtype),      # dL/d(h W_h)
                "dhd": np.empty((B, H), dtype)}             # dL/dh via the direct u*h path

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, hn, hw = buf["z"], buf["h"], buf["hn"], buf["hw"]
        act = self._act(buf, b0, b1)
        W_h, b, b_hn = self.params["W_h"], self.params["b"], self.params["b_hn"]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1)
            recurrent_kernels.gru_forward_seq(z, W_h, self.panels(buf, b0, b1, tile), b, b_hn, h, act, hn, hw, b0, b1,
                                              tile)
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, 3H)
            recurrent_kernels.gru_forward_step(z[t], hw, b, b_hn, h[t], act[t], h[t + 1], hn[t], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        h, hn, dgx, dgh, dh, dhd = (buf[k] for k in ("h", "hn", "dg", "dgh", "dh", "dhd"))
        act = self._act(buf, b0, b1)
        W_hT = buf["W_hT"]
        dh[r] = 0
        dhd[r] = 0 if dstate is None else dstate[0][r]
        if buf["numba_time_loop"]:
            tile = self.step_tile(buf, b0, b1, True)
            recurrent_kernels.gru_backward_seq(dy, self.params["W_h"], W_hT, self.panels(buf, b0, b1, tile, True),
                                               dh, dhd, act, hn, h, dgx, dgh, b0, b1, tile)
            return
        for t in range(T - 1, -1, -1):
            recurrent_kernels.gru_backward_step(dy[t], dh, dhd, act[t], hn[t], h[t], dgx[t], dgh[t], b0, b1)
            np.dot(dgh[t, r], W_hT, out=dh[r])         # (b, H)

    def _gate_grads(self, buf):
        return buf["dg"], buf["dgh"]

    def _initial_state_grad(self, buf):
        return (buf["dh"] + buf["dhd"],)

    def _extra_grads(self, buf, dgh2):
        H = self.units
        np.matmul(buf["ones"], dgh2[:, 2 * H:], out=self.grads["b_hn"])   # (H,) column sums

    def _step(self, z, state):
        h0 = state[0]
        h, hn = np.empty_like(h0), np.empty_like(h0)
        act = np.empty((3,) + h0.shape, h0.dtype)
        recurrent_kernels.gru_forward_step(z, h0 @ self.params["W_h"], self.params["b"], self.params["b_hn"], h0,
                                           act, h, hn, 0, h.shape[0])
        return h, (h,)
