"""`cs231n submit ASSIGNMENT`: check an assignment folder and zip it for hand-in.

In the spirit of CS231n's collect_submission: run the public checks of every target
of the assignment, warn about notebooks that were not run top to bottom, and write one
zip holding the notebooks and cs231n_core/ at its top level, the layout that
`cs231n grade` and nbgrader's zip_collect accept, and one HTML page of every notebook
with its outputs (nbconvert), for courses that grade the written answers apart, as a
PDF printed from it.
"""
import json
import os
import subprocess
import sys
import zipfile

SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git"}


def notebook_warnings(path):
    """Sentences describing why a notebook does not look run top to bottom."""
    try:
        with open(path, encoding="utf-8") as handle:
            cells = [c for c in json.load(handle).get("cells", []) if c.get("cell_type") == "code"]
    except (OSError, ValueError) as exc:
        return ["%s cannot be read (%s)" % (os.path.basename(path), exc)]
    name = os.path.basename(path)
    counts = [c.get("execution_count") for c in cells if "".join(c.get("source", "")).strip()]
    if not counts:
        return []
    if any(count is None for count in counts):
        return ["%s: %d code cells were never run" % (name, sum(c is None for c in counts))]
    if counts != list(range(counts[0], counts[0] + len(counts))) or counts[0] != 1:
        return ["%s was not run top to bottom in one fresh kernel (execution counts %s...); "
                "use Kernel > Restart and Run All" % (name, counts[:6])]
    return []


def run_public_checks(assignment, folder):
    """Run the public checks in a fresh interpreter on the folder's own cs231n_core."""
    code = ("import sys; from cs231n_core.checks import check; from cs231n_core.targets import target_names;"
            "ok = [check(t) for t in target_names(%r)]; sys.exit(0 if all(ok) else 1)" % assignment)
    return subprocess.run([sys.executable, "-c", code], cwd=folder).returncode == 0


def write_zip(folder, out_path):
    """Notebooks and cs231n_core/ of `folder` into out_path; returns the member count."""
    members = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".ipynb"):
            members.append(name)
    for root, dirs, files in os.walk(os.path.join(folder, "cs231n_core")):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(".pyc"):
                members.append(os.path.relpath(os.path.join(root, name), folder))
    tmp = out_path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.write(os.path.join(folder, member), member)
    os.replace(tmp, out_path)
    return len(members)


def in_teaching_order(assignment, names):
    """The notebooks among `names`, the assignment's in the order it teaches them, then
    any other notebook by name."""
    from .targets import notebooks

    present = {n for n in names if n.endswith(".ipynb")}
    known = [n for n in notebooks(assignment) if n in present]
    return known + sorted(present - set(known))


def write_html(notebook_paths, out_path, title):
    """Every notebook, with its outputs, one after the other in one HTML page
    (nbconvert's lab template); returns out_path."""
    import nbformat
    from nbconvert import HTMLExporter

    merged = nbformat.v4.new_notebook()
    for path in notebook_paths:
        notebook = nbformat.read(path, as_version=4)
        merged.cells.append(nbformat.v4.new_markdown_cell("# %s" % os.path.basename(path)))
        merged.cells.extend(notebook.cells)
        merged.metadata.setdefault("kernelspec", notebook.metadata.get("kernelspec", {}))
        merged.metadata.setdefault("language_info", notebook.metadata.get("language_info", {}))
    merged.metadata["title"] = title
    for cell in merged.cells:
        cell.pop("id", None)  # ids repeat across notebooks; the page does not need them
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(merged)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.replace(tmp, out_path)
    return out_path


def main(assignment, folder=".", out=None):
    from .targets import ASSIGNMENTS
    if assignment not in ASSIGNMENTS:
        sys.exit("cs231n submit: unknown assignment %r (known: %s)" % (assignment, ", ".join(ASSIGNMENTS)))
    folder = os.path.abspath(folder)
    if not os.path.isdir(os.path.join(folder, "cs231n_core")):
        sys.exit("cs231n submit: %s has no cs231n_core/ folder; run this in your assignment folder" % folder)
    print("Public checks of %s:" % assignment)
    checks_ok = run_public_checks(assignment, folder)
    warnings = [w for n in sorted(os.listdir(folder)) if n.endswith(".ipynb")
                for w in notebook_warnings(os.path.join(folder, n))]
    for warning in warnings:
        print("warning: " + warning)
    out = out or os.path.join(folder, "%s_submission.zip" % assignment)
    count = write_zip(folder, out)
    print("\nWrote %s (%d files): hand in this file." % (out, count))
    notebooks = [os.path.join(folder, n) for n in in_teaching_order(assignment, os.listdir(folder))]
    html = os.path.join(os.path.dirname(out), "%s_notebooks.html" % assignment)
    try:
        write_html(notebooks, html, "%s: notebooks" % assignment)
        print("Wrote %s: every notebook with its outputs (print it to PDF if your course "
              "asks for one)." % html)
    except ImportError:
        print("warning: no HTML of the notebooks: nbconvert is not installed (pip install nbconvert)")
    except (OSError, ValueError) as exc:
        print("warning: no HTML of the notebooks: %s" % exc)
    if not checks_ok:
        print("Some public checks fail: the hidden graders will take points for them.")
    return 0
