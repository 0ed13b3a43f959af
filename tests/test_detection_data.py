"""Digit scenes (exact boxes and masks, determinism, disjoint splits) and the PASCAL VOC
2007 loader, tested on a tiny dataset written in VOC's exact XML/JPEG layout, and its
fetch, from tiny archives of that layout (file:// URLs only)."""
import hashlib
import io
import os
import re
import tarfile

import numpy as np
import pytest

from cs231n_core.data_utils import DatasetError, list_datasets
from cs231n_core.detection_data import (MASK_THRESHOLD, SCENE_SPLITS, VOC2007_ARCHIVES, VOC2007_URLS, VOC_CLASSES,
                                        SceneError, VOCDetection, VOCError, digit_sources, fetch_voc2007,
                                        make_digit_scenes, parse_voc_annotation, voc2007_layout_problems,
                                        voc2007_mirror_urls)


@pytest.fixture(scope="module")
def scenes():
    return make_digit_scenes(40, "train", seed=3)


def test_scenes_shapes_and_ranges(scenes):
    images = scenes["images"]
    assert images.shape == (40, 1, 64, 64) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert scenes["masks"].shape == scenes["instances"].shape == (40, 64, 64)
    counts = [len(b) for b in scenes["boxes"]]
    assert min(counts) >= 1 and max(counts) <= 3 and len(set(counts)) > 1
    for boxes, labels, sources in zip(scenes["boxes"], scenes["labels"], scenes["sources"]):
        assert boxes.dtype == np.float32 and boxes.shape == (len(labels), 4)
        assert labels.dtype == np.int64 and np.all((labels >= 0) & (labels <= 9))
        assert len(sources) == len(labels)


def test_boxes_and_masks_are_exact(scenes):
    for i in range(40):
        instances, masks, image = scenes["instances"][i], scenes["masks"][i], scenes["images"][i, 0]
        assert set(np.unique(instances)) == set(range(len(scenes["boxes"][i]) + 1))
        for k, (box, label) in enumerate(zip(scenes["boxes"][i], scenes["labels"][i])):
            rows, cols = np.nonzero(instances == k + 1)
            # the tightest box around the mask, x2 and y2 exclusive
            assert tuple(box) == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
            assert np.all(masks[rows, cols] == label + 1)
            assert np.all(image[rows, cols] >= MASK_THRESHOLD - 1e-6)
        assert np.all((masks == 0) == (instances == 0))
        boxes = scenes["boxes"][i]
        for a in range(len(boxes)):      # digits never overlap
            for b in range(a):
                inter_w = min(boxes[a][2], boxes[b][2]) - max(boxes[a][0], boxes[b][0])
                inter_h = min(boxes[a][3], boxes[b][3]) - max(boxes[a][1], boxes[b][1])
                assert inter_w <= 0 or inter_h <= 0


def test_clutter_lies_outside_the_boxes():
    with_clutter = make_digit_scenes(30, "val", seed=2, num_clutter=6)
    without = make_digit_scenes(30, "val", seed=2, num_clutter=0)
    # the same digits (clutter is drawn after them), ink added only outside the boxes
    assert all(np.array_equal(a, b) for a, b in zip(with_clutter["boxes"], without["boxes"]))
    extra = with_clutter["images"][:, 0] - without["images"][:, 0]
    assert extra.min() >= 0 and extra.max() > 0.5
    for i, boxes in enumerate(without["boxes"]):
        for x1, y1, x2, y2 in boxes.astype(int):
            assert np.all(extra[i, y1:y2, x1:x2] == 0)


def test_scenes_are_deterministic_under_a_seed(scenes):
    again = make_digit_scenes(40, "train", seed=3)
    assert np.array_equal(again["images"], scenes["images"])
    assert all(np.array_equal(a, b) for a, b in zip(again["boxes"], scenes["boxes"]))
    prefix = make_digit_scenes(5, "train", seed=3)
    assert np.array_equal(prefix["images"], scenes["images"][:5])
    other = make_digit_scenes(40, "train", seed=4)
    assert not np.array_equal(other["images"], scenes["images"])


