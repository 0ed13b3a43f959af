"""Captioned digit scenes (the grammar, the vocabulary, CS231n's layout, fixed features),
CS231n's COCO captioning files read from a tiny copy written here in their exact layout,
and BLEU against cases worked by hand."""
import json

import numpy as np
import pytest

from cs231n_core.captioning_data import (CAPTION_LENGTH, END, FEATURE_DIM, NULL, SPECIAL_TOKENS, START, UNK,
                                         CaptioningDataError, BLEU_score, bleu_score, caption_vocabulary,
                                         decode_captions, describe_scene, encode_captions, evaluate_bleu,
                                         load_coco_data, load_digit_captions, sample_coco_minibatch,
                                         scene_features, standardize_features)
from cs231n_core.detection_data import make_digit_scenes


@pytest.fixture(scope="module")
def data():
    return load_digit_captions(num_train=30, num_val=10, seed=5, captions_per_image=3)


# ---- vocabulary and encoding ------------------------------------------------------------

def test_vocabulary_has_cs231ns_special_tokens_first():
    word_to_idx, idx_to_word = caption_vocabulary()
    assert idx_to_word[:4] == list(SPECIAL_TOKENS) == [NULL, START, END, UNK]
    assert word_to_idx[NULL] == 0
    assert all(idx_to_word[i] == w for w, i in word_to_idx.items())
    assert len(idx_to_word) == len(word_to_idx)


def test_encode_pads_with_null_and_decode_stops_at_end():
    word_to_idx, idx_to_word = caption_vocabulary()
    captions = encode_captions(["a 7 left of a 2", "a zebra"], word_to_idx)
    assert captions.shape == (2, CAPTION_LENGTH) and captions.dtype == np.int32
    assert captions[0, 0] == word_to_idx[START] and captions[0, 7] == word_to_idx[END]
    assert np.all(captions[0, 8:] == 0)
    assert captions[1, 2] == word_to_idx[UNK]   # a word outside the vocabulary
    assert decode_captions(captions, idx_to_word) == ["<START> a 7 left of a 2 <END>",
                                                      "<START> a <UNK> <END>"]
    # words after the first <END> are dropped; a single caption decodes to one string
    row = captions[0].copy()
    row[9] = word_to_idx["three"]
    assert decode_captions(row, idx_to_word) == "<START> a 7 left of a 2 <END>"
    with pytest.raises(CaptioningDataError, match="tokens"):
        encode_captions(["a"] * 1 + [" ".join(["a"] * CAPTION_LENGTH)], word_to_idx)


# ---- the grammar ------------------------------------------------------------------------

def test_one_digit_captions_name_it_its_place_and_size():
    captions = describe_scene([[2, 3, 18, 30]], [7], 64)   # 27 pixels tall, centre (10, 16.5)
    assert captions == ["a 7", "a single 7", "one digit , a 7", "a 7 in the top left",
                        "a large 7", "a large 7 in the top left"]
    middle = describe_scene([[25, 24, 35, 42]], [0], 64)  # 18 tall, centre (30, 33)
    assert "a 0 in the middle" in middle and "a small 0" in middle


def test_two_digits_are_named_left_to_right_with_their_relation():
    # side by side: the 2 is right of the 7 (listed second), and taller by 4 pixels
    captions = describe_scene([[40, 10, 52, 34], [5, 12, 15, 32]], [2, 7], 64)
    assert captions == ["a 7 and a 2", "two digits , a 7 and a 2", "a 7 left of a 2",
                        "a 2 right of a 7", "two digits , the larger is a 2",
                        "two digits , the smaller is a 7"]
    # one above the other (farther apart vertically); equal heights name no larger one
    stacked = describe_scene([[20, 40, 30, 60], [22, 2, 32, 22]], [4, 9], 64)
    assert "a 9 above a 4" in stacked and "a 4 below a 9" in stacked
    assert not [c for c in stacked if "larger" in c or "smaller" in c]


def test_three_digits_and_the_largest():
    captions = describe_scene([[40, 5, 50, 25], [2, 30, 14, 58], [22, 40, 30, 57]], [5, 1, 3], 64)
    assert captions == ["a 1 , a 3 and a 5", "three digits , a 1 , a 3 and a 5",
                        "a 1 , a 3 and a 5 from left to right", "three digits , the largest is a 1",
                        "three digits , the smallest is a 3"]
    assert describe_scene(np.zeros((0, 4)), [], 64) == ["no digits"]


