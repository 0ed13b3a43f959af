"""Transformer layers of assignment 4 (CS231n's transformer_layers.py), in PyTorch.

The pieces of a Transformer ("Attention Is All You Need", Vaswani et al., 2017) and of a
Vision Transformer ("An Image is Worth 16x16 Words", Dosovitskiy et al., 2020), built as
CS231n builds them, so that with the same ``torch.manual_seed`` every module here holds
the same weights as CS231n's and its evaluation-mode outputs equal the values CS231n's
notebooks print:

* ``PositionalEncoding``: the sines and cosines added to a sequence of embeddings;
* ``MultiHeadAttention``: scaled dot-product attention with several heads, written by
  hand (masks where 0/False means "may not attend", dropout on the attention weights);
* ``TransformerDecoderLayer``: masked self-attention, cross-attention to a memory and a
  feed-forward network, each with a residual connection and a layer norm (post-norm);
* ``TransformerEncoderLayer``: self-attention and a feed-forward network;
* ``PatchEmbedding``: an image cut into square patches, each flattened as (C, P, P)
  and projected linearly;
* ``VisionTransformer``: patches, positional encoding, encoder layers, the average of
  the patch vectors and a linear classifier.

``FeedForwardNetwork``, ``TransformerDecoder``, ``TransformerEncoder`` and ``clones`` are
given. Shapes: N is the minibatch size, S and T sequence lengths, E (or D) the embedding
dimension, H the number of heads. Everything is device-agnostic: buffers move with the
module, and masks are made on the device of the inputs.

Do not change the order in which ``__init__`` methods create their layers: each layer
draws its initial weights from torch's random numbers, so the order decides the
weights (and the values the checks compare with).
"""
import copy
import math

import torch
import torch.nn as nn

__all__ = ["PositionalEncoding", "MultiHeadAttention", "FeedForwardNetwork",
           "TransformerDecoderLayer", "TransformerEncoderLayer", "PatchEmbedding", "add_blocks",
           "TransformerDecoder", "TransformerEncoder", "VisionTransformer", "clones",
           "init_transformer_weights"]


class PositionalEncoding(nn.Module):
    """Adds information about each token's position to a sequence of embeddings. It has
    no learnable parameters: the encoding is a fixed function of sines and cosines.

    Inputs of __init__:
    - embed_dim: D, the embedding dimension (even).
    - dropout: the dropout probability applied after adding the encoding.
    - max_len: the longest sequence the layer accepts.

    The encoding P, of shape (max_len, D), holds in row i (position i) and column j

        P[i, j] = sin(i * 10000 ** (-j / D))          for even j,
        P[i, j] = cos(i * 10000 ** (-(j - 1) / D))    for odd j,

    so the exponents run 0, 0, 2, 2, 4, 4, ... . It is stored as the buffer self.pe of
    shape (1, max_len, D) (a buffer moves with the module and is saved with it, but is
    never trained).

    forward(x): x of shape (N, S, D) with S <= max_len; returns dropout(x + P[:S]), of
    shape (N, S, D).
    """

    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        assert embed_dim % 2 == 0, "the embedding dimension must be even"
        # A leading dimension of 1 broadcasts over the examples of a minibatch.
        pe = torch.zeros(1, max_len, embed_dim)
        # TODO: fill pe as the docstring says, sines in the even columns and cosines in
        # the odd ones (a few lines, no loop).
        # BEGIN SOLUTION
        position = torch.arange(max_len, dtype=torch.float32)[:, None]
        exponents = torch.arange(0, embed_dim, 2, dtype=torch.float32)
        frequencies = torch.pow(10000.0, -exponents / embed_dim)
        pe[0, :, 0::2] = torch.sin(position * frequencies)
        pe[0, :, 1::2] = torch.cos(position * frequencies)
        # END SOLUTION
        self.register_buffer("pe", pe)

    def forward(self, x):
        N, S, D = x.shape
        output = None
        # TODO: add the encoding of the first S positions to x, then apply dropout.
        # BEGIN SOLUTION
        output = self.dropout(x + self.pe[:, :S, :])
        # END SOLUTION
        return output


