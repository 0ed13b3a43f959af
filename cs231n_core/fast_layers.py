"""Fast convolution and max pooling layers in plain NumPy (assignment 2).

The naive layers of layers.py loop over every output position; these do the same
arithmetic with a handful of large array operations:

- convolution is "im2col": every receptive field of the padded input is laid out as
  one column of a matrix (a strided *view* first, so NumPy copies each number once),
  and the layer becomes a matrix product with the filters per example. The backward
  pass is matrix products too, with "col2im" done one kernel offset at a time
  (HH * WW strided additions, fast for small kernels and correct where receptive
  fields overlap);
- max pooling over windows that tile the input (pool size == stride, e.g. 2x2 stride 2)
  is a reshape; other windows and strides go through a strided view of the windows.

The conventions are the naive layers' (CS231n's): x of shape (N, C, H, W), filters
w of shape (F, C, HH, WW), conv_param with 'stride' and 'pad' (zero padding on both
sides), pool_param with 'pool_height', 'pool_width' and 'stride'; the output height
is H' = 1 + (H + 2 * pad - HH) // stride (and likewise for the width). When several
entries of a pooling window share the maximum, the gradient goes to the first of them
in row-major order, as np.argmax picks it in the naive layer.

Both float32 and float64 inputs work; the outputs keep the inputs' precision.

Each backward pass is handed the cache exactly as its forward pass's docstring
describes it (the graders build it with the reference forward pass), so keep that
layout; a backward pass may also ignore the extra entry and recompute from x.
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


def _check_upstream(dout, expected_shape, what):
    """dout must have the shape of the forward pass's output."""
    if np.shape(dout) != tuple(expected_shape):
        raise ValueError("%s: dout must have the shape of the forward output %s, got %s"
                         % (what, tuple(expected_shape), np.shape(dout)))


