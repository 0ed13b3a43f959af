"""Fast convolution and max pooling layers in plain NumPy (assignment 2).

The naive layers of layers.py loop over every output position; these do the same
arithmetic with a handful of large array operations:

- convolution is "im2col": every receptive field of the padded input is laid out as
  one column of a matrix (a strided *view* first, so NumPy copies each number once),
  and the whole layer becomes one matrix product with the filters. The backward pass
  is two more matrix products plus "col2im", which adds the columns back into the
  image one kernel offset at a time (HH * WW strided additions, fast for small kernels
  and correct where receptive fields overlap);
- max pooling over windows that tile the input (pool size == stride, e.g. 2x2 stride 2)
  is a reshape; other windows and strides go through a strided view of the windows.

The conventions are the naive layers' (CS231n's): x of shape (N, C, H, W), filters
w of shape (F, C, HH, WW), conv_param with 'stride' and 'pad' (zero padding on both
sides), pool_param with 'pool_height', 'pool_width' and 'stride'; the output height
is H' = 1 + (H + 2 * pad - HH) // stride (and likewise for the width). When several
entries of a pooling window share the maximum, the gradient goes to the first of them
in row-major order, as np.argmax picks it in the naive layer.

Both float32 and float64 inputs work; the outputs keep the inputs' precision.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


# --- input checks (shared by the layers; not graded) ---------------------------------

def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("%s must be a positive integer, got %r" % (what, value))
    return int(value)


def _output_size(size, window, stride, what):
    """1 + (size - window) // stride, refusing windows larger than the input."""
    if window > size:
        raise ValueError("%s: a window of %d does not fit in an input of %d"
                         % (what, window, size))
    return 1 + (size - window) // stride


def _check_images(x, what):
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError("%s must be a 4-d array of shape (N, C, H, W), got %s"
                         % (what, "shape %s" % (x.shape,) if isinstance(x, np.ndarray)
                            else type(x).__name__))


def _conv_geometry(x, w, b, conv_param):
    """(stride, pad, H_out, W_out) of a convolution, after checking its inputs."""
    _check_images(x, "x")
    _check_images(w, "w")
    if x.shape[1] != w.shape[1]:
        raise ValueError("x has %d channels but the filters w expect %d"
                         % (x.shape[1], w.shape[1]))
    if np.shape(b) != (w.shape[0],):
        raise ValueError("b must have shape (%d,) (one bias per filter), got %s"
                         % (w.shape[0], np.shape(b)))
    stride = _positive_int(conv_param.get("stride"), "conv_param['stride']")
    pad = conv_param.get("pad")
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError("conv_param['pad'] must be a non-negative integer, got %r" % (pad,))
    pad = int(pad)
    H_out = _output_size(x.shape[2] + 2 * pad, w.shape[2], stride, "convolution height")
    W_out = _output_size(x.shape[3] + 2 * pad, w.shape[3], stride, "convolution width")
    return stride, pad, H_out, W_out


# --- convolution ---------------------------------------------------------------------

def _windows(x, HH, WW, stride, H_out, W_out):
    """A view of shape (C, HH, WW, N, H_out, W_out) of x (N, C, H, W): entry
    [c, i, j, n, h, w] is x[n, c, h * stride + i, w * stride + j]. No copy."""
    sN, sC, sH, sW = x.strides
    N, C = x.shape[:2]
    return as_strided(x, shape=(C, HH, WW, N, H_out, W_out),
                      strides=(sC, sH, sW, sN, sH * stride, sW * stride),
                      writeable=False)


def conv_forward_fast(x, w, b, conv_param):
    """Fast forward pass of a convolutional layer (im2col and one matrix product).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: dictionary with the keys
      - 'stride': pixels between adjacent receptive fields, in both directions
      - 'pad': zeros added on every side of the input (height and width)

    Returns a tuple of:
    - out: output data of shape (N, F, H', W') where
      H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param, x_cols) for conv_backward_fast, where x_cols
      of shape (C * HH * WW, N * H' * W') holds every receptive field as a column.
    """
    out, cache = None, None
    # BEGIN SOLUTION
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    N, C = x.shape[:2]
    F, _, HH, WW = w.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    # Rows ordered (c, i, j) like w.reshape(F, -1); columns ordered (n, h, w).
    x_cols = _windows(x_padded, HH, WW, stride, H_out, W_out).reshape(C * HH * WW, -1)
    out_rows = w.reshape(F, -1) @ x_cols + b.reshape(F, 1)         # (F, N * H' * W')
    out = out_rows.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    out = np.ascontiguousarray(out)
    cache = (x, w, b, conv_param, x_cols)
    # END SOLUTION
    return out, cache


