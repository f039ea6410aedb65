"""HTTP Range requests (RFC 9110 section 14) for files read through Django's storage API.

Phones play video by asking for pieces of it (`Range: bytes=0-`, then wherever the patient
seeks), and refuse to seek in a file served without ranges. Django's `FileResponse` always
sends the whole file, so this module answers one byte range itself. It reads through the
storage's file object (`open`, `seek`, `read`), or the storage's own `open_range` where it has
one (clinic/storage.py: an S3 GET of just those bytes), so it works the same for local files
and for an S3-compatible store.

A request for several ranges at once is answered with the whole file, as RFC 9110 allows; a
range that does not fit the file, or that cannot be read, gets 416 with the file's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK_BYTES = 64 * 1024
_SPEC = re.compile(r"^(\d*)-(\d*)$")


class UnsatisfiableRangeError(Exception):
    """The Range header names bytes the file does not have, or cannot be read."""


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range asked for, None for the whole file, or raise UnsatisfiableRangeError."""
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None  # a unit we do not know is ignored (RFC 9110 14.2)
    parts = [part.strip() for part in specs.split(",")]
    if len(parts) > 1 and all(_SPEC.match(part) for part in parts):
        return None  # several ranges: the whole file instead of a multipart answer
    match = _SPEC.match(parts[0]) if len(parts) == 1 else None
    if match is None or match.groups() == ("", ""):
        raise UnsatisfiableRangeError(header)
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRangeError(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        raise UnsatisfiableRangeError(header)
    return ByteRange(start, end)


def _chunks(handle, length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _open_range(file, wanted: ByteRange):
    """A stream starting at the range's first byte: the storage's own ranged read where it has
    one (clinic/storage.py, for S3), else its file object, seeked."""
    open_range = getattr(file.storage, "open_range", None)
    if open_range is not None:
        return open_range(file.name, wanted.first, wanted.last)
    handle = file.storage.open(file.name, "rb")
    handle.seek(wanted.first)
    return handle


def ranged_file_response(
    request: HttpRequest, *, file, size: int, content_type: str
) -> HttpResponse:
    """Serve `file` (a FieldFile, opened through its storage) honouring a single Range."""
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except UnsatisfiableRangeError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(file.storage.open(file.name, "rb"), content_type=content_type)
            response["Content-Length"] = str(size)
        else:
            handle = _open_range(file, wanted)
            response = StreamingHttpResponse(
                _chunks(handle, wanted.length), status=206, content_type=content_type
            )
            response["Content-Length"] = str(wanted.length)
            response["Content-Range"] = f"bytes {wanted.first}-{wanted.last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response