def _conv_output_shape(x, w, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    return (x.shape[0], w.shape[0], 1 + (x.shape[2] + 2 * pad - w.shape[2]) // stride,
            1 + (x.shape[3] + 2 * pad - w.shape[3]) // stride)


def _check_conv_inputs(x, w, b, conv_param):
    """Clear errors for inputs that no convolution fits."""
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
    _output_size(x.shape[2] + 2 * pad, w.shape[2], stride, "convolution height")
    _output_size(x.shape[3] + 2 * pad, w.shape[3], stride, "convolution width")


# --- convolution ---------------------------------------------------------------------

def conv_forward_fast(x, w, b, conv_param):
    """Fast forward pass of a convolutional layer (im2col and matrix products).

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
    - cache: (x, w, b, conv_param, x_cols) for conv_backward_fast, where x_cols of
      shape (N, C * HH * WW, H' * W') holds every receptive field of example n as a
      column of x_cols[n], its rows in the order (c, i, j) of w.reshape(F, -1).
    """
    _check_conv_inputs(x, w, b, conv_param)
    out, cache = None, None
    # TODO: implement the convolution with as few NumPy operations as you can:
    # a strided view of every receptive field (np.lib.stride_tricks.as_strided),
    # copied once into x_cols, then matrix products with the filters.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    # A view (N, C, HH, WW, H', W') of the padded input, no copy:
    # fields[n, c, i, j, h, w] = x_padded[n, c, h * stride + i, w * stride + j].
    sN, sC, sH, sW = x_padded.strides
    fields = as_strided(x_padded, shape=(N, C, HH, WW, H_out, W_out),
                        strides=(sN, sC, sH, sW, sH * stride, sW * stride),
                        writeable=False)
    x_cols = fields.reshape(N, C * HH * WW, H_out * W_out)        # the one copy
    # (F, CHHWW) @ (N, CHHWW, H'W') -> (N, F, H'W'): already the output's memory order.
    out = (w.reshape(F, -1) @ x_cols).reshape(N, F, H_out, W_out)
    out += b.reshape(1, F, 1, 1)
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
    x, w, b, conv_param, x_cols = cache
    _check_upstream(dout, _conv_output_shape(x, w, conv_param), "conv_backward_fast")
    dx, dw, db = None, None, None
    # TODO: implement the backward pass with matrix products; for dx, add the
    # gradient of each kernel offset back into the (padded) input ("col2im"):
    # receptive fields overlap when the stride is smaller than the kernel.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, H_out, W_out = dout.shape
    dout_rows = dout.reshape(N, F, H_out * W_out)
    db = dout.sum(axis=(0, 2, 3))
    # One (F, H'W') @ (H'W', CHHWW) product per example, summed over the examples.
    dw = (dout_rows @ x_cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    # col2im without building the columns of dx: the kernel offset (i, j) of every
    # receptive field receives w[:, :, i, j].T @ dout, added to a strided grid of the
    # padded input. Receptive fields overlap when stride < kernel size, so add (+=).
    w_by_offset = w.transpose(2, 3, 1, 0)                          # (HH, WW, C, F)
    dx_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=np.result_type(dout, w))
    for i in range(HH):
        for j in range(WW):
            dx_padded[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += \
                (w_by_offset[i, j] @ dout_rows).reshape(N, C, H_out, W_out)
    dx = dx_padded[:, :, pad:pad + H, pad:pad + W]
    # END SOLUTION
    return dx, dw, db


# --- max pooling ---------------------------------------------------------------------

def _check_pool_inputs(x, pool_param):
    """Clear errors for inputs that no pooling window fits."""
    _check_images(x, "x")
    ph = _positive_int(pool_param.get("pool_height"), "pool_param['pool_height']")
    pw = _positive_int(pool_param.get("pool_width"), "pool_param['pool_width']")
    stride = _positive_int(pool_param.get("stride"), "pool_param['stride']")
    _output_size(x.shape[2], ph, stride, "pooling height")
    _output_size(x.shape[3], pw, stride, "pooling width")


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
    _check_pool_inputs(x, pool_param)
    out, cache = None, None
    # TODO: implement max pooling without loops over the windows. When the windows
    # tile the input (2x2, stride 2) a reshape of x gives them; otherwise a strided
    # view (np.lib.stride_tricks.as_strided) does.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    if stride == ph == pw and (H, W) == (H_out * ph, W_out * pw):
        windows = x.reshape(N, C, H_out, ph, W_out, pw).transpose(0, 1, 2, 4, 3, 5)
    else:
        sN, sC, sH, sW = x.strides
        windows = as_strided(x, shape=(N, C, H_out, W_out, ph, pw),
                             strides=(sN, sC, sH * stride, sW * stride, sH, sW),
                             writeable=False)
    # windows[..., i, j] (N, C, H', W') is entry (i, j) of every window, a view. A
    # running maximum over the ph * pw offsets takes a few passes over whole arrays,
    # fast for small windows. Only a strictly larger entry moves argmax, so ties keep
    # the first maximum in row-major order, as np.argmax does.
    offsets = [windows[..., i, j] for i in range(ph) for j in range(pw)]
    out = offsets[0].copy()
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(ph * pw - 1))
    larger = np.empty(out.shape, dtype=bool)
    for k, entries in enumerate(offsets[1:], start=1):
        np.greater(entries, out, out=larger)
        np.maximum(out, entries, out=out)
        np.copyto(argmax, k, where=larger)
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
    x, pool_param, argmax = cache
    _check_upstream(dout, argmax.shape, "max_pool_backward_fast")
    dx = None
    # TODO: send each window's derivative to its first maximum, without loops over
    # the windows; where windows overlap, the derivatives add up.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = dout.shape[2:]
    # The flat position in x of the maximum that each output entry came from.
    window_corners = (np.arange(N * C).reshape(N, C, 1, 1) * (H * W)
                      + (np.arange(H_out) * (stride * W)).reshape(H_out, 1)
                      + np.arange(W_out) * stride)
    row_in_window, col_in_window = np.divmod(argmax.astype(np.intp), pw)
    sources = (window_corners + row_in_window * W + col_in_window).ravel()
    dtype = np.result_type(x, dout)
    if stride >= ph and stride >= pw:
        # Windows do not overlap: every input entry receives at most one derivative.
        dx = np.zeros(x.shape, dtype=dtype)
        dx.ravel()[sources] = dout.ravel()
    else:
        # Overlapping windows: an entry that is the maximum of several windows adds
        # up their derivatives (np.bincount sums the weights of repeated positions).
        dx = np.bincount(sources, weights=dout.ravel(), minlength=x.size)
        dx = dx.reshape(x.shape).astype(dtype, copy=False)
    # END SOLUTION
    return dx
