"""The pixel size of an image (PNG, GIF, JPEG, WebP and what else `imagesize` reads).

The email gives every image a `width` attribute (Outlook ignores CSS widths), so the
size is needed; the `imagesize` package reads it from the file's header.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import imagesize


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels, or None when the data is no image we can read."""
    return _size(io.BytesIO(data))


def file_image_size(file: Path) -> tuple[int, int] | None:
    """`image_size` of a file, reading only as much of it as needed; None when unreadable."""
    try:
        with file.open("rb") as stream:
            return _size(stream)
    except OSError:
        return None


def _size(stream: BinaryIO) -> tuple[int, int] | None:
    # A stream, never a name: `imagesize.get` fetches a str that starts with https://.
    # exif_rotation=False: the size as stored, what the width attributes always had.
    # (-1, -1) means unreadable; an SVG's lengths are floats, no <img width>.
    width, height = imagesize.get(stream, exif_rotation=False)
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None
