"""Real media files built in the test: a PNG poster, MP4 and WebM containers, WebVTT captions.

There is no ffmpeg on the test machines, so the containers are assembled here byte by byte:
an ISO BMFF file (an `ftyp` box, then `free` and `mdat` boxes) and a WebM file (an EBML header
with DocType "webm", then a Segment). They are well-formed containers, enough for every check
and for byte-range streaming; the browser test records a playable WebM in Chromium itself.
"""

from __future__ import annotations

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from exercises.videos import services


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(payload: int = 4000, *, brand: bytes = b"isom") -> bytes:
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 0x200) + b"isom" + b"iso2" + b"mp41")
    body = bytes(i % 251 for i in range(payload))
    return ftyp + _box(b"free", b"") + _box(b"mdat", body)


def _element(element_id: bytes, data: bytes) -> bytes:
    return element_id + bytes([0x80 | len(data)]) + data  # sizes under 127 bytes here


def webm(payload: int = 4000, *, doctype: bytes = b"webm") -> bytes:
    header = b"".join(
        [
            _element(b"\x42\x86", b"\x01"),  # EBMLVersion
            _element(b"\x42\xf7", b"\x01"),  # EBMLReadVersion
            _element(b"\x42\xf2", b"\x04"),  # EBMLMaxIDLength
            _element(b"\x42\xf3", b"\x08"),  # EBMLMaxSizeLength
            _element(b"\x42\x82", doctype),  # DocType
            _element(b"\x42\x87", b"\x04"),  # DocTypeVersion
            _element(b"\x42\x85", b"\x02"),  # DocTypeReadVersion
        ]
    )
    void = b"\xec" + b"\x01" + struct.pack(">Q", payload)[1:] + bytes(payload)  # Void element
    segment = b"\x18\x53\x80\x67" + b"\x01" + struct.pack(">Q", len(void))[1:] + void
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment


VTT = (
    b"WEBVTT\n\n"
    b"00:00.000 --> 00:00.800\nLie on your back with both knees bent.\n\n"
    b"00:00.800 --> 00:01.600\nSlowly straighten one knee.\n"
)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type)


def video_files(*, video: bytes | None = None, name: str = "move.mp4") -> dict:
    """A complete, valid upload: the form's three fields."""
    return {
        "video": upload(name, mp4() if video is None else video, "video/mp4"),
        "poster": upload("poster.png", png(), "image/png"),
        "captions": upload("captions.vtt", VTT, "text/vtt"),
    }


def give_video(exercise, user, **kwargs):
    """A current video for the exercise, through the upload service."""
    return services.video_upload(exercise=exercise, user=user, **video_files(**kwargs))
