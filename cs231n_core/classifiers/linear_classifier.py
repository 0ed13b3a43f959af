"""Linear classifiers trained with minibatch stochastic gradient descent (assignment 1).

LinearClassifier holds the weights self.W of shape (D, C) and implements training
(minibatch SGD) and prediction; its subclasses choose the loss:

- LinearSVM: the multiclass SVM loss (svm_loss_vectorized);
- Softmax: the softmax cross-entropy loss (softmax_loss_vectorized).
"""
import numpy as np

from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """A linear classifier: the scores of X (N, D) are X.dot(self.W), self.W of shape
    (D, C). Subclasses define loss(X_batch, y_batch, reg) -> (loss, dW)."""

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
              verbose=False, progress=False):
        """Train this linear classifier using stochastic gradient descent.

        Inputs:
        - X: A numpy array of shape (N, D) containing training data; there are N
          training samples each of dimension D.
        - y: A numpy array of shape (N,) containing training labels; y[i] = c means that
          X[i] has label 0 <= c < C for C classes.
        - learning_rate: (float) learning rate for optimization.
        - reg: (float) regularization strength.
        - num_iters: (integer) number of steps to take when optimizing.
        - batch_size: (integer) number of training examples to use at each step.
        - verbose: (boolean) If true, print progress during optimization.
        - progress: True (or a label for it) shows a tqdm progress bar over the
          iterations instead.

        Returns:
        - loss_history: A list of num_iters floats, the loss of each training iteration
          (on its minibatch, before that iteration's update).
        """
        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1  # assume y takes values 0...K-1 where K is number of classes
        if self.W is None:
            # lazily initialize W
            self.W = 0.001 * np.random.randn(dim, num_classes)

        # Run stochastic gradient descent to optimize W
        loss_history = []
        iterations = range(num_iters)
        if progress:
            from tqdm.auto import tqdm  # imported only when asked: graders never draw bars

            iterations = tqdm(iterations, desc=progress if isinstance(progress, str) else "SGD",
                              unit="it")
        for it in iterations:
            X_batch = None
            y_batch = None

            # TODO: sample batch_size elements from the training data and their
            # corresponding labels to use in this round of gradient descent. Store the
            # data in X_batch (shape (batch_size, dim)) and the labels in y_batch (shape
            # (batch_size,)). Sample WITH replacement, with np.random.choice: it is
            # faster than sampling without replacement, and works for any batch_size.
            # BEGIN SOLUTION
            batch_indices = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[batch_indices]
            y_batch = y[batch_indices]
            # END SOLUTION

            # evaluate loss and gradient
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(float(loss))

            # TODO: update the weights self.W using the gradient and the learning rate
            # (one step of gradient descent).
            # BEGIN SOLUTION
            self.W -= learning_rate * grad
            # END SOLUTION

            if verbose and it % 100 == 0:
                print("iteration %d / %d: loss %f" % (it, num_iters, loss))

        return loss_history

    def predict(self, X):
        """Use the trained weights of this linear classifier to predict labels for
        data points.

        Inputs:
        - X: A numpy array of shape (N, D) containing data; there are N samples each of
          dimension D.

        Returns:
        - y_pred: Predicted labels for the data in X. y_pred is a 1-dimensional integer
          array of length N, and each element is an integer giving the predicted class.
        """
        y_pred = np.zeros(X.shape[0], dtype=np.int64)
        # TODO: implement this method. Store the predicted labels in y_pred: the class
        # of the highest score X.dot(self.W) of each row.
        # BEGIN SOLUTION
        scores = X.dot(self.W)                   # (N, C)
        y_pred = np.argmax(scores, axis=1)
        # END SOLUTION
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Compute the loss function and its derivative. Subclasses override this.

        Inputs:
        - X_batch: A numpy array of shape (N, D) containing a minibatch of N data
          points; each point has dimension D.
        - y_batch: A numpy array of shape (N,) containing labels for the minibatch.
        - reg: (float) regularization strength.

        Returns: A tuple containing:
        - loss as a single float
        - gradient with respect to self.W; an array of the same shape as W
        """
        raise NotImplementedError("LinearClassifier is abstract: use LinearSVM or Softmax, "
                                  "or a subclass that defines loss()")


class LinearSVM(LinearClassifier):
    """A subclass that uses the Multiclass SVM loss function."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A subclass that uses the Softmax + Cross-entropy loss function."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