def test_every_caption_of_the_data_fits_and_is_in_the_vocabulary(data):
    word_to_idx = data["word_to_idx"]
    for split in ("train", "val"):
        for references in data["%s_references" % split]:
            for caption in references:
                assert len(caption.split()) + 2 <= CAPTION_LENGTH
                assert all(word in word_to_idx for word in caption.split()), caption


# ---- CS231n's layout --------------------------------------------------------------------

def test_digit_captions_have_load_coco_datas_layout(data):
    for split, count in (("train", 30), ("val", 10)):
        captions, idxs = data["%s_captions" % split], data["%s_image_idxs" % split]
        features, images = data["%s_features" % split], data["%s_images" % split]
        assert captions.dtype == np.int32 and captions.shape[1] == CAPTION_LENGTH
        assert idxs.dtype == np.int32 and idxs.shape == (captions.shape[0],)
        assert features.shape == (count, FEATURE_DIM) and features.dtype == np.float32
        assert images.shape == (count, 64, 64) and images.dtype == np.float32
        assert set(idxs) == set(range(count))
        assert np.all(np.bincount(idxs) <= 3)
        assert np.all(captions[:, 0] == data["word_to_idx"][START])
        texts = decode_captions(captions, data["idx_to_word"])
        for text, index in zip(texts, idxs):   # each caption describes its own image
            assert text[len("<START> "):-len(" <END>")] in data["%s_references" % split][index]


def test_splits_use_their_own_scenes_and_features_are_fixed(data):
    scenes = make_digit_scenes(10, "val", seed=5)
    np.testing.assert_array_equal(data["val_images"], scenes["images"][:, 0])
    again = load_digit_captions(num_train=4, num_val=2, seed=5, captions_per_image=3)
    np.testing.assert_array_equal(again["train_captions"], data["train_captions"][:len(again["train_captions"])])
    assert len({row.tobytes() for row in data["train_features"]}) == 30  # no two images alike
    raw = scene_features(scenes["images"])
    np.testing.assert_array_equal(raw, scene_features(scenes["images"][:, 0]))
    assert raw.shape == (10, FEATURE_DIM) and np.all(raw >= 0)            # maxima of ReLU units
    # standardized by the training split's statistics
    np.testing.assert_allclose(data["train_features"].mean(axis=0), 0, atol=1e-4)
    assert np.all(data["train_features"].std(axis=0) <= 1) and data["train_features"].std() > 0.5
    train, val = standardize_features(scene_features(make_digit_scenes(30, "train", seed=5)["images"]), raw)
    np.testing.assert_allclose(val, data["val_features"], rtol=1e-5, atol=1e-5)


def test_sample_coco_minibatch_keeps_captions_with_their_images(data):
    np.random.seed(0)
    captions, features, images = sample_coco_minibatch(data, batch_size=7, split="train")
    assert captions.shape == (7, CAPTION_LENGTH) and features.shape == (7, FEATURE_DIM)
    assert images.shape == (7, 64, 64)
    for caption, feature in zip(captions, features):
        rows = np.flatnonzero(np.all(data["train_captions"] == caption, axis=1))
        image = data["train_image_idxs"][rows]
        assert any(np.array_equal(data["train_features"][i], feature) for i in image)


# ---- CS231n's COCO files ----------------------------------------------------------------

def write_coco(folder, rng):
    """A tiny coco_captioning folder in CS231n's exact layout."""
    import h5py

    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "dog"]
    (folder / "coco2014_vocab.json").write_text(json.dumps(
        {"idx_to_word": idx_to_word, "word_to_idx": {w: i for i, w in enumerate(idx_to_word)}}))
    with h5py.File(folder / "coco2014_captions.h5", "w") as f:
        f["train_captions"] = rng.integers(0, 7, size=(6, 17)).astype(np.int32)
        f["train_image_idxs"] = np.array([0, 0, 1, 1, 2, 2], dtype=np.int32)
        f["val_captions"] = rng.integers(0, 7, size=(2, 17)).astype(np.int32)
        f["val_image_idxs"] = np.array([0, 1], dtype=np.int32)
    for split, count in (("train", 3), ("val", 2)):
        for suffix, dim in (("", 4096), ("_pca", 512)):
            with h5py.File(folder / ("%s2014_vgg16_fc7%s.h5" % (split, suffix)), "w") as f:
                f["features"] = rng.normal(size=(count, dim)).astype(np.float32)
        (folder / ("%s2014_urls.txt" % split)).write_text(
            "\n".join("http://images.cocodataset.org/%s2014/%d.jpg" % (split, i) for i in range(count)) + "\n")


