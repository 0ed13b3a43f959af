"""kNN distance functions: the three reference versions against torch.cdist and BLAS.

Prints times and ratios measured in the same run, single-threaded on both sides.
    python benchmarks/bench_knn.py [--num-train 5000 --num-test 500 --dim 784]
"""
import argparse

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from cs231n_core.classifiers.k_nearest_neighbor import KNearestNeighbor
from timing import best_of


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-train", type=int, default=5000)
    parser.add_argument("--num-test", type=int, default=500)
    parser.add_argument("--dim", type=int, default=784)
    parser.add_argument("--loop-test", type=int, default=20, help="test points for the looped versions")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(args.num_train, args.dim))
    X_test = rng.normal(size=(args.num_test, args.dim))
    knn = KNearestNeighbor()
    knn.train(X_train, rng.integers(0, 10, args.num_train))
    torch.set_num_threads(1)
    small = X_test[:args.loop_test]
    with threadpool_limits(1):
        per_point = {
            "two loops": best_of(lambda: knn.compute_distances_two_loops(small[:2]), 1) / 2,
            "one loop": best_of(lambda: knn.compute_distances_one_loop(small), 2) / len(small),
            "no loops": best_of(lambda: knn.compute_distances_no_loops(X_test), 3) / args.num_test,
        }
        a, b = torch.from_numpy(X_test), torch.from_numpy(X_train)
        per_point["torch.cdist"] = best_of(lambda: torch.cdist(a, b), 3) / args.num_test
        per_point["BLAS matmul only"] = best_of(lambda: X_test @ X_train.T, 3) / args.num_test
    print("kNN distances, %d training points of dimension %d, 1 thread, time per test point"
          % (args.num_train, args.dim))
    base = per_point["no loops"]
    for name, seconds in per_point.items():
        print("  %-18s %10.3f ms   %8.2fx the no-loops time" % (name, seconds * 1e3, seconds / base))
    print("  no loops is %.0fx faster than two loops and %.0fx faster than one loop"
          % (per_point["two loops"] / base, per_point["one loop"] / base))


if __name__ == "__main__":
    main()
