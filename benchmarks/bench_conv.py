"""Fast convolution and max pooling (NumPy) against the naive layers and torch on the CPU.

Forward plus backward, times and ratios measured in the same run, at the same thread
count on both sides (threadpoolctl for NumPy's BLAS, torch.set_num_threads for torch).
torch's side is F.conv2d / F.max_pool2d on leaf tensors that require gradients, with
out.backward(dout); the naive layers are timed once on a slice of the minibatch and
scaled up to the whole minibatch (they are linear in N).
    python benchmarks/bench_conv.py [--threads 1 2] [--repeat 7] [--dtypes float64 float32]
"""
import argparse

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from cs231n_core import fast_layers, layers
from timing import best_of, best_of_each

CONV_CASES = [  # name, x shape, w shape, stride, pad
    ("CS231n", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ("larger", (64, 16, 32, 32), (32, 16, 3, 3), 1, 1),
]
POOL_CASES = [  # name, x shape, pool height, pool width, stride
    ("CS231n 2x2/2", (100, 3, 32, 32), 2, 2, 2),
    ("larger 2x2/2", (64, 32, 32, 32), 2, 2, 2),
    ("larger 3x3/2", (64, 32, 32, 32), 3, 3, 2),
    ("larger 3x3/1", (64, 32, 31, 31), 3, 3, 1),
]


def conv_timings(x_shape, w_shape, stride, pad, dtype, repeat, naive_examples):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": pad}
    out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    dout_t = torch.tensor(dout)

    def fast():
        _, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
        fast_layers.conv_backward_fast(dout, cache)

    def torch_autograd():
        torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad).backward(dout_t)

    def naive():
        _, cache = layers.conv_forward_naive(x[:naive_examples], w, b, conv_param)
        layers.conv_backward_naive(dout[:naive_examples], cache)

    times = best_of_each({"fast": fast, "torch": torch_autograd}, repeat)
    if naive_examples:
        times["naive"] = best_of(naive, 1) * x_shape[0] / naive_examples
    return times


def pool_timings(x_shape, ph, pw, stride, dtype, repeat, naive_examples):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, _ = fast_layers.max_pool_forward_fast(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    xt, dout_t = torch.tensor(x, requires_grad=True), torch.tensor(dout)

    def fast():
        _, cache = fast_layers.max_pool_forward_fast(x, pool_param)
        fast_layers.max_pool_backward_fast(dout, cache)

    def torch_autograd():
        torch.nn.functional.max_pool2d(xt, (ph, pw), stride=stride).backward(dout_t)

    def naive():
        _, cache = layers.max_pool_forward_naive(x[:naive_examples], pool_param)
        layers.max_pool_backward_naive(dout[:naive_examples], cache)

    times = best_of_each({"fast": fast, "torch": torch_autograd}, repeat)
    if naive_examples:
        times["naive"] = best_of(naive, 1) * x_shape[0] / naive_examples
    return times


def row(name, times):
    naive = ("%9.1f ms %8.0fx" % (times["naive"] * 1e3, times["naive"] / times["fast"])
             if "naive" in times else "%9s    %8s " % ("-", "-"))
    return "  %-14s %9.2f ms %9.2f ms %7.2fx   %s" % (
        name, times["fast"] * 1e3, times["torch"] * 1e3, times["fast"] / times["torch"], naive)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-examples", type=int, default=4,
                        help="examples the naive layers are timed on (0: skip them)")
    args = parser.parse_args(argv)
    header = "  %-14s %12s %12s %8s   %12s %9s" % (
        "case", "fast", "torch", "fast/torch", "naive", "naive/fast")
    for threads in args.threads:
        torch.set_num_threads(threads)
        with threadpool_limits(threads):
            for dtype in args.dtypes:
                print("%d thread(s), %s, forward + backward (best of %d)"
                      % (threads, dtype, args.repeat))
                print("convolution" + header[len("convolution"):])
                for name, x_shape, w_shape, stride, pad in CONV_CASES:
                    print(row(name, conv_timings(x_shape, w_shape, stride, pad, dtype,
                                                 args.repeat, args.naive_examples)))
                print("max pooling")
                for name, x_shape, ph, pw, stride in POOL_CASES:
                    print(row(name, pool_timings(x_shape, ph, pw, stride, dtype,
                                                 args.repeat, args.naive_examples)))
                print()


if __name__ == "__main__":
    main()
