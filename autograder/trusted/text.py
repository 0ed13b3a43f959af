"""Text that came from a submission, made safe to show.

Every string a worker sends (exception names and messages, tracebacks, output tails,
dictionary keys) is the student's to choose. Before it reaches a message, the score
table printed on a terminal, results.json or feedback HTML, clean() drops control
characters (ANSI escape sequences would let a student redraw the terminal: clear it,
print "total 100.00") and bidirectional overrides (which reorder what a reader sees),
and caps its length (a 200 MB exception name would otherwise be copied into every
report).
"""
import re

# C0 controls but tab and newline, DEL, C1 controls, and Unicode's bidirectional
# embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A whole ANSI/VT100 escape sequence (CSI ... final byte, OSC ... BEL/ST, or ESC + one
# character), removed as a unit so that its parameters do not stay behind as text.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")

MESSAGE_CHARS = 4000   # the longest text any one message keeps
NAME_CHARS = 200       # an exception's type name, a dictionary key


def clean(text, limit=MESSAGE_CHARS):
    """`text` (anything; str() of it) without control characters, at most `limit`
    characters long (the end cut, and said so)."""
    text = str(text)
    if len(text) > 4 * limit:  # no need to scan megabytes that will be cut anyway
        text = text[:4 * limit]
    text = _UNSAFE.sub("", _ESCAPE.sub("", text.replace("\r\n", "\n")))
    if len(text) > limit:
        text = text[:limit] + " [... cut at %d characters]" % limit
    return text


def clean_tail(text, limit=MESSAGE_CHARS):
    """Like clean(), but keeps the end of `text` (an output tail, a traceback)."""
    text = str(text)
    if len(text) > 4 * limit:
        text = text[-4 * limit:]
    text = _UNSAFE.sub("", _ESCAPE.sub("", text.replace("\r\n", "\n")))
    if len(text) > limit:
        text = "[cut at %d characters ...] " % limit + text[-limit:]
    return text
