"""Upload checks for exercise illustrations (no Pillow here: we check size and magic bytes)."""

from __future__ import annotations

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
