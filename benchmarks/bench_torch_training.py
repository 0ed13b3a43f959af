"""Training speed of the PyTorch three-layer ConvNet: images per second for one epoch.

CS231n's network and shapes (3x32x32 images, 32 5x5 then 16 3x3 filters, minibatches of
64, SGD), trained with cs231n_core.pytorch_models.train on the CPU with 1 and 2 threads
and on CUDA when present. The images are CIFAR-10's when it is downloaded, else random
ones of the same shape (the speed does not depend on the pixels).

    python benchmarks/bench_torch_training.py [--num-images 2048 --cuda-images 49000]
"""
import argparse
import time

import numpy as np
import torch

from cs231n_core import pytorch_models as pm
from cs231n_core.data_utils import cifar10_present


def images(count, seed=0):
    if cifar10_present():
        data = pm.load_data("cifar10", num_training=count, num_validation=0, num_test=0, batch_size=64)
        return torch.cat([x for x, _ in data["train"]]), torch.cat([y for _, y in data["train"]]), "CIFAR-10"
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(rng.normal(size=(count, 3, 32, 32)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, count))
    return X, y, "random images of CIFAR-10's shape"


def one_epoch(device, X, y, batch_size):
    """Seconds for one epoch over (X, y) on `device`, after one warm-up minibatch."""
    torch.manual_seed(0)
    model = pm.ThreeLayerConvNet(3, 32, 16, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=3e-3)
    warm = (X[:batch_size], y[:batch_size])
    pm.train(model, optimizer, warm, device=device, batch_size=batch_size, progress=False)
    if device.type == "cuda":
        torch.cuda.synchronize()
    loader = pm.as_loader((X, y), batch_size=batch_size, shuffle=True, seed=0)
    start = time.perf_counter()
    pm.train(model, optimizer, loader, device=device, progress=False)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-images", type=int, default=2048, help="images of the CPU epochs")
    parser.add_argument("--cuda-images", type=int, default=49000, help="images of the CUDA epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    cuda = torch.cuda.is_available()
    X, y, what = images(max(args.num_images, args.cuda_images if cuda else 0))
    rows = []
    threads_before = torch.get_num_threads()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        n = args.num_images
        seconds = one_epoch(torch.device("cpu"), X[:n], y[:n], args.batch_size)
        rows.append(("CPU, %d thread%s" % (threads, "s" if threads > 1 else ""), n, seconds))
    torch.set_num_threads(threads_before)
    if cuda:
        n = args.cuda_images
        seconds = one_epoch(torch.device("cuda"), X[:n], y[:n], args.batch_size)
        rows.append(("CUDA (%s)" % torch.cuda.get_device_name(0), n, seconds))
    print("Three-layer ConvNet (3x32x32, 32 5x5 and 16 3x3 filters), one epoch of SGD, "
          "minibatches of %d, %s; torch %s" % (args.batch_size, what, torch.__version__))
    print("  %-36s %8s %10s %14s %10s" % ("device", "images", "seconds", "images/s", "vs 1 CPU"))
    base = rows[0][1] / rows[0][2]
    for name, n, seconds in rows:
        print("  %-36s %8d %10.2f %14.0f %9.1fx" % (name, n, seconds, n / seconds, n / seconds / base))
    if not cuda:
        print("  (no CUDA device here: run this on a GPU machine for the CUDA row)")


if __name__ == "__main__":
    main()
