"""Recurrent layers: SimpleRNN, LSTM and GRU over whole sequences (time-major).

The public face of three modules, each one idea:

* `embed.nn.recurrent_base` -- `Recurrent`, the driver the cells share:
  parameters, caches, the big products and their split across threads;
* `embed.nn.cells` -- the cells, each only its gate math;
* `embed.nn.recurrent_kernels` -- the Numba kernels of that math.

Carrying state across chunks (truncated BPTT)::

    y = lstm.forward(x1)                   # state starts at zeros
    dx = lstm.backward(dy)                 # grads of this chunk only
    y = lstm.forward(x2, state=lstm.state) # continues from the end of x1, detached

Threads come from the shared runtime (`embed.parallel`); `num_threads` and
`set_num_threads` are re-exported here for convenience.
"""
from ..parallel import num_threads, set_num_threads
from .cells import GRU, LSTM, SimpleRNN
from .recurrent_base import MIN_PRODUCT_ROWS, Recurrent, product_blas_limit

__all__ = ["SimpleRNN", "LSTM", "GRU", "Recurrent", "MIN_PRODUCT_ROWS", "product_blas_limit",
           "num_threads", "set_num_threads"]
