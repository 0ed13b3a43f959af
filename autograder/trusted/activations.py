"""Activations of the graders' NumPy reference forward passes (the trusted process
scores trained weights with them; it never runs the submission's own forward pass)."""
import numpy as np


def relu(x):
    """max(x, 0) entry by entry, in NumPy."""
    return np.maximum(x, 0.0)
