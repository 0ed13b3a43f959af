"""The wire format between the trusted grader and the sandboxed worker.

Both directions carry one `.npz` archive, loaded with ``allow_pickle=False`` so that
nothing but plain numeric arrays and one JSON header can cross. The header is stored
as a 0-d unicode array under the key ``HEADER``.

The worker writes these bytes itself, so decode() trusts nothing in them before it
has checked it: members must be stored uncompressed (a DEFLATE'd member of zeros
would inflate a thousandfold in the trusted process), and each member's .npy header
must declare exactly the bytes the member holds, all within the caller's cap, before
any array is read.
"""
import io
import json
import os
import struct
import zipfile

import numpy as np

HEADER = "__header__"
MAX_MESSAGE_BYTES = 1 << 30  # a response larger than this is refused, not parsed
MAX_MEMBERS = 10000          # arrays in one message


# The zygote and the trusted side exchange frames: an 8-byte big-endian length, then
# that many bytes (a JSON header, or a message as encode() makes it).
FRAME_LENGTH = struct.Struct(">Q")


def frame(data):
    """`data` (bytes) as one frame."""
    return FRAME_LENGTH.pack(len(data)) + data


def read_frame(fd, cap=None, wait=None):
    """The data of the next frame on the pipe `fd`, read in chunks of at most 1 MiB.
    `wait()`, when given, runs before each read (the trusted side waits there for the
    pipe, and raises once its deadline has passed). Raises EOFError when the pipe closes
    before the frame is whole, and ProtocolError for a frame larger than `cap` bytes."""
    (size,) = FRAME_LENGTH.unpack(_read_exact(fd, FRAME_LENGTH.size, wait))
    if cap is not None and size > cap:
        raise ProtocolError("a frame of %d bytes, more than the %d expected" % (size, cap))
    return _read_exact(fd, size, wait)


def _read_exact(fd, size, wait):
    chunks = []
    while size:
        if wait is not None:
            wait()
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


def encode(header, arrays=None):
    """Pack a JSON-able header and a dict of arrays into npz bytes."""
    payload = {HEADER: np.array(json.dumps(header))}
    for key, value in (arrays or {}).items():
        if key == HEADER:
            raise ValueError("array key %r is reserved" % HEADER)
        payload[key] = np.asarray(value)
    buffer = io.BytesIO()
    np.savez(buffer, **payload)
    return buffer.getvalue()


def _check_member(archive, info):
    """Read a member's .npy header and check its declared shape and dtype against the
    member's size; raise ProtocolError before any data is read."""
    if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
        raise ProtocolError("member %r is compressed" % info.filename[:80])
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ProtocolError("member %r has .npy version %s" % (info.filename[:80], version))
        header_size = member.tell()
    if dtype.hasobject:
        raise ProtocolError("member %r holds Python objects" % info.filename[:80])
    count = 1
    for length in shape:
        count *= int(length)
    if header_size + count * dtype.itemsize != info.file_size:
        raise ProtocolError("member %r declares shape %s of %s, which is not what it holds"
                            % (info.filename[:80], tuple(shape)[:8], dtype.str))


def decode(data, max_bytes=MAX_MESSAGE_BYTES):
    """Unpack npz bytes into (header, arrays); raise ProtocolError on anything odd, and
    on anything that would inflate beyond `max_bytes` before inflating it."""
    if len(data) > min(max_bytes, MAX_MESSAGE_BYTES):
        raise ProtocolError("message of %d bytes is larger than the limit" % len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:
        raise ProtocolError("malformed message: %s" % type(exc).__name__) from None
    if len(infos) > MAX_MEMBERS:
        raise ProtocolError("message of %d arrays, more than %d" % (len(infos), MAX_MEMBERS))
    if sum(info.file_size for info in infos) > max_bytes:
        raise ProtocolError("message declares more than %d bytes" % max_bytes)
    try:
        for info in infos:
            _check_member(archive, info)
        with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
        header = json.loads(str(arrays.pop(HEADER)))
    except ProtocolError:
        raise
    except Exception as exc:  # malformed zip, pickled objects, bad JSON, missing header
        raise ProtocolError("malformed message: %s" % type(exc).__name__) from None
    if not isinstance(header, dict):
        raise ProtocolError("malformed message: header is not an object")
    return header, arrays
