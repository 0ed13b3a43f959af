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


def test_data_fetch_reports_a_failed_or_corrupt_download_clearly(tmp_path):
    env = dict(os.environ, CS231N_DATA=str(tmp_path / "cache"))
    missing = cs231n("data", "fetch", "cifar10", "--url", "file:///nonexistent/cifar.tar.gz", env=env)
    assert missing.returncode != 0 and "cs231n data fetch:" in missing.stderr
    corrupt = tmp_path / "mirror.tar.gz"
    corrupt.write_bytes(b"not the real tarball")
    process = cs231n("data", "fetch", "cifar10", "--url", corrupt.as_uri(), env=env)
    assert process.returncode != 0 and "md5" in process.stderr.lower()
    assert not (tmp_path / "cache" / "cifar-10-batches-py").exists()


def test_release_command_writes_a_release_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "rel"
    process = cs231n("release", "assignment1", "--out", str(out))
    assert process.returncode == 0, process.stderr
    assert (out / "knn.ipynb").exists() and (out / "cs231n_core").is_dir()
    again = cs231n("release", "assignment1", "--out", str(out))
    assert again.returncode != 0 and "not empty" in again.stderr
