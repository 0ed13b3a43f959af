"""Image features: histograms of oriented gradients (HOG) and colour histograms.

Library code for the features exercise (not graded): a linear classifier or a
small network often does better on such hand-made features than on raw pixels.

- hog_feature(im): a histogram of gradient orientations in each cell of the
  image (texture and shape, ignoring colour).
- color_histogram_hsv(im): a histogram of the hue of the pixels (colour,
  ignoring where the pixels are).
- extract_features(imgs, feature_fns): the features of many images, one row per
  image, the blocks of the feature functions side by side.

Everything is NumPy (no scipy) and vectorized: hog_features(imgs) and
color_histograms_hsv(imgs) handle a whole batch of images at once, and
extract_features uses them when it is given hog_feature or color_histogram_hsv.

Images are arrays of shape (H, W, 3) (RGB, values 0..255) or (H, W) and
(H, W, 1) (greyscale); a batch has a leading dimension N.
"""
import functools

import numpy as np

# ITU-R 601 luma weights, as in skimage.color.rgb2gray's older versions and CS231n.
GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114])


def rgb2gray(rgb):
    """Convert RGB images to greyscale.

    Inputs:
    - rgb: array of shape (..., 3), the red, green and blue channels last.

    Returns:
    - gray: array of shape (...), 0.299 R + 0.587 G + 0.114 B.
    """
    return np.asarray(rgb, dtype=np.float64)[..., :3] @ GRAY_WEIGHTS