def test_load_coco_data_reads_cs231ns_files(tmp_path):
    write_coco(tmp_path, np.random.default_rng(0))
    data = load_coco_data(tmp_path)
    assert data["train_captions"].shape == (6, 17) and data["val_captions"].shape == (2, 17)
    assert data["train_features"].shape == (3, 512) and data["val_features"].dtype == np.float32
    assert data["idx_to_word"][5] == "cat" and data["word_to_idx"]["dog"] == 6
    assert list(data["val_urls"]) == ["http://images.cocodataset.org/val2014/0.jpg",
                                      "http://images.cocodataset.org/val2014/1.jpg"]
    assert load_coco_data(tmp_path, pca_features=False)["train_features"].shape == (3, 4096)
    np.random.seed(1)
    small = load_coco_data(tmp_path, max_train=4)
    assert small["train_captions"].shape == (4, 17) and small["train_image_idxs"].shape == (4,)
    captions, features, urls = sample_coco_minibatch(small, batch_size=3)
    assert features.shape == (3, 512) and urls[0].startswith("http://")


def test_load_coco_data_says_where_the_files_go(tmp_path):
    with pytest.raises(CaptioningDataError, match="coco2014_captions.h5.*not download"):
        load_coco_data(tmp_path / "nothing")
    from cs231n_core.cli import main

    with pytest.raises(SystemExit, match="does not download.*%s" % tmp_path):
        main(["data", "fetch", "coco_captioning", "--root", str(tmp_path)])


# ---- BLEU -------------------------------------------------------------------------------

def test_bleu_of_cases_worked_by_hand():
    assert bleu_score(["a 7 left of a 2"], "a 7 left of a 2", max_n=4) == pytest.approx(1.0)
    # all words right but 2 of 6 reference words: brevity penalty exp(1 - 6 / 2)
    assert BLEU_score("a 7 left of a 2", "a 7") == pytest.approx(np.exp(-2.0))
    # "a" counts at most twice (clipped); c = 4 < r = 5: 2/4 * exp(1 - 5/4)
    assert BLEU_score(["a 7 and a 2"], "a a a a") == pytest.approx(0.5 * np.exp(-0.25))
    # references of 3 and 5 words are equally close to 4: the shorter sets r, so no penalty;
    # each word is clipped by its largest count in one reference (two "a" in the second)
    assert BLEU_score(["a 7 x", "a 7 and a 2"], "a 7 and a") == pytest.approx(1.0)
    # BLEU-4: precisions 7/8, 5/7, 3/6 and 1/5, whose geometric mean is (1/16)^(1/4)
    assert bleu_score(["three digits , the smallest is a 5"], "three digits , the largest is a 5",
                      max_n=4) == pytest.approx(0.5)
    # an order without a single match gives 0 (no 4-gram in common)
    assert bleu_score(["a 7 right of a 2"], "a 7 left of a 2", max_n=4) == 0.0
    assert BLEU_score(["a 7"], "three") == 0.0 and BLEU_score(["a 7"], "") == 0.0


def test_bleu_ignores_special_tokens():
    assert BLEU_score(["<START> a 7 <END>"], "<START> a 7 <END> <NULL> <NULL>") == pytest.approx(1.0)
    assert BLEU_score([["a", "7"]], ["<START>", "a", "7", "<END>"]) == pytest.approx(1.0)


def test_evaluate_bleu_of_perfect_and_constant_captions(data):
    word_to_idx = data["word_to_idx"]
    references = data["val_references"]
    perfect = iter([encode_captions([r[0] for r in references], word_to_idx)])
    score, sampled = evaluate_bleu(lambda features: next(perfect), data, "val")
    assert score == pytest.approx(1.0) and sampled[0] == "<START> %s <END>" % references[0][0]
    # BLEU-4 of a caption shorter than 4 words is 0, however right (no 4-gram at all)
    assert bleu_score(["a 6"], "a 6", max_n=4) == 0.0
    constant = encode_captions(["a 7"] * 10, word_to_idx)
    score, _ = evaluate_bleu(lambda features: constant[:len(features)], data, "val", num_images=4)
    expected = np.mean([BLEU_score(r, "a 7") for r in references[:4]])
    assert score == pytest.approx(expected) and 0 < score < 1
