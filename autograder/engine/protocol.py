"""The wire format between the trusted grader and the sandboxed worker.

Both directions carry one `.npz` archive, loaded with ``allow_pickle=False`` so that
nothing but plain numeric arrays and one JSON header can cross. The header is stored
as a 0-d unicode array under the key ``HEADER``.
"""
import io
import json
import struct

import numpy as np

HEADER = "__header__"
MAX_MESSAGE_BYTES = 1 << 30  # a response larger than this is refused, not parsed


# The zygote and the trusted side exchange frames: an 8-byte big-endian length, then
# that many bytes (a JSON header, or a message as encode() makes it).
FRAME_LENGTH = struct.Struct(">Q")


def frame(data):
    """`data` (bytes) as one frame."""
    return FRAME_LENGTH.pack(len(data)) + data


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


def decode(data):
    """Unpack npz bytes into (header, arrays); raise ProtocolError on anything odd."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message of %d bytes is larger than the limit" % len(data))
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        header = json.loads(str(arrays.pop(HEADER)))
    except Exception as exc:  # malformed zip, pickled objects, bad JSON, missing header
        raise ProtocolError("malformed message: %s" % type(exc).__name__) from None
    if not isinstance(header, dict):
        raise ProtocolError("malformed message: header is not an object")
    return header, arrays