def conv_backward_fast(dout, cache):
    """Fast backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivatives of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, x_cols) as saved by conv_forward_fast

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    dx, dw, db = None, None, None
    # BEGIN SOLUTION
    x, w, b, conv_param, x_cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = int(conv_param["stride"]), int(conv_param["pad"])
    _, _, H_out, W_out = dout.shape
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)          # (F, N * H' * W')
    db = dout_rows.sum(axis=1)
    dw = (dout_rows @ x_cols.T).reshape(w.shape)
    dx_cols = (w.reshape(F, -1).T @ dout_rows).reshape(C, HH, WW, N, H_out, W_out)
    # col2im: each kernel offset (i, j) adds to a strided grid of the padded input;
    # receptive fields overlap when stride < kernel size, so the additions accumulate.
    dx_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dx_cols.dtype)
    dx_padded_t = dx_padded.transpose(1, 0, 2, 3)                  # (C, N, Hp, Wp) view
    for i in range(HH):
        for j in range(WW):
            dx_padded_t[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += \
                dx_cols[:, i, j]
    dx = dx_padded[:, :, pad:pad + H, pad:pad + W]
    # END SOLUTION
    return dx, dw, db


# --- max pooling ---------------------------------------------------------------------

def _pool_geometry(x, pool_param):
    _check_images(x, "x")
    ph = _positive_int(pool_param.get("pool_height"), "pool_param['pool_height']")
    pw = _positive_int(pool_param.get("pool_width"), "pool_param['pool_width']")
    stride = _positive_int(pool_param.get("stride"), "pool_param['stride']")
    H_out = _output_size(x.shape[2], ph, stride, "pooling height")
    W_out = _output_size(x.shape[3], pw, stride, "pooling width")
    return ph, pw, stride, H_out, W_out


def _pool_windows(x, ph, pw, stride, H_out, W_out):
    """The pooling windows of x as a view (N, C, H', W', ph, pw), no copy.

    When the windows tile the input (stride equals the window size) this is a plain
    reshape of the covered part of x; otherwise a strided view with overlapping or
    gapped windows."""
    N, C = x.shape[:2]
    if stride == ph and stride == pw:
        covered = x[:, :, :H_out * ph, :W_out * pw]
        return covered.reshape(N, C, H_out, ph, W_out, pw).transpose(0, 1, 2, 4, 3, 5) \
            if covered.flags.c_contiguous else \
            as_strided(covered, shape=(N, C, H_out, W_out, ph, pw),
                       strides=covered.strides[:2] + (covered.strides[2] * ph,
                                                       covered.strides[3] * pw)
                       + covered.strides[2:], writeable=False)
    sN, sC, sH, sW = x.strides
    return as_strided(x, shape=(N, C, H_out, W_out, ph, pw),
                      strides=(sN, sC, sH * stride, sW * stride, sH, sW), writeable=False)


def max_pool_forward_fast(x, pool_param):
    """Fast forward pass of a max-pooling layer.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: dictionary with the keys
      - 'pool_height': height of each pooling window
      - 'pool_width': width of each pooling window
      - 'stride': pixels between adjacent pooling windows

    Returns a tuple of:
    - out: output data of shape (N, C, H', W') where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param, argmax) for max_pool_backward_fast, where argmax of
      shape (N, C, H', W') holds the row-major position of each window's (first) max.
    """
    out, cache = None, None
    # BEGIN SOLUTION
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    windows = _pool_windows(x, ph, pw, stride, H_out, W_out)
    windows = windows.reshape(windows.shape[:4] + (ph * pw,))      # copies once
    argmax = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, argmax[..., None], axis=-1)[..., 0]
    cache = (x, pool_param, argmax)
    # END SOLUTION
    return out, cache


def max_pool_backward_fast(dout, cache):
    """Fast backward pass of a max-pooling layer.

    Inputs:
    - dout: upstream derivatives of shape (N, C, H', W')
    - cache: (x, pool_param, argmax) as saved by max_pool_forward_fast

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W); each window's upstream
      derivative goes to its first maximum, and windows that overlap add up.
    """
    dx = None
    # BEGIN SOLUTION
    x, pool_param, argmax = cache
    ph, pw = int(pool_param["pool_height"]), int(pool_param["pool_width"])
    stride = int(pool_param["stride"])
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    # One strided addition per window position (i, j): fast for small windows, and it
    # accumulates where windows overlap.
    for k in range(ph * pw):
        i, j = divmod(k, pw)
        dx[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += \
            np.where(argmax == k, dout, 0)
    # END SOLUTION
    return dx
