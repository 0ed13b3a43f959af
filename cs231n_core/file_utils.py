"""Writing a file so that an interrupted write never leaves it half-written (the
checkpoints of solver.py and pytorch_models.py)."""
import os


def write_then_replace(path, temporary, open_temporary, write):
    """Write a new version of the file `path` through the temporary file `temporary`,
    in the same folder: write(stream) into the binary stream open_temporary() returns
    (a new file at `temporary`), flush it to disk, then rename it over `path` (os.replace
    is atomic on one file system), so that `path` holds its old content or the whole new
    one. When anything fails, the temporary file is removed and the error raised again."""
    try:
        with open_temporary() as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
