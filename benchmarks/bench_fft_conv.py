"""Convolution by the FFT (architectures.conv_fft) against im2col (fast_layers.conv_forward_fast)
across kernel sizes, forward pass, NumPy on the CPU: where is the crossover on this machine?

im2col's cost grows with the kernel's area (one matrix product of K*K*C columns); the
FFT's hardly depends on the kernel (transforms of the padded images, a product per
frequency). Both are timed in the same run at the same BLAS thread count (threadpoolctl),
interleaved, best of --repeat; "same" padding (pad = K // 2), stride 1.

    python benchmarks/bench_fft_conv.py [--threads 1] [--repeat 5] [--kernels 1 3 5 7 9 11 15 21 31]
"""
import argparse

import numpy as np
from threadpoolctl import threadpool_limits

from cs231n_core import fast_layers
from cs231n_core.architectures import conv_fft
from timing import best_of_each

CASES = [  # name, x shape, number of filters
    ("CIFAR-sized, 16 -> 16 channels", (16, 16, 32, 32), 16),
    ("64x64, 8 -> 8 channels", (8, 8, 64, 64), 8),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kernels", type=int, nargs="+", default=[1, 3, 5, 7, 9, 11, 15, 21, 31])
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for threads in args.threads:
        with threadpool_limits(limits=threads):
            for name, x_shape, filters in CASES:
                x = rng.standard_normal(x_shape)
                print("\n%s, x %s, float64, %d thread(s)" % (name, x_shape, threads))
                print("%7s %12s %12s %10s" % ("kernel", "im2col ms", "FFT ms", "FFT wins"))
                crossover = None
                for k in args.kernels:
                    w = rng.standard_normal((filters, x_shape[1], k, k))
                    b = rng.standard_normal(filters)
                    param = {"stride": 1, "pad": k // 2}
                    reference = fast_layers.conv_forward_fast(x, w, b, param)[0]
                    error = np.max(np.abs(conv_fft(x, w, b, param) - reference)) / np.max(np.abs(reference))
                    assert error < 1e-8, error
                    times = best_of_each({"im2col": lambda: fast_layers.conv_forward_fast(x, w, b, param),
                                     "fft": lambda: conv_fft(x, w, b, param)}, args.repeat)
                    wins = times["fft"] < times["im2col"]
                    if wins and crossover is None:
                        crossover = k
                    print("%7d %12.2f %12.2f %10s" % (k, 1000 * times["im2col"], 1000 * times["fft"],
                                                       "yes" if wins else "no"))
                print("crossover: %s" % ("FFT faster from kernel %d" % crossover if crossover
                                         else "im2col faster at every kernel size tried"))


if __name__ == "__main__":
    main()
