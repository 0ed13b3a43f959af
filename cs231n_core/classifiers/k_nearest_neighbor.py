"""k-nearest-neighbour classifier with L2 distance (assignment 1)."""
import numpy as np


class KNearestNeighbor:
    """A kNN classifier with L2 distance.

    train(X, y) only memorizes the data; predict(X, k) labels each row of X by a
    majority vote among its k nearest training examples.
    """

    def __init__(self):
        pass

    def train(self, X, y):
        """Memorize the training data.

        Inputs:
        - X: array of shape (num_train, D), one training example per row.
        - y: array of shape (num_train,), y[i] is the integer label of X[i].
        """
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Inputs:
        - X: array of shape (num_test, D).
        - k: number of nearest neighbours that vote.
        - num_loops: which distance implementation to use (0, 1 or 2).

        Returns:
        - y: array of shape (num_test,) of predicted integer labels.
        """
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError("num_loops must be 0, 1 or 2, got %r" % (num_loops,))
        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """L2 distance between each test point in X and each training point, with a
        double loop over test and training examples.

        Inputs:
        - X: array of shape (num_test, D).

        Returns:
        - dists: array of shape (num_test, num_train); dists[i, j] is the Euclidean
          distance between X[i] and self.X_train[j].
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        # TODO: for each pair (i, j) compute the L2 distance between the i-th test
        # point and the j-th training point and store it in dists[i, j]. Loop over
        # examples, but not over dimensions, and do not use np.linalg.norm().
        # BEGIN SOLUTION
        for i in range(num_test):
            for j in range(num_train):
                diff = X[i] - self.X_train[j]
                dists[i, j] = np.sqrt(np.sum(diff * diff))
        # END SOLUTION
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distances as in compute_distances_two_loops, with a single loop over
        the test examples.

        Inputs / Returns: as compute_distances_two_loops.
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        # TODO: compute the distances from the i-th test point to all training points
        # at once (broadcasting) and store them in dists[i, :]. No np.linalg.norm().
        # BEGIN SOLUTION
        for i in range(num_test):
            diff = self.X_train - X[i]
            dists[i, :] = np.sqrt(np.sum(diff * diff, axis=1))
        # END SOLUTION
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distances as in compute_distances_two_loops, with no explicit loop.

        Inputs / Returns: as compute_distances_two_loops.
        """
        # TODO: compute all distances with no Python loop, using only basic array
        # operations: expand ||x - t||^2 = ||x||^2 - 2 x.t + ||t||^2 and use one
        # matrix multiplication and two broadcast sums. No np.linalg.norm(), no
        # scipy. Guard against tiny negative values from rounding before the sqrt.
        # BEGIN SOLUTION
        test_sq = np.sum(X * X, axis=1, keepdims=True)            # (num_test, 1)
        train_sq = np.sum(self.X_train * self.X_train, axis=1)    # (num_train,)
        sq = test_sq - 2.0 * X @ self.X_train.T + train_sq         # (num_test, num_train)
        dists = np.sqrt(np.maximum(sq, 0.0))
        # END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """Predict a label for each test point from its distances to the training points.

        Inputs:
        - dists: array of shape (num_test, num_train); dists[i, j] is the distance
          between the i-th test point and the j-th training point.
        - k: number of nearest neighbours that vote.

        Returns:
        - y_pred: integer array of shape (num_test,); the majority label among the
          k nearest neighbours, ties broken in favour of the smallest label.
        """
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=np.int64)
        # TODO: for each test point, find the labels of its k nearest training points
        # (np.argsort helps) and pick the most common label; on a tie pick the
        # smallest label (np.bincount + np.argmax does exactly that).
        # BEGIN SOLUTION
        for i in range(num_test):
            nearest = np.argsort(dists[i], kind="stable")[:k]
            closest_y = np.asarray(self.y_train)[nearest].astype(np.int64)
            y_pred[i] = np.argmax(np.bincount(closest_y))
        # END SOLUTION
        return y_pred
