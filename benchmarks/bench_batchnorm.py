"""Batch norm's backward passes: the simplified batchnorm_backward_alt against the
step-by-step batchnorm_backward and against torch autograd of F.batch_norm.

Prints times and ratios measured in the same run, single-threaded on both sides. The
torch time is the backward pass alone (autograd through F.batch_norm in training mode,
float64), the forward pass done beforehand, as for the NumPy versions.
    python benchmarks/bench_batchnorm.py [--repeat 5]
"""
import argparse

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from cs231n_core.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
from timing import best_of

# CS231n's notebook shape, a minibatch of CIFAR-10 images, a wide and a tall layer.
SHAPES = [(100, 500), (128, 3072), (64, 8192), (8192, 64), (1000, 1000)]


def torch_backward(x, gamma, beta, dout):
    """A function running autograd's backward pass of F.batch_norm, and its grads."""
    xt = torch.tensor(x, requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    dt = torch.from_numpy(dout)
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)

    def backward():
        return torch.autograd.grad(out, (xt, gt, bt), dt, retain_graph=True)
    return backward


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    torch.set_num_threads(1)
    print("Batch norm backward pass, 1 thread, float64, time per call")
    print("  %-12s %12s %12s %12s %10s %10s" % ("x shape", "graph (ms)", "alt (ms)", "torch (ms)",
                                               "graph/alt", "alt/torch"))
    with threadpool_limits(1):
        for N, D in SHAPES:
            x = 5 * rng.normal(size=(N, D)) + 12
            gamma, beta, dout = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
            _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
            number = max(1, int(2e6 // (N * D)))
            plain = best_of(lambda: batchnorm_backward(dout, cache), args.repeat, number)
            alt = best_of(lambda: batchnorm_backward_alt(dout, cache), args.repeat, number)
            backward = torch_backward(x, gamma, beta, dout)
            reference = backward()
            got = batchnorm_backward_alt(dout, cache)
            agree = max(float(np.max(np.abs(g - r.numpy())) / (np.max(np.abs(r.numpy())) + 1e-12))
                        for g, r in zip(got, reference))
            assert agree < 1e-8, "torch and batchnorm_backward_alt disagree (%.1e)" % agree
            torch_s = best_of(backward, args.repeat, number)
            print("  %-12s %12.3f %12.3f %12.3f %9.2fx %9.2fx" % (
                "%dx%d" % (N, D), plain * 1e3, alt * 1e3, torch_s * 1e3, plain / alt, alt / torch_s))
    print("graph/alt > 1: the simplified backward pass is faster than the step-by-step one;\n"
          "alt/torch < 1: it is faster than torch's autograd of F.batch_norm.")


if __name__ == "__main__":
    main()
