"""Image captioning with a Transformer decoder (CS231n's classifiers/transformer.py).

``CaptioningTransformer`` maps image features and the words of a caption so far to the
scores of the next word at every position (``forward``), and writes captions by
greedy decoding (``sample``). ``VisionTransformer`` lives in
``cs231n_core.transformer_layers`` and is importable from here too, as in CS231n.

Shapes: N images per minibatch, D the dimension of an image's features, W the
dimension of the word vectors, T the length of a caption, V the size of the vocabulary.
Captions are integer arrays that start with ``<START>``, end with ``<END>`` and are
padded with ``<NULL>`` (index 0), CS231n's special tokens.
"""
import numpy as np
import torch
import torch.nn as nn

from ..transformer_layers import (PositionalEncoding, TransformerDecoder, TransformerDecoderLayer,
                                  VisionTransformer, init_transformer_weights)

__all__ = ["CaptioningTransformer", "VisionTransformer", "causal_mask"]


def causal_mask(length, device=None):
    """(length, length) bool: True on and below the diagonal, where position i may
    attend to position j <= i (a lower-triangular mask, torch.tril)."""
    return torch.tril(torch.ones(length, length, dtype=torch.bool, device=device))


class CaptioningTransformer(nn.Module):
    """Writes captions from image features with a Transformer decoder.

    Inputs of __init__:
    - word_to_idx: the vocabulary, {word: index} with V entries, indices in [0, V);
      it holds "<NULL>", and "<START>" and "<END>" for sampling.
    - input_dim: D, the dimension of an image's feature vector.
    - wordvec_dim: W, the dimension of the word vectors and of the decoder.
    - num_heads, num_layers: of the decoder's layers.
    - max_length: the longest caption the positional encoding accepts.

    Layers (given, in this order; their order decides the initial weights):
    self.visual_projection (nn.Linear(D, W)), self.embedding (nn.Embedding(V, W),
    padding index <NULL>), self.positional_encoding (PositionalEncoding(W, max_len=
    max_length)), self.transformer (a TransformerDecoder of num_layers
    TransformerDecoderLayer(W, num_heads)), all initialized by init_transformer_weights,
    then self.output (nn.Linear(W, V), torch's default initialization).
    """

    def __init__(self, word_to_idx, input_dim, wordvec_dim, num_heads=4, num_layers=2, max_length=50):
        super().__init__()
        vocab_size = len(word_to_idx)
        self.vocab_size = vocab_size
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        self.visual_projection = nn.Linear(input_dim, wordvec_dim)
        self.embedding = nn.Embedding(vocab_size, wordvec_dim, padding_idx=self._null)
        self.positional_encoding = PositionalEncoding(wordvec_dim, max_len=max_length)

        decoder_layer = TransformerDecoderLayer(input_dim=wordvec_dim, num_heads=num_heads)
        self.transformer = TransformerDecoder(decoder_layer, num_layers=num_layers)
        self.apply(init_transformer_weights)

        self.output = nn.Linear(wordvec_dim, vocab_size)

    def forward(self, features, captions):
        """The scores of every word of the vocabulary at every position of the captions.

        Inputs:
        - features: (N, D), the images' features (floating, the model's dtype).
        - captions: (N, T), integer tensor: the words given to the decoder (a caption
          without its last word, during training).

        Returns:
        - scores: (N, T, V): scores[n, t] are the scores of the word that follows
          captions[n, :t + 1]; they depend on the image and on the words at positions
          0 ... t only (a causal mask hides the later words from the self-attention).

        Steps: embed the words and add the positional encoding (N, T, W); project the
        features to (N, 1, W), the memory the decoder attends to; build the (T, T)
        causal mask (causal_mask, on the captions' device); run the decoder; project its
        output to the vocabulary with self.output.
        """
        N, T = captions.shape
        scores = None
        # TODO: the steps of the docstring.
        # BEGIN SOLUTION
        words = self.positional_encoding(self.embedding(captions))          # (N, T, W)
        memory = self.visual_projection(features).unsqueeze(1)              # (N, 1, W)
        decoded = self.transformer(words, memory, tgt_mask=causal_mask(T, captions.device))
        scores = self.output(decoded)                                       # (N, T, V)
        # END SOLUTION
        return scores

    def sample(self, features, max_length=30):
        """Captions written by greedy decoding: start from <START>; at each step, feed
        the caption so far, take the highest-scoring next word (argmax) and append it.

        Inputs:
        - features: (N, D), array or tensor of the images' features.
        - max_length: the number of words to write (at most the model's max_length).

        Returns:
        - captions: NumPy int64 array (N, max_length), without the <START> word:
          captions[n, t] is the word written at step t. Once a caption has written
          <END>, the rest of it is <NULL>.

        Runs without gradients and in evaluation mode (dropout off), then puts the
        module back in the mode it was in. Works on the module's device.
        """
        captions = None
        # TODO: the greedy decoding of the docstring (a loop over the steps, all the
        # captions of the minibatch at once).
        # BEGIN SOLUTION
        was_training = self.training
        self.eval()
        weight = self.output.weight
        with torch.no_grad():
            features = torch.as_tensor(np.asarray(features) if not torch.is_tensor(features) else features,
                                       dtype=weight.dtype, device=weight.device)
            N = features.shape[0]
            captions = np.full((N, max_length), self._null, dtype=np.int64)
            partial = torch.full((N, 1), self._start, dtype=torch.long, device=weight.device)
            finished = torch.zeros(N, dtype=torch.bool, device=weight.device)
            for t in range(max_length):
                word = self.forward(features, partial)[:, -1, :].argmax(dim=1)   # (N,)
                word = word.masked_fill(finished, self._null)
                captions[:, t] = word.cpu().numpy()
                if self._end is not None:
                    finished |= word == self._end
                if finished.all():
                    break
                partial = torch.cat([partial, word[:, None]], dim=1)
        self.train(was_training)
        # END SOLUTION
        return captions
