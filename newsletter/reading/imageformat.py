"""What an image file really is, read from its first bytes: its format and pixel size.

`check` must stay fast, so the format is told by the signature every format starts
with, and the size read from the header, as `render/imagesize.py` (the `imagesize`
package, which would load urllib and cost `check` a third of its time) reads it when
the email is made. PNG, GIF, JPEG, WebP and AVIF; an SVG's size is in its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO, Literal

HEAD_BYTES = 65_536
NAMES = {
    "png": "PNG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "webp": "WebP",
    "avif": "AVIF",
    "svg": "SVG",
}
# The formats browsers and mail programs show, by the file name's extension.
EXTENSIONS = {
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".gif": "gif",
    ".webp": "webp",
    ".avif": "avif",
    ".svg": "svg",
}
_SVG_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*<svg\b",
    re.S,
)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True, slots=True)
class ImageFormat:
    """What the bytes say: `format` (a key of NAMES, or None), and the size in pixels
    when the header holds it."""

    format: str | None
    size: tuple[int, int] | None = None


def read_format(stream: BinaryIO) -> ImageFormat:
    """The format and pixel size of the image `stream` holds, reading only its header."""
    head = stream.read(HEAD_BYTES)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat("png", _pair(head, 16, 4, "big") if head[12:16] == b"IHDR" else None)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ImageFormat("gif", _pair(head, 6, 2, "little"))
    if head.startswith(b"\xff\xd8\xff"):
        return ImageFormat("jpeg", _jpeg_size(stream))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageFormat("webp", _webp_size(head))
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        box = head.find(b"ispe")
        return ImageFormat("avif", _pair(head, box + 8, 4, "big") if box > 0 else None)
    if _SVG_START.match(head):
        return ImageFormat("svg")
    return ImageFormat(None)


def describe(head: bytes) -> str:
    """What a file that is no image holds, in the editor's words: text, a web page,
    a PDF, or unknown bytes."""
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP archive (a Word or Excel file?)"
    try:
        text = head[:2000].decode("utf-8")
    except UnicodeDecodeError:
        return "bytes of no image format"
    if "\0" in text:
        return "bytes of no image format"
    if re.match(r"\s*(<!doctype html|<html)", text, re.I):
        return "a web page (HTML), perhaps saved from a browser"
    first = " ".join(text.split())[:40]
    return f"text ({first!r})" if first else "nothing (it is empty)"


def _pair(
    head: bytes, offset: int, width: int, order: Literal["big", "little"]
) -> tuple[int, int] | None:
    """Two unsigned numbers of `width` bytes at `offset`: (width, height)."""
    data = head[offset : offset + 2 * width]
    if len(data) < 2 * width:
        return None
    x = int.from_bytes(data[:width], order)
    y = int.from_bytes(data[width:], order)
    return (x, y) if x > 0 and y > 0 else None


def _jpeg_size(stream: BinaryIO) -> tuple[int, int] | None:
    """The size in the frame header, found by walking the segments (an EXIF segment
    can hold 64 KB before it)."""
    stream.seek(2)
    for _ in range(10_000):  # a real JPEG reaches its frame header in a few segments
        if stream.read(1) != b"\xff":
            return None
        marker = stream.read(1)
        while marker == b"\xff":  # fill bytes
            marker = stream.read(1)
        if not marker:
            return None
        code = marker[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            continue
        length = int.from_bytes(stream.read(2), "big")
        if code in _SOF:
            data = stream.read(5)  # precision, then height and width
            size = _pair(data, 1, 2, "big")
            return (size[1], size[0]) if size else None
        if code == 0xDA or length < 2:  # the image data starts: no frame header
            return None
        stream.seek(length - 2, 1)
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk, payload = head[12:16], head[20:]
    if chunk == b"VP8 " and payload[3:6] == b"\x9d\x01\x2a":
        width = int.from_bytes(payload[6:8], "little") & 0x3FFF
        height = int.from_bytes(payload[8:10], "little") & 0x3FFF
        return (width, height) if width and height else None
    if chunk == b"VP8L" and payload[:1] == b"\x2f" and len(payload) >= 5:
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(payload) >= 10:
        width = int.from_bytes(payload[4:7], "little") + 1
        return width, int.from_bytes(payload[7:10], "little") + 1
    return None