def test_splits_draw_from_disjoint_digits(scenes):
    sources = {split: set(digit_sources(split).tolist()) for split in SCENE_SPLITS}
    assert [len(s) for s in sources.values()] == [3500, 750, 750]
    assert not sources["train"] & sources["val"] and not sources["train"] & sources["test"]
    assert not sources["val"] & sources["test"]
    assert set(np.concatenate(scenes["sources"]).tolist()) <= sources["train"]
    test = make_digit_scenes(20, "test", seed=3)
    assert set(np.concatenate(test["sources"]).tolist()) <= sources["test"]


def test_other_sizes_and_bad_arguments():
    big = make_digit_scenes(3, "test", image_size=96, digits_per_scene=(2, 4), seed=0)
    assert big["images"].shape == (3, 1, 96, 96)
    assert all(2 <= len(b) <= 4 for b in big["boxes"])
    heights = np.concatenate([b[:, 3] - b[:, 1] for b in big["boxes"]])
    assert heights.max() <= 7 * 96 // 16
    empty = make_digit_scenes(0, "train")
    assert empty["images"].shape == (0, 1, 64, 64) and empty["boxes"] == []
    with pytest.raises(SceneError, match="unknown split"):
        make_digit_scenes(2, "holdout")
    with pytest.raises(SceneError, match="image_size"):
        make_digit_scenes(2, image_size=16)
    with pytest.raises(SceneError, match="digit_height"):
        make_digit_scenes(2, digit_height=(30, 20))
    with pytest.raises(SceneError, match="digits_per_scene"):
        make_digit_scenes(2, digits_per_scene=(3, 1))


# --- PASCAL VOC 2007 ---------------------------------------------------------------------

VOC_XML = """<annotation>
\t<folder>VOC2007</folder>
\t<filename>{filename}</filename>
\t<source>
\t\t<database>The VOC2007 Database</database>
\t\t<annotation>PASCAL VOC2007</annotation>
\t\t<image>flickr</image>
\t\t<flickrid>325991873</flickrid>
\t</source>
\t<owner>
\t\t<flickrid>archintent louisville</flickrid>
\t\t<name>?</name>
\t</owner>
\t<size>
\t\t<width>{width}</width>
\t\t<height>{height}</height>
\t\t<depth>3</depth>
\t</size>
\t<segmented>0</segmented>
{objects}</annotation>
"""
VOC_OBJECT = """\t<object>
\t\t<name>{name}</name>
\t\t<pose>{pose}</pose>
\t\t<truncated>{truncated}</truncated>
\t\t<difficult>{difficult}</difficult>
\t\t<bndbox>
\t\t\t<xmin>{box[0]}</xmin>
\t\t\t<ymin>{box[1]}</ymin>
\t\t\t<xmax>{box[2]}</xmax>
\t\t\t<ymax>{box[3]}</ymax>
\t\t</bndbox>
\t</object>
"""
TINY_VOC = {
    "000005": ((50, 40), [("chair", (26, 21, 33, 34), 0, 0), ("chair", (1, 1, 50, 40), 1, 1)]),
    "000007": ((32, 24), [("car", (3, 5, 30, 20), 0, 1)]),
    "000009": ((20, 30), [("person", (2, 2, 10, 29), 0, 0), ("horse", (5, 6, 19, 25), 0, 0)]),
}


def write_voc(root, images=TINY_VOC):
    """A VOCdevkit/VOC2007 folder with the annotations, JPEGs and image sets of `images`."""
    from PIL import Image

    base = root / "VOCdevkit" / "VOC2007"
    for folder in ("Annotations", "JPEGImages", "ImageSets/Main"):
        (base / folder).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for image_id, ((width, height), objects) in images.items():
        text = "".join(VOC_OBJECT.format(name=n, pose="Unspecified", box=b, difficult=d, truncated=t)
                       for n, b, d, t in objects)
        (base / "Annotations" / (image_id + ".xml")).write_text(
            VOC_XML.format(filename=image_id + ".jpg", width=width, height=height, objects=text))
        pixels = rng.integers(0, 256, size=(height, width, 3)).astype(np.uint8)
        Image.fromarray(pixels).save(base / "JPEGImages" / (image_id + ".jpg"), quality=90)
    ids = list(images)
    (base / "ImageSets" / "Main" / "trainval.txt").write_text("\n".join(ids[:2]) + "\n")
    (base / "ImageSets" / "Main" / "test.txt").write_text(ids[2] + "\n")
    return root / "VOCdevkit"


