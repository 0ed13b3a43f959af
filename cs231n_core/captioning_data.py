"""Data for image captioning: captioned digit scenes, and CS231n's COCO captioning files.

Two sources, both returned in the layout of CS231n's ``load_coco_data``:

* **Captioned digit scenes** (:func:`load_digit_captions`): the digit scenes of
  :func:`cs231n_core.detection_data.make_digit_scenes` (real MNIST digits placed on a
  blank canvas, exact boxes and classes), each with several reference captions written
  from its true layout by a small grammar ("a 7 left of a 2", "three digits , the
  largest is a 5", ...), and image features from a fixed CNN: the course's own digit
  classifier (:mod:`cs231n_core.pretrained_models`) slid over the scene. Always
  available offline, exact, and deterministic under a seed; each split draws its digits
  from its own disjoint part of the embedded MNIST digits.
* **COCO** (:func:`load_coco_data`), for those who have CS231n's ``coco_captioning``
  files (VGG-16 fc7 features of the COCO 2014 images, their captions and vocabulary):
  read from CS231n's own file layout. They are not downloaded by the course.

    data = load_digit_captions(num_train=2000, num_val=500, seed=0)
    data["train_captions"]      # int32 (M, CAPTION_LENGTH), <NULL>-padded word indices
    data["train_image_idxs"]    # int32 (M,): the image of each caption
    data["train_features"]      # float32 (N, FEATURE_DIM): one row per image (standardized)
    data["train_images"]        # float32 (N, S, S) in [0, 1], for showing under captions
    data["idx_to_word"][data["word_to_idx"]["<END>"]]   # "<END>"

Captions are word indices, ``<START>`` first and ``<END>`` last, padded with ``<NULL>``
(index 0) to a fixed length, as CS231n stores them. :func:`decode_captions` turns them
back into text, :func:`sample_coco_minibatch` draws a minibatch of (captions, features,
images), and :func:`BLEU_score` / :func:`bleu_score` measure sampled captions against
an image's reference captions (BLEU, written here with NumPy alone).
"""
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = [
    "NULL", "START", "END", "UNK", "SPECIAL_TOKENS", "WORDS", "CAPTION_LENGTH",
    "FEATURE_DIM", "CaptioningDataError", "caption_vocabulary", "describe_scene",
    "encode_captions", "decode_captions", "caption_words", "scene_features", "standardize_features",
    "make_captioned_scenes", "load_digit_captions", "sample_coco_minibatch",
    "load_coco_data", "coco_instructions", "COCO_FILES", "bleu_score", "BLEU_score", "evaluate_bleu",
]

# CS231n's special tokens, at CS231n's indices: <NULL> pads a caption to the fixed length
# (index 0, which the loss masks out), <START> and <END> frame it, <UNK> stands for a word
# outside the vocabulary (the grammar below never needs it).
NULL, START, END, UNK = "<NULL>", "<START>", "<END>", "<UNK>"
SPECIAL_TOKENS = (NULL, START, END, UNK)

# Every word of the grammar, after the special tokens in the vocabulary.
WORDS = (
    "a", "no", "one", "two", "three", "single", "digit", "digits", ",", "and", "is",
    "the", "left", "right", "of", "above", "below", "in", "on", "at", "top", "bottom",
    "middle", "center", "large", "small", "larger", "smaller", "largest", "smallest",
    "from", "to",
) + tuple(str(d) for d in range(10))

# Tokens of a stored caption, <START> and <END> included: the longest caption of the
# grammar ("<START> a 1 , a 4 and a 9 from left to right <END>") has 14.
CAPTION_LENGTH = 14

# Captions for a scene of more digits than this name only how many there are.
_COUNT_WORDS = {0: "no", 1: "one", 2: "two", 3: "three"}


class CaptioningDataError(ValueError):
    """Captioning data is missing, malformed, or cannot be made as asked."""


# --------------------------------------------------------------------------------------
# Vocabulary and captions as word indices
# --------------------------------------------------------------------------------------

def caption_vocabulary():
    """(word_to_idx, idx_to_word) of the digit captions: a dict {word: index} and a list
    whose entry i is word i; <NULL> is 0, then <START>, <END>, <UNK>, then WORDS."""
    idx_to_word = list(SPECIAL_TOKENS + WORDS)
    return {word: i for i, word in enumerate(idx_to_word)}, idx_to_word


