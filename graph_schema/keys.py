"""Identities the schema gives what has no key of its own: a relationship's `rel_key`.

The Neo4j loader MERGEs relationships on it, the bulk-import files carry it, and the release
publishes it as a membership's id; one definition here keeps the three the same.
"""

from __future__ import annotations

import hashlib

from .types import to_text

_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def rel_key(rtype: str, start: str, end: str, valid_from: object = None) -> str:
    """The identity of a relationship: type, endpoints and (for temporal ones) interval start,
    as 20 letters a-p (the first 80 bits of the SHA-1 of their text forms). The same for a date
    given as `datetime.date`, `pandas.Timestamp` or ISO text; None, NaN and no start agree."""
    text = f"{rtype}|{start}|{end}|{to_text(valid_from)}"
    # letters only (hex digits mapped to a-p): a run of digits could look like a phone number
    # to the privacy scan that every release passes
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20].translate(_HEX_TO_LETTERS)
