"""Image sizes read from PNG, GIF, JPEG and WebP headers; anything else has none."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from newsletter.render.imagesize import file_image_size, image_size
from tests.conftest import REPO, tiny_png


def jpeg(width: int, height: int, frame: int = 0xC0) -> bytes:
    """A JPEG's markers up to its frame header: start, an APP0 segment, a fill byte, SOF."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = bytes([0xFF, frame]) + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + b"\xff" + sof + b"\xff\xda"


def webp(chunk: bytes, payload: bytes) -> bytes:
    """A RIFF WebP file holding one chunk."""
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_png() -> None:
    assert image_size(tiny_png()) == (1, 1)
    assert file_image_size(REPO / "content/issues/061/images/busan-workshop.png") == (600, 320)


def test_gif() -> None:
    assert image_size(b"GIF89a" + struct.pack("<HH", 320, 200) + b"\x00" * 10) == (320, 200)
    assert image_size(b"GIF87a" + struct.pack("<HH", 1, 2)) == (1, 2)


@pytest.mark.parametrize("frame", [0xC0, 0xC2])
def test_jpeg_baseline_and_progressive(frame: int) -> None:
    assert image_size(jpeg(1024, 768, frame)) == (1024, 768)


def test_jpeg_after_a_large_segment(tmp_path: Path) -> None:
    exif = b"\xff\xe1" + struct.pack(">H", 65000) + b"\x00" * 64998
    data = b"\xff\xd8" + exif + jpeg(640, 480)[2:]
    assert image_size(data) == (640, 480)
    file = tmp_path / "big.jpg"
    file.write_bytes(data + b"\x00" * 10)
    assert file_image_size(file) == (640, 480)  # past the first 64 KB read


def test_webp_lossy_lossless_and_extended(tmp_path: Path) -> None:
    lossy = b"\x30\x01\x00\x9d\x01\x2a" + struct.pack("<HH", 400, 300) + b"\x00" * 8
    assert image_size(webp(b"VP8 ", lossy)) == (400, 300)
    bits = (640 - 1) | (480 - 1) << 14
    assert image_size(webp(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 8)) == (640, 480)
    extended = b"\x00" * 4 + (1999).to_bytes(3, "little") + (999).to_bytes(3, "little")
    file = tmp_path / "photo.webp"
    file.write_bytes(webp(b"VP8X", extended))
    assert file_image_size(file) == (2000, 1000)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"\x89PNG\r\n\x1a\n",  # no IHDR
        b"GIF89a\x00\x00\x00\x00",  # zero size
        b"\xff\xd8\xff\xe0\x00",  # truncated JPEG
        b"\xff\xd8\x00\x00\x00\x00",  # JPEG without markers
        jpeg(0, 10),
        b"RIFF\x00\x00\x00\x00WEBPVP8?" + b"\x00" * 20,  # unknown WebP chunk
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"></svg>',  # no raster
        b"https://example.org/a.png",  # bytes are data here, never a file name or URL
    ],
)
def test_unreadable_data_has_no_size(data: bytes) -> None:
    assert image_size(data) is None


def test_a_missing_file_has_no_size(tmp_path: Path) -> None:
    assert file_image_size(tmp_path / "nowhere.png") is None
    assert file_image_size(tmp_path) is None  # a folder
