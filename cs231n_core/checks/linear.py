"""Public checks of assignment 1's linear classifiers (SVM, softmax, LinearClassifier)."""
import numpy as np

from . import public_check