class MultiHeadAttention(nn.Module):
    """Multi-headed scaled dot-product attention, with an optional mask.

    Inputs of __init__:
    - embed_dim: E, the embedding dimension, divisible by num_heads.
    - num_heads: H, the number of heads; each works on E / H dimensions.
    - dropout: the dropout probability of the attention weights.

    Layers (given; their order decides the initial weights): self.key, self.query,
    self.value and self.proj, each nn.Linear(E, E), and self.attn_drop, the dropout of
    the attention weights.

    forward(query, key, value, attn_mask=None):
    - query: (N, S, E), the sequence that attends (S target positions);
    - key, value: (N, T, E), the sequence attended to (T source positions);
    - attn_mask: None, or (S, T) of bools or 0/1: attn_mask[i, j] == 0 (False) means
      that position i of the query may NOT attend to position j of the key.
    Returns the output (N, S, E):

        Q = query @ Wq, K = key @ Wk, V = value @ Wv    (self.query, self.key, self.value)
        split each into H heads of E / H dimensions: (N, H, S or T, E / H)
        A = softmax(Q K^T / sqrt(E / H)) over the key positions, (N, H, S, T), with the
            masked scores set to -inf before the softmax
        Y = dropout(A) V, the heads merged back into (N, S, E) in order
        output = self.proj(Y)

    Dropout acts on the attention weights only, and only in training mode (model.eval()
    turns it off). Compute all heads at once (reshape, transpose, torch.matmul): no
    loop, no nn.MultiheadAttention, no F.scaled_dot_product_attention.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.1):
        super().__init__()
        assert embed_dim % num_heads == 0, "embed_dim must be divisible by num_heads"
        # Given: creating these layers in another order would change the weights that
        # torch.manual_seed gives them.
        self.key = nn.Linear(embed_dim, embed_dim)
        self.query = nn.Linear(embed_dim, embed_dim)
        self.value = nn.Linear(embed_dim, embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

        self.attn_drop = nn.Dropout(dropout)

        self.n_head = num_heads
        self.emd_dim = embed_dim
        self.head_dim = self.emd_dim // self.n_head

    def forward(self, query, key, value, attn_mask=None):
        N, S, E = query.shape
        N, T, E = value.shape
        output = None
        # TODO: multi-headed attention, as the docstring says. Hints: view (N, T, E) as
        # (N, T, H, E / H) and transpose to (N, H, T, E / H); torch.matmul multiplies
        # the last two dimensions batch by batch; masked_fill sets the masked scores.
        # BEGIN SOLUTION
        H, head_dim = self.n_head, self.head_dim
        q = self.query(query).view(N, S, H, head_dim).transpose(1, 2)   # (N, H, S, E/H)
        k = self.key(key).view(N, T, H, head_dim).transpose(1, 2)       # (N, H, T, E/H)
        v = self.value(value).view(N, T, H, head_dim).transpose(1, 2)   # (N, H, T, E/H)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(head_dim)  # (N, H, S, T)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, float("-inf"))
        weights = self.attn_drop(torch.softmax(scores, dim=-1))
        heads = torch.matmul(weights, v)                                 # (N, H, S, E/H)
        output = self.proj(heads.transpose(1, 2).reshape(N, S, E))
        # END SOLUTION
        return output


class FeedForwardNetwork(nn.Module):
    """Two fully connected layers with a GELU and dropout between them (given):
    fc2(dropout(gelu(fc1(x)))), x of shape (N, T, D) -> (N, T, D).

    Inputs of __init__: embed_dim D, ffn_dim (the hidden width), dropout.
    """

    def __init__(self, embed_dim, ffn_dim, dropout=0.1):
        super().__init__()
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.gelu = nn.GELU()
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(ffn_dim, embed_dim)

    def forward(self, x):
        return self.fc2(self.dropout(self.gelu(self.fc1(x))))


def add_blocks(layer, attentions, input_dim, num_heads, dim_feedforward, dropout):
    """Give a Transformer layer its sublayers (given), in CS231n's order: for each name in
    `attentions` ("self", "cross") a MultiHeadAttention <name>_attn, then the
    FeedForwardNetwork ffn, then for each block (the attentions', then "ffn") its
    nn.LayerNorm norm_<block>, then its nn.Dropout dropout_<block>. The order decides
    the initial weights (each layer draws them when it is made)."""
    for name in attentions:
        setattr(layer, name + "_attn", MultiHeadAttention(input_dim, num_heads, dropout))
    layer.ffn = FeedForwardNetwork(input_dim, dim_feedforward, dropout)
    blocks = tuple(attentions) + ("ffn",)
    for block in blocks:
        setattr(layer, "norm_" + block, nn.LayerNorm(input_dim))
    for block in blocks:
        setattr(layer, "dropout_" + block, nn.Dropout(dropout))


class TransformerDecoderLayer(nn.Module):
    """One layer of a Transformer decoder: three blocks, each a sublayer, dropout on its
    output, a residual connection and a layer norm (post-norm, as in the original paper):

        tgt = norm_self(tgt + dropout_self(self_attn(tgt, tgt, tgt, tgt_mask)))
        tgt = norm_cross(tgt + dropout_cross(cross_attn(tgt, memory, memory)))
        tgt = norm_ffn(tgt + dropout_ffn(ffn(tgt)))

    Inputs of __init__: input_dim D, num_heads, dim_feedforward (the feed-forward
    network's hidden width), dropout. Layers (given, add_blocks): self_attn, cross_attn
    (MultiHeadAttention), ffn (FeedForwardNetwork), norm_self, norm_cross, norm_ffn
    (nn.LayerNorm), dropout_self, dropout_cross, dropout_ffn (nn.Dropout).

    forward(tgt, memory, tgt_mask=None):
    - tgt: (N, T, D), the sequence being decoded (the caption's words so far);
    - memory: (N, S, D), what it attends to (the image's features);
    - tgt_mask: None or (T, T), the mask of the self-attention (0/False: masked); the
      cross-attention is not masked.
    Returns (N, T, D).
    """

    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        add_blocks(self, ("self", "cross"), input_dim, num_heads, dim_feedforward, dropout)

    def forward(self, tgt, memory, tgt_mask=None):
        # The self-attention block (given): the pattern of the other two.
        shortcut = tgt
        tgt = self.self_attn(query=tgt, key=tgt, value=tgt, attn_mask=tgt_mask)
        tgt = self.dropout_self(tgt)
        tgt = tgt + shortcut
        tgt = self.norm_self(tgt)

        # TODO: the cross-attention block (queries from tgt, keys and values from
        # memory) and the feed-forward block, each as the self-attention block above.
        # BEGIN SOLUTION
        shortcut = tgt
        tgt = self.cross_attn(query=tgt, key=memory, value=memory)
        tgt = self.norm_cross(self.dropout_cross(tgt) + shortcut)

        shortcut = tgt
        tgt = self.norm_ffn(self.dropout_ffn(self.ffn(tgt)) + shortcut)
        # END SOLUTION
        return tgt


class TransformerEncoderLayer(nn.Module):
    """One layer of a Transformer encoder: a self-attention block and a feed-forward
    block, each as in TransformerDecoderLayer (dropout, residual, layer norm after):

        src = norm_self(src + dropout_self(self_attn(src, src, src, src_mask)))
        src = norm_ffn(src + dropout_ffn(ffn(src)))

    Inputs of __init__: input_dim D, num_heads, dim_feedforward, dropout. Layers (given,
    add_blocks): self_attn, ffn, norm_self, norm_ffn, dropout_self, dropout_ffn.

    forward(src, src_mask=None): src (N, S, D), src_mask None or (S, S) (0/False:
    masked). Returns (N, S, D).
    """

    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        add_blocks(self, ("self",), input_dim, num_heads, dim_feedforward, dropout)

    def forward(self, src, src_mask=None):
        # TODO: the self-attention block, then the feed-forward block (see the docstring
        # and TransformerDecoderLayer.forward).
        # BEGIN SOLUTION
        shortcut = src
        src = self.self_attn(query=src, key=src, value=src, attn_mask=src_mask)
        src = self.norm_self(self.dropout_self(src) + shortcut)

        shortcut = src
        src = self.norm_ffn(self.dropout_ffn(self.ffn(src)) + shortcut)
        # END SOLUTION
        return src


class PatchEmbedding(nn.Module):
    """Cuts square images into non-overlapping square patches and projects each one
    linearly: the input layer of a Vision Transformer.

    Inputs of __init__:
    - img_size: the images' height and width (square), divisible by patch_size.
    - patch_size: P, the patches' height and width.
    - in_channels: C, the images' channels.
    - embed_dim: the dimension of each patch's embedding.

    self.num_patches = (img_size // P) ** 2 and self.patch_dim = C * P * P; the layer
    self.proj is nn.Linear(patch_dim, embed_dim) (given).

    forward(x): x of shape (N, C, H, W), H = W = img_size. Returns (N, num_patches,
    embed_dim): patch number r * (W // P) + c (row r, column c of the grid of patches,
    row by row) is x[:, :, r*P:(r+1)*P, c*P:(c+1)*P], flattened in the order (C, P, P)
    (channel first, then the patch's rows, then its columns), then projected.
    """

    def __init__(self, img_size, patch_size, in_channels=3, embed_dim=128):
        super().__init__()
        self.img_size = img_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        assert img_size % patch_size == 0, "the image size must be divisible by the patch size"
        self.num_patches = (img_size // patch_size) ** 2
        self.patch_dim = patch_size * patch_size * in_channels
        self.proj = nn.Linear(self.patch_dim, embed_dim)

    def forward(self, x):
        N, C, H, W = x.shape
        assert H == self.img_size and W == self.img_size, \
            "expected images of %d x %d, got %d x %d" % (self.img_size, self.img_size, H, W)
        out = None
        # TODO: cut x into patches, flatten them to (N, num_patches, patch_dim) without
        # a loop (reshape and permute), and project them with self.proj.
        # BEGIN SOLUTION
        P = self.patch_size
        patches = x.reshape(N, C, H // P, P, W // P, P)           # (N, C, rows, P, cols, P)
        patches = patches.permute(0, 2, 4, 1, 3, 5)                # (N, rows, cols, C, P, P)
        out = self.proj(patches.reshape(N, self.num_patches, self.patch_dim))
        # END SOLUTION
        return out


def clones(module, count):
    """An nn.ModuleList of `count` independent deep copies of `module` (same weights)."""
    return nn.ModuleList([copy.deepcopy(module) for _ in range(count)])


class TransformerDecoder(nn.Module):
    """num_layers copies of a decoder layer, applied in turn (given)."""

    def __init__(self, decoder_layer, num_layers):
        super().__init__()
        self.layers = clones(decoder_layer, num_layers)
        self.num_layers = num_layers

    def forward(self, tgt, memory, tgt_mask=None):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask)
        return output


class TransformerEncoder(nn.Module):
    """num_layers copies of an encoder layer, applied in turn (given)."""

    def __init__(self, encoder_layer, num_layers):
        super().__init__()
        self.layers = clones(encoder_layer, num_layers)
        self.num_layers = num_layers

    def forward(self, src, src_mask=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=src_mask)
        return output


def init_transformer_weights(module):
    """CS231n's initialization of its transformers, applied with model.apply: every
    nn.Linear and nn.Embedding weight drawn from N(0, 0.02^2), linear biases zero,
    layer norms the identity (weight 1, bias 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        module.weight.data.normal_(mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
    elif isinstance(module, nn.LayerNorm):
        module.bias.data.zero_()
        module.weight.data.fill_(1.0)


class VisionTransformer(nn.Module):
    """A Vision Transformer (ViT) classifier, as CS231n builds it.

    Inputs of __init__: img_size, patch_size, in_channels, embed_dim, num_layers (of the
    encoder), num_heads, dim_feedforward, num_classes, dropout.

    Layers (given, in this order, then initialized by init_transformer_weights):
    self.patch_embed (PatchEmbedding), self.positional_encoding (PositionalEncoding of
    embed_dim with `dropout`), self.transformer (a TransformerEncoder of num_layers
    TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout)) and
    self.head (nn.Linear(embed_dim, num_classes)).

    forward(x): images (N, C, img_size, img_size) -> class scores (N, num_classes):
    embed the patches, add the positional encoding (the same 1-D sinusoids as for
    words, patches numbered row by row), run the encoder (no mask: every patch attends
    to every patch), average the patch vectors (no class token) and classify the
    average with self.head.
    """

    def __init__(self, img_size=32, patch_size=8, in_channels=3, embed_dim=128, num_layers=6,
                 num_heads=4, dim_feedforward=256, num_classes=10, dropout=0.1):
        super().__init__()
        self.num_classes = num_classes
        self.patch_embed = PatchEmbedding(img_size, patch_size, in_channels, embed_dim)
        self.positional_encoding = PositionalEncoding(embed_dim, dropout=dropout)
        encoder_layer = TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout)
        self.transformer = TransformerEncoder(encoder_layer, num_layers=num_layers)
        self.head = nn.Linear(embed_dim, num_classes)
        self.apply(init_transformer_weights)

    def forward(self, x):
        logits = None
        # TODO: patches, positional encoding, encoder, the mean over the patches
        # (torch.mean), then the classifier (see the docstring).
        # BEGIN SOLUTION
        tokens = self.positional_encoding(self.patch_embed(x))     # (N, num_patches, D)
        features = self.transformer(tokens).mean(dim=1)            # (N, D)
        logits = self.head(features)
        # END SOLUTION
        return logits