def test_voc_loader_reads_the_original_layout(tmp_path):
    voc = VOCDetection(write_voc(tmp_path), split="trainval")
    assert len(voc) == 2 and voc.ids == ["000005", "000007"]
    image, target = voc[0]
    assert image.shape == (40, 50, 3) and image.dtype == np.uint8
    assert target["image_id"] == "000005" and target["size"] == (50, 40, 3)
    # VOC's 1-based inclusive corners become (xmin - 1, ymin - 1, xmax, ymax)
    assert target["boxes"].tolist() == [[25, 20, 33, 34], [0, 0, 50, 40]]
    assert target["labels"].tolist() == [VOC_CLASSES.index("chair")] * 2
    assert target["difficult"].tolist() == [False, True]
    _, car = voc[-1]
    assert car["labels"].tolist() == [VOC_CLASSES.index("car")]
    easy = VOCDetection(tmp_path / "VOCdevkit" / "VOC2007", split="trainval", keep_difficult=False)
    assert easy[0][1]["boxes"].tolist() == [[25, 20, 33, 34]]
    test = VOCDetection(tmp_path / "VOCdevkit", split="test")
    image, target = test[0]
    assert image.shape == (30, 20, 3) and target["labels"].tolist() == [14, 12]
    with pytest.raises(IndexError):
        test[1]


def test_voc_loader_names_what_is_wrong(tmp_path):
    with pytest.raises(VOCError, match="not in"):
        VOCDetection(tmp_path, split="trainval")
    root = write_voc(tmp_path, {"000001": ((10, 10), [("unicorn", (1, 1, 5, 5), 0, 0)]),
                                "000002": ((10, 10), [("dog", (1, 1, 11, 5), 0, 0)]),
                                "000003": ((10, 10), [])})
    annotations = root / "VOC2007" / "Annotations"
    with pytest.raises(VOCError, match="unknown class 'unicorn'"):
        parse_voc_annotation(annotations / "000001.xml")
    with pytest.raises(VOCError, match="does not lie inside"):
        parse_voc_annotation(annotations / "000002.xml")
    empty = parse_voc_annotation(annotations / "000003.xml")
    assert empty["boxes"].shape == (0, 4) and empty["labels"].shape == (0,)
    (annotations / "000003.xml").write_text("<annotation><size><width>10</width></size></annotation>")
    with pytest.raises(VOCError, match="missing <height>"):
        parse_voc_annotation(annotations / "000003.xml")
    (annotations / "000003.xml").write_text("<annotation>")
    with pytest.raises(VOCError, match="not a readable VOC annotation"):
        parse_voc_annotation(annotations / "000003.xml")
    # an image whose size disagrees with its annotation
    from PIL import Image
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(root / "VOC2007" / "JPEGImages" / "000005.jpg")
    (root / "VOC2007" / "Annotations" / "000005.xml").write_text(
        VOC_XML.format(filename="000005.jpg", width=8, height=5, objects=""))
    (root / "VOC2007" / "ImageSets" / "Main" / "val.txt").write_text("000005\n")
    with pytest.raises(VOCError, match="annotation says 8x5"):
        VOCDetection(root, split="val")[0]


# --- fetching PASCAL VOC 2007 (file:// URLs only) ----------------------------------------

def voc_archives(tmp_path, change=None, extra=()):
    """Tiny VOCtrainval_06-Nov-2007.tar and VOCtest_06-Nov-2007.tar of write_voc's images,
    each holding VOCdevkit/VOC2007/ with its split's image list, annotations and JPEGs, as
    VOC's do. change(VOC2007 folder) edits the files first; extra: (TarInfo, bytes or
    None) members added to the trainval archive. Returns (the folder of the archives,
    {split: {"md5": the archive's MD5, "images": the images its list names}})."""
    base = write_voc(tmp_path / "src") / "VOC2007"
    listed = {split: (base / "ImageSets" / "Main" / ("%s.txt" % split)).read_text().split()
              for split in VOC2007_ARCHIVES}
    if change is not None:
        change(base)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    archives = {}
    for split, url in voc2007_mirror_urls(mirror.as_uri()).items():
        path = mirror / os.path.basename(url)
        names = ["ImageSets/Main/%s.txt" % split] + [
            "%s/%s.%s" % (folder, image_id, ext) for image_id in listed[split]
            for folder, ext in (("Annotations", "xml"), ("JPEGImages", "jpg"))]
        with tarfile.open(path, "w") as tar:
            tar.add(base.parent, "VOCdevkit", recursive=False)
            for folder in ("", "/Annotations", "/ImageSets", "/ImageSets/Main", "/JPEGImages"):
                tar.add(base / folder.lstrip("/"), "VOCdevkit/VOC2007" + folder, recursive=False)
            for name in names:
                if (base / name).is_file():
                    tar.add(base / name, "VOCdevkit/VOC2007/" + name)
            for info, payload in extra if split == "trainval" else ():
                tar.addfile(info, None if payload is None else io.BytesIO(payload))
        archives[split] = {"md5": hashlib.md5(path.read_bytes()).hexdigest(), "images": len(listed[split])}
    return mirror, archives


