"""Held-out inputs that exist in no file: each image distorted afresh, or the input
space rotated in secret, before it reaches the worker."""
import numpy as np


# Fresh distortions of held-out digits. The public datasets are installed where the
# worker can read them (and a submission may carry its own copy), so a held-out image
# taken from them as it is can be looked up: its label then comes from the table, not
# from the student's classifier. Each image given to the worker is therefore warped by
# its own random affine map and has its contrast and noise redrawn, so that it exists in
# no file: on scikit-learn's digits, the nearest public image (L2) is its own original
# for only about 5% of them, and the nearest neighbour's label is right for about 60%,
# far below what the graded classifiers reach on the same inputs.
AUGMENT = {"rotation_deg": 15.0, "scale": 0.15, "shear": 0.2, "shift": 1.0 / 8,
           "contrast": 0.3, "noise": 1.5 / 16}


def augment_images(rng, images, side, max_value, strength=1.0):
    """A distorted copy of each flattened square image (rows of `images`, side x side
    pixels in 0..max_value): its own random rotation, scale, shear and shift (a fraction
    of the side), contrast scaled and Gaussian noise added, clipped back to the range.
    `strength` scales every distortion (1: AUGMENT's)."""
    from scipy import ndimage

    images = np.asarray(images, dtype=np.float64).reshape(-1, side, side)
    count = len(images)
    amount = {key: value * strength for key, value in AUGMENT.items()}
    angle = np.deg2rad(rng.uniform(-1.0, 1.0, count) * amount["rotation_deg"])
    shear = rng.uniform(-1.0, 1.0, count) * amount["shear"]
    scale = rng.uniform(1.0 - amount["scale"], 1.0 + amount["scale"], count)
    shift = rng.uniform(-1.0, 1.0, (count, 2)) * amount["shift"] * side
    contrast = rng.uniform(1.0 - amount["contrast"], 1.0 + amount["contrast"], count)
    noise = rng.normal(0.0, amount["noise"] * max_value, images.shape)
    # matrix[i] maps an output pixel (about the centre) to where it is read in image i
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.stack([np.stack([cos, cos * shear - sin], -1),
                       np.stack([sin, sin * shear + cos], -1)], -2) / scale[:, None, None]
    centre = (side - 1) / 2.0
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1) - centre
    source = np.einsum("nij,hwj->nhwi", matrix, grid + 0.0) + centre - \
        np.einsum("nij,nj->ni", matrix, shift)[:, None, None, :]
    index = np.broadcast_to(np.arange(count, dtype=np.float64)[:, None, None], (count, side, side))
    warped = ndimage.map_coordinates(images, [index, source[..., 0], source[..., 1]],
                                     order=1, mode="constant")
    warped = warped * contrast[:, None, None] + noise
    return np.clip(warped, 0.0, max_value).reshape(count, side * side)


def secret_rotation(rng, dim):
    """A random orthogonal (dim, dim) matrix, drawn afresh and kept by the trusted side.

    Inputs of a fully connected net can be given to the worker as `X @ Q`: the net learns
    them exactly as well (its first layer's Gaussian initialization, its gradients and
    its L2 penalty are all unchanged by a rotation of the input space), while they are
    nowhere near any public image, so that a nearest-neighbour lookup finds nothing."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))
