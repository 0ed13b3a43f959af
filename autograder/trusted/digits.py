"""scikit-learn's handwritten digits, the data set that graders of several assignments
draw held-out images from, read without importing scikit-learn."""
import importlib.util
import os

import numpy as np


def load_digits():
    """scikit-learn's handwritten digits as (pixels (1797, 64) with values 0..16, int64
    labels), read from the file that ships inside scikit-learn: importing scikit-learn
    costs more than a whole check."""
    spec = importlib.util.find_spec("sklearn")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not os.path.isfile(path):  # another layout: ask scikit-learn itself
        from sklearn.datasets import load_digits as sklearn_load_digits

        digits = sklearn_load_digits()
        return digits.data, digits.target.astype(np.int64)
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)
