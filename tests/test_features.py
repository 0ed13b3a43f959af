"""Unit tests of cs231n_core.features: shapes, invariances and images whose features are
known exactly."""
import matplotlib.colors
import numpy as np
import pytest

from cs231n_core.features import (color_histogram_hsv, color_histograms_hsv, extract_features,
                                  hog_feature, hog_features, rgb2gray, rgb_to_hsv)


@pytest.fixture
def rs():
    return np.random.RandomState(0)


# ---- shapes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, kwargs, length", [
    ((32, 32, 3), {}, 4 * 4 * 9),            # CIFAR-10, as in CS231n
    ((28, 28), {"cell_size": 7}, 4 * 4 * 9),  # MNIST
    ((28, 28, 1), {}, 3 * 3 * 9),             # cells that do not fit are dropped
    ((20, 12), {"cell_size": 4, "orientations": 6}, 5 * 3 * 6),
])
def test_hog_shapes(rs, shape, kwargs, length):
    feature = hog_feature(rs.uniform(0, 255, size=shape), **kwargs)
    assert feature.shape == (length,)
    assert np.all(feature >= 0)


def test_hog_refuses_images_smaller_than_a_cell():
    with pytest.raises(ValueError, match="no cell"):
        hog_feature(np.zeros((5, 5)))


def test_color_histogram_shapes(rs):
    assert color_histogram_hsv(rs.uniform(0, 255, (32, 32, 3))).shape == (10,)
    assert color_histogram_hsv(rs.uniform(0, 255, (32, 32, 3)), nbin=25).shape == (25,)
    assert color_histograms_hsv(rs.uniform(0, 255, (7, 8, 8, 3))).shape == (7, 10)


# ---- colour: HSV and hue histograms ---------------------------------------------------------------

def test_rgb_to_hsv_matches_matplotlib(rs):
    rgb = rs.uniform(0, 1, size=(50, 40, 3))
    rgb[:5] = rgb[:5, :, :1]                     # greys
    rgb[5:10, :, 1] = rgb[5:10, :, 0]            # ties between channels
    rgb[10, 0] = 0.0                             # black
    np.testing.assert_allclose(rgb_to_hsv(rgb), matplotlib.colors.rgb_to_hsv(rgb), atol=1e-12)


def test_color_histogram_matches_numpy_histogram(rs):
    im = rs.uniform(0, 255, size=(32, 32, 3))
    hue = matplotlib.colors.rgb_to_hsv(im / 255) * 255
    counts, edges = np.histogram(hue[..., 0], bins=np.linspace(0, 255, 11))
    np.testing.assert_allclose(color_histogram_hsv(im), counts / counts.sum())
    np.testing.assert_array_equal(color_histogram_hsv(im, normalized=False), counts)


def test_color_histogram_sums_to_one_and_ignores_positions(rs):
    im = rs.uniform(0, 255, size=(16, 16, 3))
    hist = color_histogram_hsv(im)
    assert hist.sum() == pytest.approx(1.0)
    shuffled = rs.permutation(im.reshape(-1, 3)).reshape(im.shape)
    np.testing.assert_array_equal(color_histogram_hsv(shuffled), hist)
    np.testing.assert_array_equal(color_histogram_hsv(im[::-1, ::-1]), hist)


def test_color_histogram_of_pure_colours():
    def solid(rgb):
        return np.broadcast_to(np.array(rgb, dtype=float), (8, 8, 3))
    # hue 0 (red), 1/3 (green: 85 of 255), 2/3 (blue: 170 of 255), in bins of 25.5
    assert np.argmax(color_histogram_hsv(solid([255, 0, 0]))) == 0
    assert np.argmax(color_histogram_hsv(solid([0, 255, 0]))) == 3
    assert np.argmax(color_histogram_hsv(solid([0, 0, 255]))) == 6
    assert color_histogram_hsv(solid([0, 0, 255])).max() == 1.0


def test_color_histogram_of_grey_images_is_all_hue_zero(rs):
    grey = rs.uniform(0, 255, size=(10, 10))
    expected = np.eye(10)[0]
    np.testing.assert_array_equal(color_histogram_hsv(grey), expected)
    np.testing.assert_array_equal(color_histogram_hsv(grey[..., None]), expected)
    np.testing.assert_array_equal(color_histogram_hsv(np.repeat(grey[..., None], 3, axis=-1)),
                                  expected)


# ---- HOG ------------------------------------------------------------------------------------------

def test_hog_of_constant_image_is_zero():
    assert not np.any(hog_feature(np.full((32, 32, 3), 117.0)))


def test_hog_of_horizontal_ramp():
    """im[y, x] = x: centred differences give gx = 2 inside, 0 on the border columns, gy = 0;
    every gradient points along x, orientation 0, bin 0."""
    im = np.tile(np.arange(32.0), (32, 1))
    hist = hog_feature(im, cell_size=8, orientations=9).reshape(4, 4, 9)
    assert not np.any(hist[..., 1:])
    # cells touching the left or right border hold one column of zero gradient
    np.testing.assert_allclose(hist[..., 0], np.tile([1.75, 2.0, 2.0, 1.75], (4, 1)))


