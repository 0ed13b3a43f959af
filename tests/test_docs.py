"""The project's documents cite only files that a clone of the project has."""
import os
import re
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CITED_DOCUMENT = re.compile(r"[\w./-]*\w\.md\b")


def tracked_files():
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.split("\n") if name]


def test_every_cited_document_is_in_the_project():
    files = tracked_files()
    assert "ARCHITECTURE.md" in files and "README.md" in files
    present = {os.path.basename(name) for name in files}
    missing = []
    for name in files:
        try:
            with open(os.path.join(REPO, name), encoding="utf-8") as handle:
                text = handle.read()
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary data
        missing += ["%s cites %s" % (name, cited) for cited in set(CITED_DOCUMENT.findall(text))
                    if os.path.basename(cited) not in present]
    assert not missing, missing