def encode_captions(captions, word_to_idx, length=CAPTION_LENGTH):
    """Captions (strings of space-separated words, without <START> and <END>) as word
    indices.

    Returns an int32 array (len(captions), length): <START>, the words (a word outside
    the vocabulary becomes <UNK>), <END>, then <NULL> up to `length`. Raises
    CaptioningDataError for a caption that does not fit.
    """
    out = np.full((len(captions), length), word_to_idx[NULL], dtype=np.int32)
    for i, caption in enumerate(captions):
        words = [START] + caption.split() + [END]
        if len(words) > length:
            raise CaptioningDataError("the caption %r needs %d tokens, more than %d"
                                      % (caption, len(words), length))
        out[i, :len(words)] = [word_to_idx.get(w, word_to_idx[UNK]) for w in words]
    return out


def decode_captions(captions, idx_to_word):
    """Word indices back to text, as CS231n's decode_captions: each caption's words up to
    and including its first <END>, <NULL>s left out.

    Inputs:
    - captions: int array (N, T) of word indices, or one caption (T,).
    - idx_to_word: list (or dict) from index to word.

    Returns a list of N strings (one string for a single caption of shape (T,)).
    """
    captions = np.asarray(captions)
    single = captions.ndim == 1
    decoded = []
    for row in np.atleast_2d(captions):
        words = []
        for index in row:
            word = idx_to_word[int(index)]
            if word != NULL:
                words.append(word)
            if word == END:
                break
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def caption_words(caption):
    """The words a caption is scored on: its text split at spaces, without <START>,
    <END> and <NULL> (CS231n's BLEU leaves them out)."""
    return [w for w in caption.split() if w not in (START, END, NULL)]


# --------------------------------------------------------------------------------------
# The grammar: captions from a scene's true layout
# --------------------------------------------------------------------------------------

def _position_phrase(cx, cy, size):
    """Where a digit's centre lies, in thirds of the canvas: "in the top left", "on the
    right", "at the bottom", "in the middle", ..."""
    row = "top" if cy < size / 3 else "bottom" if cy >= 2 * size / 3 else "middle"
    column = "left" if cx < size / 3 else "right" if cx >= 2 * size / 3 else "center"
    if row == "middle" and column == "center":
        return "in the middle"
    if row == "middle":
        return "on the " + column
    if column == "center":
        return "at the " + row
    return "in the %s %s" % (row, column)


def _size_word(height, size):
    """"large" for a digit at least 0.4 of the canvas tall, "small" for one at most 0.3,
    else None (with the default heights, 16 to 28 pixels of 64: small up to 19, large
    from 26)."""
    if height >= 0.4 * size:
        return "large"
    if height <= 0.3 * size:
        return "small"
    return None


def _extreme(heights, labels, pick):
    """The label of the uniquely tallest (pick=max) or shortest (pick=min) digit, at
    least 2 pixels apart from every other, or None when no digit stands out."""
    order = np.argsort(heights)
    first, second = (order[-1], order[-2]) if pick is max else (order[0], order[1])
    return str(labels[first]) if abs(heights[first] - heights[second]) >= 2 else None