def test_hog_of_vertical_ramp():
    """im[y, x] = 3 y: all gradients point along y (90 degrees), bin 4 of 9."""
    im = np.tile(3.0 * np.arange(24.0)[:, None], (1, 16))
    hist = hog_feature(im, cell_size=8).reshape(3, 2, 9)
    assert not np.any(np.delete(hist, 4, axis=-1))
    np.testing.assert_allclose(hist[:, :, 4], [[5.25, 5.25], [6.0, 6.0], [5.25, 5.25]])


def test_hog_of_diagonal_edges():
    """im[y, x] = x + y: inside, the gradient points along the diagonal, 45 degrees, bin 2 of
    9; im[y, x] = x - y: 135 degrees, bin 6 (unsigned orientations). (The border rows and
    columns, with one gradient component 0, fall in bins 0 and 4.)"""
    y, x = np.mgrid[0:16, 0:16].astype(float)
    for im, expected_bin in ((x + y, 2), (x - y, 6)):
        totals = hog_feature(im, cell_size=8).reshape(2, 2, 9).sum(axis=(0, 1))
        assert np.argmax(totals) == expected_bin
        assert set(np.flatnonzero(totals)) == {0, 4, expected_bin}


def test_hog_invariances(rs):
    im = rs.uniform(0, 200, size=(32, 32, 3))
    feature = hog_feature(im)
    np.testing.assert_allclose(hog_feature(im + 40.0), feature, atol=1e-9)      # brightness
    np.testing.assert_allclose(hog_feature(2.5 * im), 2.5 * feature, rtol=1e-12)  # contrast
    np.testing.assert_allclose(hog_feature(255.0 - im), feature, atol=1e-9)    # negative image
    grey = rgb2gray(im)
    np.testing.assert_allclose(hog_feature(grey), feature)
    np.testing.assert_allclose(hog_feature(np.repeat(grey[..., None], 3, axis=-1)), feature,
                               atol=1e-9)


def test_hog_of_mirrored_image_mirrors_orientations(rs):
    """Flipping left-right negates gx: orientation t becomes 180 - t, so bin k becomes bin
    8 - k (of 9 bins of 20 degrees), and the cells swap columns. The first and last rows are
    constant, so that no gradient lies exactly at 0 degrees (which would stay in bin 0)."""
    im = rs.uniform(0, 255, size=(16, 24))
    im[0], im[-1] = 10.0, 20.0
    hist = hog_feature(im, cell_size=8).reshape(2, 3, 9)
    mirrored = hog_feature(im[:, ::-1], cell_size=8).reshape(2, 3, 9)
    np.testing.assert_allclose(mirrored[:, ::-1, ::-1], hist, rtol=1e-9)


def test_rgb2gray_weights():
    np.testing.assert_allclose(rgb2gray(np.array([[255.0, 0, 0], [0, 255.0, 0], [0, 0, 255.0]])),
                               [0.299 * 255, 0.587 * 255, 0.114 * 255])


# ---- extract_features -------------------------------------------------------------------------

def test_extract_features_batched_equals_one_by_one(rs):
    imgs = rs.uniform(0, 255, size=(7, 32, 32, 3))
    feats = extract_features(imgs, [hog_feature, color_histogram_hsv], batch_size=3)
    assert feats.shape == (7, 144 + 10)
    slow = extract_features(imgs, [lambda im: hog_feature(im), lambda im: color_histogram_hsv(im)])
    np.testing.assert_allclose(feats, slow)
    for i in range(7):
        np.testing.assert_allclose(feats[i, :144], hog_feature(imgs[i]))
        np.testing.assert_allclose(feats[i, 144:], color_histogram_hsv(imgs[i]))
    np.testing.assert_allclose(hog_features(imgs), feats[:, :144])


def test_extract_features_batches_through_partial(rs, monkeypatch):
    from functools import partial

    import cs231n_core.features as features

    imgs = rs.uniform(0, 255, size=(5, 28, 28))
    expected = extract_features(imgs, [lambda im: hog_feature(im, cell_size=7),
                                       lambda im: color_histogram_hsv(im, nbin=4)])
    calls = []
    monkeypatch.setattr(features.hog_feature, "batched",
                        lambda batch, **kw: calls.append(len(batch)) or hog_features(batch, **kw))
    feats = extract_features(imgs, [partial(hog_feature, cell_size=7),
                                    partial(color_histogram_hsv, nbin=4)], batch_size=2)
    np.testing.assert_allclose(feats, expected)
    assert calls == [2, 2, 1]  # whole batches, not one image at a time


def test_extract_features_greyscale_and_options(rs):
    imgs = rs.uniform(0, 255, size=(4, 28, 28))
    feats = extract_features(imgs, [lambda im: hog_feature(im, cell_size=7),
                                     lambda im: color_histogram_hsv(im, nbin=5)])
    assert feats.shape == (4, 144 + 5)
    assert np.all(feats[:, 144] == 1.0)  # grey: all hue in the first bin


def test_extract_features_verbose(rs, capsys):
    extract_features(rs.uniform(0, 255, size=(3, 8, 8, 3)), [hog_feature], verbose=True)
    assert "3 / 3" in capsys.readouterr().out


def test_extract_features_of_no_images():
    assert extract_features(np.zeros((0, 32, 32, 3)), [hog_feature]).shape[0] == 0
    assert hog_features(np.zeros((0, 32, 32, 3))).shape == (0, 144)
    assert color_histograms_hsv(np.zeros((0, 32, 32, 3))).shape == (0, 10)
