"""Canonical JSON bytes for hashing and signing (RFC 8785 "JCS" subset).

``canonical_json(obj)`` returns the one byte string that every conforming
serializer produces for ``obj``, so that a hash or signature over it can be
recomputed by a third party:

* objects: members sorted by key, comparing the keys as sequences of UTF-16
  code units (RFC 8785 §3.2.3), which differs from code-point order only for
  characters outside the BMP versus U+E000–U+FFFF; keys must be ``str``;
* no insignificant whitespace: ``,`` and ``:`` separators only;
* strings: UTF-8, not ASCII-escaped; only ``"``, ``\\`` and the controls
  U+0000–U+001F are escaped, using ``\\b \\t \\n \\f \\r`` where those exist and
  ``\\u00xx`` (lower-case hex) otherwise, exactly as ECMAScript
  ``JSON.stringify`` does; strings containing lone surrogates are rejected
  (``ValueError``), as I-JSON requires;
* literals ``true``, ``false``, ``null``;
* numbers: **integers only**, written in plain decimal.  Credit events carry
  integers, strings and dates as ISO-8601 strings only, so floats are refused
  with ``TypeError`` (``float``/``Decimal`` NaN and infinities with
  ``ValueError``).  Integers are restricted to the I-JSON / IEEE-754 exact range
  ±(2**53 − 1); larger ones raise ``ValueError`` because a JCS implementation
  in another language (which reads numbers as doubles) would serialize them
  differently;
* arrays from ``list`` or ``tuple``.

Anything else — ``date``, ``datetime``, ``bytes``, sets, arbitrary objects —
raises ``TypeError``: the caller converts (dates to ISO strings, bytes to hex
or base64) before canonicalizing.  Circular containers raise ``ValueError``.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal
from typing import Any

__all__ = ["MAX_SAFE_INTEGER", "canonical_json"]

MAX_SAFE_INTEGER = 2**53 - 1

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def canonical_json(obj: Any) -> bytes:
    """Serialize ``obj`` to RFC 8785-style canonical JSON, as UTF-8 bytes.

    Accepted: ``dict`` (``str`` keys), ``list``/``tuple``, ``str``, ``int`` within
    ±(2**53 − 1), ``bool`` and ``None``.  Floats raise ``TypeError`` (credit
    events carry only integers, strings and dates-as-ISO-strings); NaN and
    infinities raise ``ValueError``; ``date``/``datetime`` and other types raise
    ``TypeError``.
    """
    parts: list[str] = []
    _encode(obj, parts, set())
    return "".join(parts).encode("utf-8")


def _encode(obj: Any, out: list[str], stack: set[int]) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(_encode_string(obj))
    elif isinstance(obj, int):
        value = int(obj)
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(
                f"integer {value} is outside the interoperable range ±(2**53 - 1); encode it as a string"
            )
        out.append(str(value))
    elif isinstance(obj, float | Decimal):
        finite = math.isfinite(obj) if isinstance(obj, float) else obj.is_finite()
        if not finite:
            raise ValueError(f"NaN and infinities are not allowed in canonical JSON: {obj!r}")
        raise TypeError(
            f"floating-point numbers are not allowed in canonical JSON: {obj!r}; "
            "credit events carry integers and strings only"
        )
    elif isinstance(obj, dict):
        _enter(obj, stack)
        keys = list(obj)
        for key in keys:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be str, not {type(key).__name__}: {key!r}")
        # RFC 8785 §3.2.3: sort by UTF-16 code units.  Big-endian UTF-16 bytes compare
        # exactly like the code-unit sequences.  Lone surrogates are rejected by
        # _encode_string below before this could matter, so validate first.
        encoded_keys = {key: _encode_string(key) for key in keys}
        keys.sort(key=lambda k: k.encode("utf-16-be"))
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(encoded_keys[key])
            out.append(":")
            _encode(obj[key], out, stack)
        out.append("}")
        stack.discard(id(obj))
    elif isinstance(obj, list | tuple):
        _enter(obj, stack)
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _encode(item, out, stack)
        out.append("]")
        stack.discard(id(obj))
    elif isinstance(obj, _dt.date | _dt.time):
        raise TypeError(
            f"{type(obj).__name__} is not allowed in canonical JSON: {obj!r}; "
            "convert it to an ISO-8601 string first"
        )
    else:
        raise TypeError(f"type {type(obj).__name__} is not allowed in canonical JSON: {obj!r}")


def _enter(container: object, stack: set[int]) -> None:
    if id(container) in stack:
        raise ValueError("circular reference in canonical JSON input")
    stack.add(id(container))


def _encode_string(s: str) -> str:
    chars = ['"']
    for ch in s:
        code = ord(ch)
        if ch in _SHORT_ESCAPES:
            chars.append(_SHORT_ESCAPES[ch])
        elif code < 0x20:
            chars.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"string contains a lone surrogate U+{code:04X}: {s!r}")
        else:
            chars.append(ch)
    chars.append('"')
    return "".join(chars)