def describe_scene(boxes, labels, image_size=64):
    """Every caption the grammar gives a scene, from its true layout.

    Inputs:
    - boxes: float array (K, 4) of the digits' boxes (x1, y1, x2, y2).
    - labels: int array (K,) of their classes 0..9.
    - image_size: the side S of the canvas.

    Returns a list of distinct strings (space-separated words, without <START> and
    <END>). Digits are named left to right (by the centres of their boxes); a relation
    ("left of", "above") is the one along which two digits lie farther apart; "the
    largest" / "the larger" names the tallest digit only when it is at least 2 pixels
    taller than every other ("the smallest" likewise).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    labels = np.asarray(labels).reshape(-1)
    count = len(labels)
    if count == 0:
        return ["no digits"]
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    order = np.argsort(cx, kind="stable")
    cx, cy, labels = cx[order], cy[order], labels[order]
    heights = (boxes[:, 3] - boxes[:, 1])[order]
    named = ["a %d" % label for label in labels]
    captions = []
    if count == 1:
        where = _position_phrase(cx[0], cy[0], image_size)
        captions += [named[0], "a single %d" % labels[0], "one digit , " + named[0],
                     "%s %s" % (named[0], where)]
        size_word = _size_word(heights[0], image_size)
        if size_word:
            captions += ["a %s %d" % (size_word, labels[0]),
                         "a %s %d %s" % (size_word, labels[0], where)]
        return captions
    if count > 3:
        return ["%d digits" % count] if count < 10 else ["digits"]
    listed = " and ".join([" , ".join(named[:-1]), named[-1]])
    words = {2: ("larger", "smaller"), 3: ("largest", "smallest")}[count]
    captions += [listed, "%s digits , %s" % (_COUNT_WORDS[count], listed)]
    if count == 2:
        dx, dy = cx[1] - cx[0], cy[1] - cy[0]
        if abs(dy) > dx:  # one above the other
            upper, lower = (named[0], named[1]) if dy > 0 else (named[1], named[0])
            captions += ["%s above %s" % (upper, lower), "%s below %s" % (lower, upper)]
        else:
            captions += ["%s left of %s" % (named[0], named[1]),
                         "%s right of %s" % (named[1], named[0])]
    else:
        captions.append(listed + " from left to right")
    for word, pick in zip(words, (max, min)):
        label = _extreme(heights, labels, pick)
        if label is not None:
            captions.append("%s digits , the %s is a %s" % (_COUNT_WORDS[count], word, label))
    return captions


# --------------------------------------------------------------------------------------
# Image features: the course's digit classifier slid over the scene
# --------------------------------------------------------------------------------------

_FEATURE_SCALES = (1.0, 0.75)   # the scene as it is, and shrunk so large digits fit 28x28
_FEATURE_PAD = 4                # background pixels around the scene before sliding
_FEATURE_GRID = 3               # regions per side of the "where" part of the features
_HIDDEN = 64                    # units of the classifier's last hidden layer (relu4)

# Per image: the hidden layer's maximum over the scene at each scale (what is there),
# then its maximum over each of 3x3 regions of the full-size scene (where it is).
FEATURE_DIM = _HIDDEN * (len(_FEATURE_SCALES) + _FEATURE_GRID ** 2)


def _hidden_maps(model, x):
    """The classifier's last hidden layer (after its ReLU) at every position of the
    scene: its convolutions as they are, then its first fully connected layer applied
    as a 3x3 convolution over their 3x3 output windows. (N, 64, H', W')."""
    import torch

    from .pretrained_models import layer_index

    features = model[:layer_index("pool3") + 1](x)
    fc1 = model[layer_index("fc1")]
    weight = fc1.weight.reshape(fc1.out_features, features.shape[1], 3, 3)
    return torch.relu(torch.nn.functional.conv2d(features, weight, fc1.bias))


def scene_features(images, batch_size=500):
    """Fixed CNN features of scenes, as CS231n's captioning uses a CNN's features.

    The course's digit classifier (cs231n_core.pretrained_models, trained on single
    28x28 MNIST digits, its weights shipped with the course) is made fully
    convolutional and slid over the scene, at full size and shrunk to 3/4 (so that the
    largest digits fit its window); its last hidden layer (64 ReLU units) is taken at
    every position. The features are the maximum of each unit over the whole scene at
    both sizes (which digits are there) and over each of 3x3 regions of the full-size
    scene (where they are). No weight is trained here: the same images always give the
    same features.

    Input:
    - images: float array (N, 1, S, S) or (N, S, S), intensities in [0, 1] (0 is
      background), e.g. make_digit_scenes' "images".

    Returns float32 array (N, FEATURE_DIM).
    """
    import torch

    from .pretrained_models import DIGITS_MEAN, DIGITS_STD, load_digits_classifier

    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] != 1:
        raise CaptioningDataError("images must have shape (N, 1, S, S) or (N, S, S), got %s"
                                  % (images.shape,))
    model = load_digits_classifier()
    background = -DIGITS_MEAN / DIGITS_STD
    out = np.zeros((len(images), FEATURE_DIM), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = (torch.from_numpy(images[start:start + batch_size]) - DIGITS_MEAN) / DIGITS_STD
            parts = []
            for scale in _FEATURE_SCALES:
                scaled = x if scale == 1.0 else torch.nn.functional.interpolate(
                    x, scale_factor=scale, mode="bilinear", align_corners=False)
                padded = torch.nn.functional.pad(scaled, (_FEATURE_PAD,) * 4, value=background)
                hidden = _hidden_maps(model, padded)
                parts.append(hidden.amax(dim=(2, 3)))
                if scale == 1.0:
                    regions = torch.nn.functional.adaptive_max_pool2d(hidden, _FEATURE_GRID)
            parts.append(regions.flatten(1))
            out[start:start + batch_size] = torch.cat(parts, dim=1).numpy()
    return out


def standardize_features(train_features, *other_features):
    """Features centred and scaled per dimension by the training split's mean and
    standard deviation (as CS231n's PCA features are centred): a network whose first
    layer is drawn for inputs of unit scale then starts neither saturated nor blind to
    the differences between images. Returns float32 arrays, the training split's first.
    """
    mean = train_features.mean(axis=0)
    std = train_features.std(axis=0) + 1e-3   # a dimension that never varies stays 0
    return tuple(((f - mean) / std).astype(np.float32) for f in (train_features,) + other_features)


# --------------------------------------------------------------------------------------
# Captioned digit scenes
# --------------------------------------------------------------------------------------

def make_captioned_scenes(num_scenes, split="train", seed=0, captions_per_image=4,
                          image_size=64, features=True):
    """Digit scenes with their reference captions and features.

    Inputs:
    - num_scenes: number of scenes N.
    - split: "train", "val" or "test": make_digit_scenes' disjoint digit sources.
    - seed: the scenes and the choice of their captions depend only on (seed, split,
      the scene's index) and the sizes asked for.
    - captions_per_image: stored captions per scene (fewer where the grammar gives
      fewer), drawn without repetition from all the grammar gives.
    - image_size: side S of the canvas.
    - features: compute scene_features (False leaves "features" None).

    Returns a dict:
    - "captions": int32 (M, CAPTION_LENGTH) word indices; "image_idxs": int32 (M,);
    - "features": float32 (N, FEATURE_DIM) or None; "images": float32 (N, S, S);
    - "references": list of N lists of strings: every caption the grammar gives each
      scene (what BLEU compares with);
    - "boxes", "labels": the scenes' true layouts (make_digit_scenes').
    """
    from .detection_data import make_digit_scenes

    if int(captions_per_image) < 1:
        raise CaptioningDataError("captions_per_image must be at least 1, got %s" % captions_per_image)
    scenes = make_digit_scenes(num_scenes, split=split, image_size=image_size, seed=seed)
    word_to_idx, _ = caption_vocabulary()
    references, chosen, image_idxs = [], [], []
    split_code = {"train": 0, "val": 1, "test": 2}[split]
    for i, (boxes, labels) in enumerate(zip(scenes["boxes"], scenes["labels"])):
        captions = describe_scene(boxes, labels, image_size)
        references.append(captions)
        rng = np.random.default_rng([int(seed), split_code, i, 2])
        picked = rng.permutation(len(captions))[:int(captions_per_image)]
        chosen += [captions[k] for k in sorted(picked)]
        image_idxs += [i] * len(picked)
    images = scenes["images"][:, 0]
    return {"captions": encode_captions(chosen, word_to_idx),
            "image_idxs": np.asarray(image_idxs, dtype=np.int32),
            "features": scene_features(images) if features else None,
            "images": images, "references": references,
            "boxes": scenes["boxes"], "labels": scenes["labels"]}


def load_digit_captions(num_train=2000, num_val=500, seed=0, captions_per_image=4,
                        image_size=64):
    """Captioned digit scenes in the layout of CS231n's load_coco_data.

    Returns a dict, for split in ("train", "val"):
    - "<split>_captions": int32 (M, CAPTION_LENGTH) word indices, <NULL>-padded;
    - "<split>_image_idxs": int32 (M,), the image (row of the features) of each caption;
    - "<split>_features": float32 (N, FEATURE_DIM), scene_features of each image,
      standardized by the training split's statistics (standardize_features);
    - "<split>_images": float32 (N, S, S), the scenes, for plt.imshow;
    - "<split>_references": list of N lists of every caption of each image (strings);
    and "word_to_idx" (dict) and "idx_to_word" (list), "source": "digit scenes".
    The splits draw their digits from disjoint MNIST images.
    """
    word_to_idx, idx_to_word = caption_vocabulary()
    data = {"word_to_idx": word_to_idx, "idx_to_word": idx_to_word, "source": "digit scenes"}
    for split, count in (("train", num_train), ("val", num_val)):
        part = make_captioned_scenes(count, split=split, seed=seed, image_size=image_size,
                                     captions_per_image=captions_per_image)
        for key in ("captions", "image_idxs", "features", "images", "references"):
            data["%s_%s" % (split, key)] = part[key]
    data["train_features"], data["val_features"] = standardize_features(
        data["train_features"], data["val_features"])
    return data


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch of captions, as CS231n's sample_coco_minibatch (drawn with
    replacement, from NumPy's global random state).

    Returns (captions (B, T) int, image_features (B, D), images): the scenes
    ("<split>_images") for digit captions, the images' URLs ("<split>_urls") for COCO.
    """
    captions = data["%s_captions" % split]
    rows = np.random.choice(captions.shape[0], batch_size)
    image_idxs = data["%s_image_idxs" % split][rows]
    images = data.get("%s_images" % split, data.get("%s_urls" % split))
    return (captions[rows], data["%s_features" % split][image_idxs],
            None if images is None else images[image_idxs])


# --------------------------------------------------------------------------------------
# CS231n's COCO captioning files
# --------------------------------------------------------------------------------------

# The files of CS231n's coco_captioning folder (its assignment's get_datasets.sh unpacks
# them): captions and image indices (HDF5), VGG-16 fc7 features of the images (4096
# values, or 512 after PCA; HDF5, dataset "features"), the vocabulary (JSON) and the
# images' URLs (text, one per line).
COCO_FILES = ("coco2014_captions.h5", "coco2014_vocab.json", "train2014_vgg16_fc7.h5",
              "val2014_vgg16_fc7.h5", "train2014_vgg16_fc7_pca.h5", "val2014_vgg16_fc7_pca.h5",
              "train2014_urls.txt", "val2014_urls.txt")


def _coco_folder(base_dir):
    if base_dir is None:
        from .data_utils import data_root
        base_dir = data_root() / "coco_captioning"
    return Path(os.path.expanduser(str(base_dir)))


def coco_instructions(base_dir=None):
    """Where CS231n's COCO captioning files go, in one sentence (the course does not
    download them: no checksum of CS231n's archive is known here to verify one)."""
    return ("the course does not download CS231n's COCO captioning files: fetch CS231n's "
            "coco_captioning.zip (its assignment's get_datasets.sh) and unpack it into %s, "
            "or pass its folder to load_coco_data as base_dir; the digit captions "
            "(load_digit_captions) need nothing" % _coco_folder(base_dir))


def load_coco_data(base_dir=None, max_train=None, pca_features=True):
    """CS231n's COCO captioning data, read from CS231n's own files.

    Inputs:
    - base_dir: the folder holding CS231n's coco_captioning files (COCO_FILES); by
      default <data_root>/coco_captioning. The course does not download them: put
      CS231n's coco_captioning folder there.
    - max_train: keep this many training captions, drawn at random with replacement
      from NumPy's global random state (as CS231n does); None keeps them all.
    - pca_features: the 512-value PCA features (True) or the 4096-value fc7 ones.

    Returns a dict as CS231n's: "train_captions", "train_image_idxs", "val_captions",
    "val_image_idxs" (int arrays from coco2014_captions.h5), "train_features",
    "val_features" (float32 (N, D)), "idx_to_word" (list), "word_to_idx" (dict),
    "train_urls", "val_urls" (arrays of str), and "source": "coco".
    """
    folder = _coco_folder(base_dir)
    suffix = "_pca" if pca_features else ""
    needed = ["coco2014_captions.h5", "coco2014_vocab.json", "train2014_urls.txt",
              "val2014_urls.txt"] + ["%s2014_vgg16_fc7%s.h5" % (s, suffix) for s in ("train", "val")]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise CaptioningDataError("CS231n's COCO captioning files are not in %s (missing: %s); %s."
                                  % (folder, ", ".join(missing), coco_instructions(folder)))
    try:
        import h5py
    except ImportError:
        raise CaptioningDataError("reading CS231n's COCO files needs h5py: pip install h5py") from None
    data = {}
    with h5py.File(folder / "coco2014_captions.h5", "r") as f:
        for key, value in f.items():
            data[key] = np.asarray(value)
    for split in ("train", "val"):
        with h5py.File(folder / ("%s2014_vgg16_fc7%s.h5" % (split, suffix)), "r") as f:
            data["%s_features" % split] = np.asarray(f["features"])
        lines = (folder / ("%s2014_urls.txt" % split)).read_text().split("\n")
        data["%s_urls" % split] = np.asarray([line.strip() for line in lines if line.strip()])
    vocabulary = json.loads((folder / "coco2014_vocab.json").read_text())
    data["idx_to_word"] = list(vocabulary["idx_to_word"])
    data["word_to_idx"] = {str(k): int(v) for k, v in vocabulary["word_to_idx"].items()}
    if max_train is not None:
        rows = np.random.randint(data["train_captions"].shape[0], size=int(max_train))
        data["train_captions"] = data["train_captions"][rows]
        data["train_image_idxs"] = data["train_image_idxs"][rows]
    data["source"] = "coco"
    return data


# --------------------------------------------------------------------------------------
# BLEU
# --------------------------------------------------------------------------------------

def _words(sentence):
    return caption_words(sentence) if isinstance(sentence, str) else [
        w for w in sentence if w not in (START, END, NULL)]


def _ngrams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu_score(references, hypothesis, max_n=1):
    """Sentence BLEU of one hypothesis against its references, with uniform weights over
    the n-gram orders 1..max_n, as NLTK's sentence_bleu without smoothing (BLEU-1 is
    CS231n's unigram BLEU, BLEU-4 the usual one).

    Inputs:
    - references: the image's reference captions: a list of strings (words separated
      by spaces) or of word lists; one string alone is one reference.
    - hypothesis: the caption to score (a string or a word list).
    - max_n: the highest n-gram order.
    <START>, <END> and <NULL> are left out of every caption first.

    BLEU = BP * exp(mean over n of log p_n): p_n is the modified n-gram precision (each
    n-gram of the hypothesis counts at most as often as it appears in one reference),
    and the brevity penalty BP = exp(1 - r / c) when the hypothesis's length c is below
    r, the length of the reference closest to c (the shorter one on a tie), else 1.
    The score is 0 for an empty hypothesis and when some order has no match at all.

    Returns a float in [0, 1].
    """
    if isinstance(references, str):
        references = [references]
    references = [_words(r) for r in references]
    hypothesis = _words(hypothesis)
    if not hypothesis or not references:
        return 0.0
    log_precision = 0.0
    for n in range(1, int(max_n) + 1):
        counts = _ngrams(hypothesis, n)
        best = Counter()
        for reference in references:
            best |= _ngrams(reference, n)   # |: the largest count of each n-gram
        matches = sum(min(count, best[gram]) for gram, count in counts.items())
        if matches == 0:
            return 0.0
        log_precision += np.log(matches / sum(counts.values())) / max_n
    c = len(hypothesis)
    r = min((len(reference) for reference in references), key=lambda length: (abs(length - c), length))
    brevity = 1.0 if c > r else float(np.exp(1.0 - r / c))
    return float(brevity * np.exp(log_precision))


def BLEU_score(gt_captions, sample_caption):
    """CS231n's unigram BLEU of a sampled caption against the image's ground-truth
    captions (one string or a list of strings): bleu_score with max_n=1."""
    return bleu_score(gt_captions, sample_caption, max_n=1)


def evaluate_bleu(sample, data, split="val", max_n=1, num_images=None, max_length=None,
                  batch_size=500):
    """The mean sentence BLEU of a captioning model's samples over a split's images.

    Inputs:
    - sample: the model's sampling function, features (B, D) -> captions (B, T) of word
      indices (e.g. model.sample).
    - data: load_digit_captions' dict (or load_coco_data's).
    - split: "train" or "val".
    - max_n: 1 for CS231n's unigram BLEU, 4 for BLEU-4.
    - num_images: score the first images only (None: all of the split's images).
    - max_length: passed to sample when given.

    Each image's caption is scored against all the image's reference captions (its
    "<split>_references" when the data has them, else its captions in the data).

    Returns (mean BLEU, list of the sampled captions as text).
    """
    features = data["%s_features" % split]
    count = len(features) if num_images is None else min(int(num_images), len(features))
    references = data.get("%s_references" % split)
    if references is None:
        texts = decode_captions(data["%s_captions" % split], data["idx_to_word"])
        references = [[] for _ in range(len(features))]
        for index, text in zip(data["%s_image_idxs" % split], texts):
            references[int(index)].append(text)
    sampled = []
    for start in range(0, count, batch_size):
        batch = features[start:min(start + batch_size, count)]
        captions = sample(batch) if max_length is None else sample(batch, max_length=max_length)
        sampled += decode_captions(np.asarray(captions).reshape(len(batch), -1), data["idx_to_word"])
    scores = [bleu_score(references[i], sampled[i], max_n=max_n) for i in range(count)]
    return float(np.mean(scores)) if scores else 0.0, sampled
