"""Upload checks for exercise illustrations and demonstration videos (no Pillow or ffmpeg
here: we check sizes, names and the files' first bytes)."""

from __future__ import annotations

import re

import webvtt
import webvtt.errors
from django.core.exceptions import ValidationError

MAX_ILLUSTRATION_BYTES = 1024 * 1024

# First bytes of the raster formats we accept. SVG is refused: it can carry scripts.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def illustration_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_illustration(upload) -> None:
    if upload.size > MAX_ILLUSTRATION_BYTES:
        raise ValidationError("The picture is too large: keep it under 1 MB.")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if illustration_content_type(head) is None:
        raise ValidationError("Upload a PNG, JPEG or WebP picture.")


# --- Demonstration videos ------------------------------------------------------------------
# A video is checked three ways before anything is stored: its size, its file name's extension
# and its first bytes (the container's own header), and the extension must name the container
# the bytes are. Nothing is decoded: the browser that plays it does that.

MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_CAPTIONS_BYTES = 256 * 1024
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}

# ISO base media files start with an `ftyp` box: size (4 bytes), "ftyp", the major brand, a
# minor version, then compatible brands. AVIF and HEIF pictures use the same box, so the brand
# decides whether it is a video.
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
_IMAGE_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = b"\x42\x82"


def _mp4_brands(head: bytes) -> set[bytes] | None:
    if head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[:4], "big")
    end = min(box_size, len(head))
    if box_size < 16 or end < 16:
        return None
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    return {head[8:12], *compatible}


def _ebml_vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, next position), or None."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, at + length


def _webm_doctype(head: bytes) -> bytes | None:
    """The DocType of an EBML header ("webm" for WebM, "matroska" for MKV), or None."""
    if not head.startswith(_EBML_MAGIC):
        return None
    size = _ebml_vint(head, 4, keep_marker=False)
    if size is None:
        return None
    header_size, at = size
    end = min(at + header_size, len(head))
    while at < end:
        element = _ebml_vint(head, at, keep_marker=True)
        if element is None:
            return None
        element_id, at = element
        length = _ebml_vint(head, at, keep_marker=False)
        if length is None:
            return None
        length_value, at = length
        if element_id == int.from_bytes(_EBML_DOCTYPE, "big"):
            return head[at : at + length_value]
        at += length_value
    return None


def video_content_type(head: bytes) -> str | None:
    """video/mp4 or video/webm from a file's first 64 bytes, or None for anything else."""
    brands = _mp4_brands(head)
    if brands is not None:
        if head[8:12] in _IMAGE_BRANDS or not brands & _MP4_BRANDS:
            return None
        return "video/mp4"
    if _webm_doctype(head) == b"webm":
        return "video/webm"
    return None


def _head(upload, length: int) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(length)
    upload.seek(position)
    return head


def validate_video(upload) -> None:
    if upload.size > MAX_VIDEO_BYTES:
        raise ValidationError("The video is too large: keep it under 50 MB.")
    name = (getattr(upload, "name", "") or "").lower()
    extension = next((ext for ext in VIDEO_TYPES if name.endswith(ext)), None)
    if extension is None:
        raise ValidationError(
            "Upload an MP4 or WebM video: the file name must end in .mp4 or .webm."
        )
    content_type = video_content_type(_head(upload, 64))
    if content_type is None:
        raise ValidationError("This file is not an MP4 or WebM video.")
    if content_type != VIDEO_TYPES[extension]:
        raise ValidationError(
            f"The file name ends in {extension} but the file is a "
            f"{content_type.removeprefix('video/').upper()} video: rename it and try again."
        )


# A cue timing line: start --> end, each [hh:]mm:ss.ttt.
_TIME = r"(\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}")


def validate_captions(upload) -> None:
    """WebVTT captions: UTF-8, the "WEBVTT" signature line, at least one cue, every cue timed."""
    if upload.size > MAX_CAPTIONS_BYTES:
        raise ValidationError("The captions file is too large: keep it under 256 KB.")
    if not (getattr(upload, "name", "") or "").lower().endswith(".vtt"):
        raise ValidationError("Upload the captions as a WebVTT file ending in .vtt.")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    raw = upload.read()
    upload.seek(position)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The captions file must be saved as UTF-8 text.") from None
    lines = text.splitlines()
    if not lines or not re.fullmatch(r"WEBVTT([ \t].*)?", lines[0]):
        raise ValidationError('This is not a WebVTT file: its first line must be "WEBVTT".')
    timings = [line for line in lines if "-->" in line]
    if not timings:
        raise ValidationError("The captions file has no captions in it.")
    bad = next((line for line in timings if not _TIMING.match(line.strip())), None)
    try:
        cues = webvtt.WebVTT.from_string(text).captions
    except webvtt.errors.MalformedFileError:
        cues = []
    if bad is not None or len(cues) != len(timings):
        shown = (bad or timings[0]).strip()[:60]
        raise ValidationError(f"A caption's timing cannot be read (near “{shown}”).")
