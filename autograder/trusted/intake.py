"""What a submission may be before anything of it is copied or run: one set of limits
for `cs231n grade`, `grade-course` and the Gradescope path.

A submission is a folder (or a .zip of one) that holds `cs231n_core/`. Its
`cs231n_core/` may hold at most MAX_FILES files and folders and MAX_BYTES bytes, and
no symbolic link (a link could point at another student's folder or at the reference
solutions). A zip may hold at most MAX_ZIP_MEMBERS members and unpack to at most
MAX_UNZIPPED_BYTES, counted as it is unpacked (a member's declared size is not
believed); members that leave the folder, absolute names and links are refused. The
trusted side copies a submission once; these limits bound that work, which no worker
limit covers.
"""
import os
import shutil
import stat
import zipfile

MiB = 1 << 20
MAX_FILES = 2000                 # files and folders in cs231n_core/
MAX_BYTES = 100 * MiB            # bytes in cs231n_core/
MAX_ZIP_MEMBERS = 5000
MAX_UNZIPPED_BYTES = 200 * MiB
SEARCH_DEPTH = 3                 # how deep a zipped folder may hold cs231n_core/
# Never copied to the worker (and so not counted): caches and notebooks.
IGNORED_NAMES = ("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.so", "*.ipynb")

HINT = ("Hand in the zip that `cs231n submit ASSIGNMENT` writes (the notebooks and "
        "cs231n_core/ at its top level), or your assignment folder.")


class SubmissionRefused(Exception):
    """The submission breaks an intake limit or holds nothing gradable; the message is
    written for the student."""


def check_tree(folder):
    """None when folder/cs231n_core is within the limits; else why not, in a sentence."""
    source = os.path.join(folder, "cs231n_core")
    if os.path.islink(source):
        return "the submission's cs231n_core is a symbolic link, not a folder"
    if not os.path.isdir(source):
        return "the submission has no cs231n_core/ folder next to its notebooks"
    count, total = 0, 0
    for parent, dirs, files in os.walk(source):
        for name in dirs + files:
            path = os.path.join(parent, name)
            count += 1
            if count > MAX_FILES:
                return ("the submission's cs231n_core/ holds more than %d files and folders"
                        % MAX_FILES)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return ("the submission's cs231n_core/ holds a symbolic link (%s); hand in "
                        "plain files" % os.path.relpath(path, folder)[:200])
            if stat.S_ISREG(mode):
                total += os.lstat(path).st_size
            elif not stat.S_ISDIR(mode):
                return ("the submission's cs231n_core/ holds %s, which is not a plain file"
                        % os.path.relpath(path, folder)[:200])
        if total > MAX_BYTES:
            return "the submission's cs231n_core/ is larger than %d MiB" % (MAX_BYTES // MiB)
    return None


def safe_unzip(zip_path, dest):
    """Unpack zip_path into dest within the limits; raise SubmissionRefused otherwise."""
    name = os.path.basename(zip_path)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionRefused("%s could not be unpacked (%s). %s" % (name, exc, HINT)) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SubmissionRefused("%s holds %d members, more than the limit of %d"
                                    % (name, len(infos), MAX_ZIP_MEMBERS))
        root = os.path.realpath(dest)
        for info in infos:
            target = os.path.realpath(os.path.join(root, info.filename))
            if os.path.isabs(info.filename) or not target.startswith(root + os.sep):
                raise SubmissionRefused("%s has a member that points outside the archive (%s)"
                                        % (name, info.filename[:200]))
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionRefused("%s holds a symbolic link (%s); hand in plain files"
                                        % (name, info.filename[:200]))
        if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
            raise SubmissionRefused("%s unpacks to more than %d MiB" % (name, MAX_UNZIPPED_BYTES // MiB))
        written = 0
        try:
            for info in infos:
                target = os.path.join(root, info.filename)
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as out:
                    while True:
                        chunk = source.read(1 << 20)
                        if not chunk:
                            break
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:  # a member that lied about its size
                            raise SubmissionRefused("%s unpacks to more than %d MiB"
                                                    % (name, MAX_UNZIPPED_BYTES // MiB))
                        out.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise SubmissionRefused("%s could not be unpacked (%s). %s" % (name, exc, HINT)) from None


def _holds_submission(folder):
    core = os.path.join(folder, "cs231n_core")
    return os.path.isdir(core) and not os.path.islink(core)


def find_submission(folder, depth=SEARCH_DEPTH):
    """The folder under `folder` that holds cs231n_core/: the folder itself, or the one
    folder a student zipped (searched a few levels down, shallowest first); None when
    there is none. Links are never followed."""
    level = [folder]
    for _ in range(depth + 1):
        found = [f for f in level if _holds_submission(f)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise SubmissionRefused("the submission holds several cs231n_core/ folders (%s); "
                                    "hand in one assignment folder"
                                    % ", ".join(os.path.relpath(f, folder) for f in found))
        deeper = []
        for parent in level:
            try:
                names = sorted(os.listdir(parent))
            except OSError:
                continue
            for name in names:
                path = os.path.join(parent, name)
                if name.startswith((".", "__MACOSX")) or os.path.islink(path) or not os.path.isdir(path):
                    continue
                deeper.append(path)
            if len(deeper) > MAX_FILES:
                raise SubmissionRefused("the submission holds more than %d folders" % MAX_FILES)
        level = deeper
    return None


def locate_submission(path, scratch):
    """The folder to grade for `path`: a folder holding cs231n_core/ (at most
    SEARCH_DEPTH levels down), a .zip of one, or a folder holding exactly one such zip
    (an upload Gradescope did not unpack); zips are unpacked under `scratch`. The folder
    is checked against the limits (check_tree). Raises SubmissionRefused."""
    if os.path.isfile(path) and path.lower().endswith(".zip"):
        zips, upload = [path], None
    elif os.path.isdir(path):
        found = find_submission(path)
        if found:
            return _checked(found)
        upload = path
        zips = [os.path.join(path, n) for n in sorted(os.listdir(path))
                if n.lower().endswith(".zip") and os.path.isfile(os.path.join(path, n))
                and not os.path.islink(os.path.join(path, n))]
    else:
        raise SubmissionRefused("no submission at %s. %s" % (path, HINT))
    if len(zips) == 1:
        dest = os.path.join(scratch, "unzipped")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        safe_unzip(zips[0], dest)
        found = find_submission(dest)
        if found:
            return _checked(found)
    what = ", ".join(sorted(os.listdir(upload))[:10]) if upload else os.path.basename(path)
    raise SubmissionRefused("no cs231n_core/ folder was found in the submission (it holds: %s). %s"
                            % (what or "nothing", HINT))


def _checked(folder):
    problem = check_tree(folder)
    if problem:
        raise SubmissionRefused(problem)
    return folder