def rgb_to_hsv(rgb):
    """Convert RGB colours to HSV (hue, saturation, value), like
    matplotlib.colors.rgb_to_hsv.

    Inputs:
    - rgb: array of shape (..., 3) with values in [0, 1].

    Returns:
    - hsv: array of shape (..., 3) with values in [0, 1]: the hue (0 for red,
      1/3 green, 2/3 blue; 0 for greys), the saturation (max - min) / max (0 for
      greys and black) and the value max(R, G, B).
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    delta = value - rgb.min(axis=-1)
    colourful = delta > 0
    safe_delta = np.where(colourful, delta, 1.0)  # no division by zero for greys
    saturation = np.where(value > 0, delta / np.where(value > 0, value, 1.0), 0.0)
    hue = np.select([b == value, g == value],
                    [4.0 + (r - g) / safe_delta, 2.0 + (b - r) / safe_delta],
                    (g - b) / safe_delta)
    hue = np.where(colourful, (hue / 6.0) % 1.0, 0.0)
    return np.stack([hue, saturation, value], axis=-1)


def _as_gray_batch(imgs):
    """(N, H, W, 3), (N, H, W, 1) or (N, H, W) -> float64 (N, H, W)."""
    imgs = np.asarray(imgs, dtype=np.float64)
    if imgs.ndim == 4 and imgs.shape[-1] == 3:
        return rgb2gray(imgs)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        return imgs[..., 0]
    if imgs.ndim == 3:
        return imgs
    raise ValueError("expected images of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
                     "got %s" % (imgs.shape,))


def hog_features(imgs, cell_size=8, orientations=9):
    """Histograms of oriented gradients of a batch of images.

    Each image is converted to greyscale; its gradient at every pixel is taken
    with centred differences ([-1, 0, 1], zero on the border rows and columns).
    The unsigned orientation of the gradient, in [0, 180) degrees, falls in one
    of `orientations` equal bins; each cell of cell_size x cell_size pixels
    (cells that do not fit at the right and bottom edges are dropped) gets the
    mean gradient magnitude per bin. Bin 0 holds horizontal gradients (vertical
    edges), bin orientations // 2 vertical ones (horizontal edges).

    Inputs:
    - imgs: array of shape (N, H, W, 3), (N, H, W, 1) or (N, H, W).
    - cell_size: side of a square cell, in pixels.
    - orientations: number of orientation bins.

    Returns:
    - features: array of shape (N, (H // cell_size) * (W // cell_size) *
      orientations): for each image, its cells in row-major order, each with
      its `orientations` bins.
    """
    gray = _as_gray_batch(imgs)
    num_images, height, width = gray.shape
    cells_y, cells_x = height // cell_size, width // cell_size
    if cells_y == 0 or cells_x == 0:
        raise ValueError("images of %dx%d pixels hold no cell of %dx%d"
                         % (height, width, cell_size, cell_size))
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, :, 1:-1] = gray[:, :, 2:] - gray[:, :, :-2]
    gy[:, 1:-1, :] = gray[:, 2:, :] - gray[:, :-2, :]
    magnitude = np.sqrt(gx * gx + gy * gy)
    angle = np.rad2deg(np.arctan2(gy, gx)) % 180.0                         # [0, 180]
    bins = np.minimum((angle * (orientations / 180.0)).astype(np.int64), orientations - 1)
    bins[angle >= 180.0] = 0  # -0.0 or a tiny negative angle wraps around to 180.0

    # One histogram per (image, cell): index every pixel by its image, cell and bin.
    crop_h, crop_w = cells_y * cell_size, cells_x * cell_size
    magnitude, bins = magnitude[:, :crop_h, :crop_w], bins[:, :crop_h, :crop_w]
    cell_row = np.arange(crop_h) // cell_size                              # (crop_h,)
    cell_col = np.arange(crop_w) // cell_size                              # (crop_w,)
    cell = cell_row[:, None] * cells_x + cell_col[None, :]                 # (crop_h, crop_w)
    image = np.arange(num_images)[:, None, None] * (cells_y * cells_x)
    index = (image + cell[None]) * orientations + bins                     # (N, crop_h, crop_w)
    hist = np.bincount(index.ravel(), weights=magnitude.ravel(),
                       minlength=num_images * cells_y * cells_x * orientations)
    hist = hist.astype(np.float64) / (cell_size * cell_size)  # (bincount of nothing is int)
    return hist.reshape(num_images, cells_y * cells_x * orientations)


def hog_feature(im, cell_size=8, orientations=9):
    """Histogram of oriented gradients (HOG) of one image; see hog_features.

    Inputs:
    - im: array of shape (H, W, 3), (H, W, 1) or (H, W).
    - cell_size, orientations: as in hog_features.

    Returns:
    - feature: array of shape ((H // cell_size) * (W // cell_size) * orientations,).
    """
    return hog_features(np.asarray(im)[None], cell_size, orientations)[0]


def color_histograms_hsv(imgs, nbin=10, xmin=0, xmax=255, normalized=True):
    """Histograms of the hue of a batch of images.

    The pixels are converted to HSV (rgb_to_hsv of imgs / xmax, scaled back to
    [0, xmax]) and their hues counted in nbin equal bins over [xmin, xmax] (the
    last bin includes xmax, values outside the range are not counted), like
    np.histogram. Greyscale images have hue 0 everywhere.

    Inputs:
    - imgs: array of shape (N, H, W, 3) (RGB), (N, H, W, 1) or (N, H, W), values
      in [0, xmax].
    - nbin: number of bins.
    - xmin, xmax: the range of the bins.
    - normalized: if True, each histogram is divided by the number of pixels
      counted, so that it sums to 1.

    Returns:
    - hists: array of shape (N, nbin).
    """
    imgs = np.asarray(imgs, dtype=np.float64)
    if imgs.ndim == 3:
        imgs = imgs[..., None]
    if imgs.ndim != 4 or imgs.shape[-1] not in (1, 3):
        raise ValueError("expected images of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
                         "got %s" % (imgs.shape,))
    num_images = imgs.shape[0]
    if imgs.shape[-1] == 1:
        hue = np.zeros(imgs.shape[:-1])                                 # greys have hue 0
    else:
        hue = rgb_to_hsv(imgs / xmax)[..., 0] * xmax                    # (N, H, W)
    hue = hue.reshape(num_images, int(np.prod(hue.shape[1:])))
    inside = (hue >= xmin) & (hue <= xmax)
    bins = np.clip(((hue - xmin) * (nbin / (xmax - xmin))).astype(np.int64), 0, nbin - 1)
    index = np.arange(num_images)[:, None] * nbin + bins
    hists = np.bincount(index[inside], minlength=num_images * nbin).astype(np.float64)
    hists = hists.reshape(num_images, nbin)
    if normalized:
        hists /= np.maximum(inside.sum(axis=1, keepdims=True), 1)
    return hists


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Colour histogram of one image, from the hue of its pixels; see
    color_histograms_hsv.

    Inputs:
    - im: array of shape (H, W, 3) (RGB), (H, W, 1) or (H, W), values in [0, xmax].
    - nbin, xmin, xmax, normalized: as in color_histograms_hsv.

    Returns:
    - hist: array of shape (nbin,).
    """
    return color_histograms_hsv(np.asarray(im)[None], nbin, xmin, xmax, normalized)[0]


# extract_features runs these on whole batches at once.
hog_feature.batched = hog_features
color_histogram_hsv.batched = color_histograms_hsv


def _batched_version(fn):
    """fn.batched, also through functools.partial(hog_feature, cell_size=4); or None."""
    if isinstance(fn, functools.partial):
        batched = getattr(fn.func, "batched", None)
        return None if batched is None else functools.partial(batched, *fn.args, **fn.keywords)
    return getattr(fn, "batched", None)


def extract_features(imgs, feature_fns, verbose=False, batch_size=1000):
    """Compute the features of many images, as in CS231n.

    Each feature function takes one image and returns a one-dimensional array;
    the features of an image are the results of all the functions, side by
    side. A function with a `batched` attribute (hog_feature and
    color_histogram_hsv have one, also when wrapped in functools.partial to set
    their options) is run on batch_size images at a time through it; any other
    function (a lambda, say) is called on one image at a time.

    Inputs:
    - imgs: array of shape (N, H, W, C) or (N, H, W), pixel data of N images.
    - feature_fns: list of k feature functions; the i-th takes an image and
      returns an array of shape (F_i,).
    - verbose: if True, print progress.
    - batch_size: number of images per call of a batched function.

    Returns:
    - features: array of shape (N, F_1 + ... + F_k); row i holds the features
      of imgs[i].
    """
    imgs = np.asarray(imgs)
    num_images = imgs.shape[0]
    blocks = []
    for fn in feature_fns:
        batched = _batched_version(fn)
        rows = []
        if batched is not None:
            for start in range(0, num_images, batch_size):
                rows.append(np.asarray(batched(imgs[start:start + batch_size]), dtype=np.float64))
                if verbose:
                    name = getattr(getattr(fn, "func", fn), "__name__", "features")
                    print("%s: done extracting features for %d / %d images"
                          % (name, min(start + batch_size, num_images), num_images))
            block = np.concatenate(rows) if rows else np.zeros((0, 0))
        else:
            for i in range(num_images):
                rows.append(np.asarray(fn(imgs[i]), dtype=np.float64).ravel())
                if verbose and (i + 1) % 1000 == 0:
                    print("Done extracting features for %d / %d images" % (i + 1, num_images))
            block = np.stack(rows) if rows else np.zeros((0, 0))
        blocks.append(block)
    if num_images == 0:
        return np.zeros((0, 0))
    return np.hstack(blocks)
