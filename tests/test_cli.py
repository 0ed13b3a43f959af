"""The `cs231n` command line: help, data, release, and clear errors."""
import os
import subprocess
import sys


def cs231n(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "cs231n_core", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_help_lists_every_command():
    process = cs231n("--help")
    assert process.returncode == 0
    for command in ("data", "release", "grade", "grade-course", "gradescope", "demo", "submit"):
        assert command in process.stdout


def test_data_list_shows_embedded_datasets_and_the_fetch_command(tmp_path):
    env = dict(os.environ, CS231N_DATA=str(tmp_path))
    process = cs231n("data", "list", env=env)
    assert process.returncode == 0, process.stderr
    lines = process.stdout.lower().splitlines()
    assert any("digits" in l and "yes" in l for l in lines), process.stdout
    assert any("mnist" in l and "yes" in l for l in lines), process.stdout
    assert any("cifar10" in l and "cs231n data fetch cifar10" in l for l in lines), process.stdout
    for name in ("coco_captioning", "voc2007"):
        assert any(l.startswith(name + " ") and " no " in l and "cs231n data fetch " + name in l
                   for l in lines), process.stdout


def test_data_list_imports_neither_torch_nor_h5py(tmp_path):
    code = ("import sys; from cs231n_core import cli; cli.main(['data', 'list']); "
            "print(sorted({'torch', 'h5py'} & set(sys.modules)))")
    process = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, CS231N_DATA=str(tmp_path)),
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines()[-1] == "[]"


def test_data_fetch_reports_a_failed_or_corrupt_download_clearly(tmp_path):
    env = dict(os.environ, CS231N_DATA=str(tmp_path / "cache"))
    missing = cs231n("data", "fetch", "cifar10", "--url", "file:///nonexistent/cifar.tar.gz", env=env)
    assert missing.returncode != 0 and "cs231n data fetch:" in missing.stderr
    corrupt = tmp_path / "mirror.tar.gz"
    corrupt.write_bytes(b"not the real tarball")
    process = cs231n("data", "fetch", "cifar10", "--url", corrupt.as_uri(), env=env)
    assert process.returncode != 0 and "md5" in process.stderr.lower()
    assert not (tmp_path / "cache" / "cifar-10-batches-py").exists()


def test_data_fetch_coco_captioning_end_to_end(tmp_path, monkeypatch, capsys):
    """A tiny archive of CS231n's layout, fetched through the command: the real table
    refuses it, naming the sizes; with the tiny files' table it is fetched and pinned."""
    import functools
    import hashlib

    from cs231n_core import captioning_data, cli
    from test_captioning_data import TINY_COCO_LAYOUT, coco_zip

    path = coco_zip(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    root = tmp_path / "cache"
    fetch = ("data", "fetch", "coco_captioning", "--root", str(root), "--url", path.as_uri())
    refused = cs231n(*fetch)
    assert refused.returncode != 0 and "cs231n data fetch:" in refused.stderr
    assert "expected (400135, 17)" in refused.stderr and "expected 1004" in refused.stderr
    pinned_wrong = cs231n(*fetch, "--sha256", "0" * 64)
    assert pinned_wrong.returncode != 0 and "SHA-256 %s" % digest in pinned_wrong.stderr
    assert list(root.iterdir()) == []
    cifar = cs231n("data", "fetch", "cifar10", "--root", str(root), "--sha256", digest)
    assert cifar.returncode != 0 and "--sha256 is for coco_captioning" in cifar.stderr

    monkeypatch.setattr(captioning_data, "fetch_coco_captioning", functools.partial(
        captioning_data.fetch_coco_captioning, layout=TINY_COCO_LAYOUT, progress=False))
    assert cli.main(list(fetch) + ["--sha256", digest]) == 0
    out = capsys.readouterr().out
    assert "ready in %s" % (root / "coco_captioning") in out and "SHA-256 of the archive: %s" % digest in out
    assert captioning_data.load_coco_data(root / "coco_captioning")["val_captions"].shape == (2, 17)
    assert cli.main(list(fetch)) == 0
    assert "already in" in capsys.readouterr().out


def test_data_fetch_voc2007_end_to_end(tmp_path, monkeypatch, capsys):
    """Tiny archives of VOC's layout in a folder given as --url: the published MD5s refuse
    them, naming both digests; with the tiny archives' table they are fetched where
    VOCDetection and `data list` look."""
    import functools

    from cs231n_core import detection_data, cli
    from test_detection_data import voc_archives

    mirror, archives = voc_archives(tmp_path)
    root = tmp_path / "cache"
    fetch = ("data", "fetch", "voc2007", "--root", str(root), "--url")
    refused = cs231n(*fetch, mirror.as_uri())
    assert refused.returncode != 0 and "cs231n data fetch:" in refused.stderr
    assert "MD5 %s" % archives["trainval"]["md5"] in refused.stderr
    assert "expected c52e279531787c972589f7e41ab4ae64" in refused.stderr
    assert list(root.iterdir()) == []
    pinned = cs231n("data", "fetch", "voc2007", "--root", str(root), "--sha256", "0" * 64)
    assert pinned.returncode != 0 and "--sha256 is for coco_captioning" in pinned.stderr

    monkeypatch.setattr(detection_data, "fetch_voc2007", functools.partial(
        detection_data.fetch_voc2007, archives=archives, progress=False))
    assert cli.main(list(fetch) + [str(mirror)]) == 0      # a folder's path works too
    folder = root / "VOCdevkit" / "VOC2007"
    assert "ready in %s" % folder in capsys.readouterr().out
    assert len(detection_data.VOCDetection(root / "VOCdevkit", split="trainval")) == 2
    listed = cs231n("data", "list", env=dict(os.environ, CS231N_DATA=str(root)))
    assert any(l.startswith("voc2007 ") and " yes " in l and str(folder) in l
               for l in listed.stdout.splitlines()), listed.stdout


def test_release_command_writes_a_release_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "rel"
    process = cs231n("release", "assignment1", "--out", str(out))
    assert process.returncode == 0, process.stderr
    assert (out / "knn.ipynb").exists() and (out / "cs231n_core").is_dir()
    again = cs231n("release", "assignment1", "--out", str(out))
    assert again.returncode != 0 and "not empty" in again.stderr