def fetch_tiny(root, mirror, archives, **kwargs):
    return fetch_voc2007(root=root, urls=voc2007_mirror_urls(mirror.as_uri()), progress=False,
                         archives=archives, **kwargs)


def assert_nothing_left(root, kept=()):
    """root holds only the names `kept` (no VOCdevkit/, no .part file, no temporary folder)."""
    left = sorted(p.name for p in root.iterdir()) if root.exists() else []
    assert left == sorted(kept), left


def test_voc2007_archives_are_the_published_ones():
    assert VOC2007_ARCHIVES == {"trainval": {"md5": "c52e279531787c972589f7e41ab4ae64", "images": 5011},
                                "test": {"md5": "b6e924de25625d8de591ea690078ad9f", "images": 4952}}
    mirror = voc2007_mirror_urls("https://mirror.example/voc2007/")
    assert mirror == {split: "https://mirror.example/voc2007/" + os.path.basename(url)
                      for split, url in VOC2007_URLS.items()}
    assert mirror["test"].endswith("/VOCtest_06-Nov-2007.tar")


def test_fetch_voc2007_unpacks_where_voc_detection_reads_it(tmp_path, monkeypatch):
    mirror, archives = voc_archives(tmp_path)
    root = tmp_path / "cache"
    monkeypatch.setenv("CS231N_DATA", str(root))
    folder = fetch_voc2007(urls=voc2007_mirror_urls(str(mirror)), progress=False, archives=archives)
    assert folder == root / "VOCdevkit" / "VOC2007"
    assert_nothing_left(root, kept=["VOCdevkit"])   # no .part, no temporary folder
    trainval, test = VOCDetection(split="trainval"), VOCDetection(split="test")
    assert trainval.ids == ["000005", "000007"] and test.ids == ["000009"]
    image, target = trainval[0]
    assert image.shape == (40, 50, 3) and target["boxes"].tolist() == [[25, 20, 33, 34], [0, 0, 50, 40]]
    assert test[0][1]["labels"].tolist() == [VOC_CLASSES.index("person"), VOC_CLASSES.index("horse")]
    assert voc2007_layout_problems(folder, archives=archives) == []
    assert "ImageSets/Main/test.txt lists 1 images, expected 4952" in voc2007_layout_problems(folder)
    assert {r["name"]: r["present"] for r in list_datasets()}["voc2007"] is True
    # complete: nothing is downloaded (the URLs do not even exist)
    before = (folder / "JPEGImages" / "000005.jpg").stat().st_mtime_ns
    assert fetch_tiny(root, tmp_path / "gone", archives) == folder
    assert (folder / "JPEGImages" / "000005.jpg").stat().st_mtime_ns == before


def test_fetch_voc2007_adds_a_split_and_keeps_the_one_there(tmp_path):
    mirror, archives = voc_archives(tmp_path)
    root = tmp_path / "cache"
    folder = fetch_tiny(root, mirror, archives, splits=("test",))
    assert len(VOCDetection(folder, split="test")) == 1
    with pytest.raises(VOCError, match="cs231n data fetch voc2007"):
        VOCDetection(folder, split="trainval")
    urls = voc2007_mirror_urls(mirror.as_uri())
    urls["test"] = (tmp_path / "gone.tar").as_uri()    # the test split is not downloaded again
    assert fetch_voc2007(root=root, urls=urls, progress=False, archives=archives) == folder
    assert len(VOCDetection(folder, split="trainval")) == 2
    assert VOCDetection(folder, split="test")[0][0].shape == (30, 20, 3)
    assert_nothing_left(root, kept=["VOCdevkit"])


