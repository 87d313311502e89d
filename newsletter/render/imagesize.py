"""The pixel size of a PNG, GIF or JPEG, read from the file's header.

The email gives every image a `width` attribute (Outlook ignores CSS widths), so the
size is needed; reading a few header bytes is enough and needs no imaging library.
"""

from __future__ import annotations

import struct
from pathlib import Path

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4, C8 and CC are other segments.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_SCAN_LIMIT = 1_000_000  # a frame header after this many bytes means a broken file


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels, or None when the data is no PNG, GIF or JPEG we can read."""
    if data.startswith(_PNG) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return _positive(width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return _positive(width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def file_image_size(file: Path) -> tuple[int, int] | None:
    """`image_size` of a file, reading only as much of it as needed."""
    try:
        with file.open("rb") as stream:
            head = stream.read(64 * 1024)
            size = image_size(head)
            if size is None and head.startswith(b"\xff\xd8"):
                size = image_size(head + stream.read(_JPEG_SCAN_LIMIT))
            return size
    except OSError:
        return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    end = min(len(data), _JPEG_SCAN_LIMIT)
    while index + 4 <= end:
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # markers without a length
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in _JPEG_FRAMES:
            if index + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return _positive(width, height)
        index += 2 + length
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None