def test_fetch_voc2007_refuses_a_wrong_md5_and_keeps_what_was_there(tmp_path):
    mirror, archives = voc_archives(tmp_path)
    root = tmp_path / "cache"
    listing = root / "VOCdevkit" / "VOC2007" / "ImageSets" / "Main" / "trainval.txt"
    listing.parent.mkdir(parents=True)
    listing.write_text("000005\n")                      # an incomplete copy of before
    wrong = dict(archives, test={"md5": "0" * 32, "images": 1})
    with pytest.raises(DatasetError, match=r"VOCtest_06-Nov-2007.tar is corrupt or truncated: MD5 %s "
                                           r".*expected %s" % (archives["test"]["md5"], "0" * 32)):
        fetch_tiny(root, mirror, wrong)     # after the trainval archive was unpacked
    assert_nothing_left(root, kept=["VOCdevkit"])
    assert [p.relative_to(root).as_posix() for p in sorted(root.rglob("*")) if p.is_file()] == [
        "VOCdevkit/VOC2007/ImageSets/Main/trainval.txt"]
    with pytest.raises(DatasetError, match="no archive 'train'"):
        fetch_tiny(root, mirror, archives, splits=("train",))


def unsafe_member(name, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    payload = b"pwned" if kind == tarfile.REGTYPE else None
    info.size = len(payload or b"")
    return info, payload


@pytest.mark.parametrize("member, why", [
    (unsafe_member("../evil.txt"), "leaves the folder"),
    (unsafe_member("VOCdevkit/VOC2007/../../evil.txt"), "leaves the folder"),
    (unsafe_member("/tmp/cs231n_voc_abs_evil"), "has an absolute path"),
    (unsafe_member("VOCdevkit/VOC2007/escape", tarfile.SYMTYPE, "/etc"), "is not a plain file"),
    (unsafe_member("VOCdevkit/VOC2007/passwd", tarfile.LNKTYPE, "/etc/passwd"), "is not a plain file"),
    (unsafe_member("VOCdevkit/VOC2007/null", tarfile.CHRTYPE), "is not a plain file"),
], ids=["dotdot", "inner-dotdot", "absolute", "symlink", "hardlink", "device"])
def test_fetch_voc2007_refuses_an_unsafe_member(tmp_path, member, why):
    mirror, archives = voc_archives(tmp_path, extra=[member])
    with tarfile.open(mirror / "VOCtrainval_06-Nov-2007.tar") as tar:  # the archive really holds it
        assert member[0].name in tar.getnames()
    root = tmp_path / "a" / "cache"
    with pytest.raises(DatasetError, match=r"refusing .*VOCtrainval_06-Nov-2007.tar.part: member %s %s"
                                           % (re.escape(repr(member[0].name)), why)):
        fetch_tiny(root, mirror, archives)
    assert_nothing_left(root)
    assert not list(tmp_path.rglob("evil.txt")) and not os.path.exists("/tmp/cs231n_voc_abs_evil")


@pytest.mark.parametrize("change, images, message", [
    (lambda base: (base / "ImageSets" / "Main" / "test.txt").unlink(), {},
     "VOCtest_06-Nov-2007.tar does not hold VOC 2007's test images in VOCdevkit/VOC2007/: "
     "ImageSets/Main/test.txt is missing"),
    (lambda base: (base / "JPEGImages" / "000007.jpg").unlink(), {},
     "trainval images .*: 1 files of the images ImageSets/Main/trainval.txt lists are missing: "
     "JPEGImages/000007.jpg"),
    (None, {"trainval": 5011}, "ImageSets/Main/trainval.txt lists 2 images, expected 5011"),
], ids=["no-split-file", "no-jpeg", "short-list"])
def test_fetch_voc2007_refuses_an_archive_of_the_wrong_layout(tmp_path, change, images, message):
    mirror, archives = voc_archives(tmp_path, change)
    for split, count in images.items():
        archives[split]["images"] = count
    root = tmp_path / "cache"
    with pytest.raises(DatasetError, match=message):
        fetch_tiny(root, mirror, archives)
    assert_nothing_left(root)
