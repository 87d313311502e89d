"""The image files an issue shows: a file that is not the image its name says, an SVG
that could run script, an image too heavy for an email, one of unknown size."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from newsletter.reading.imageformat import read_format
from newsletter.reading.svg import inspect_svg
from newsletter.render.imagesize import image_size
from tests.conftest import ARTICLE, ISSUE, tiny_png
from tests.test_check import article_showing, reported
from tests.test_imagesize import jpeg, webp

if TYPE_CHECKING:
    from tests.conftest import Folder, Run

RunCli = Callable[..., "Run"]


def showing(folder: Folder, name: str, data: bytes) -> str:
    """Put `data` in images/`name`, shown on line 6 of the article; its path."""
    path = f"{ISSUE}/images/{name}"
    folder.write(path, data)
    folder.write(ARTICLE, article_showing(f"![A picture](images/{name})"))
    return path


def png(width: int, height: int, padding: int = 0) -> bytes:
    """A PNG header of that size, with `padding` bytes of an ancillary chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    extra = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return b"\x89PNG\r\n\x1a\n" + header + extra + chunk(b"IEND", b"")


# --- Not the image the name says -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "holds"),
    [
        (
            "photo.jpg",
            b"Lorem ipsum dolor sit amet,\nconsectetur.\n",
            "text ('Lorem ipsum dolor sit amet, consectetur.')",
        ),
        (
            "photo.png",
            b"<!DOCTYPE html>\n<html><body>Not found</body></html>",
            "a web page (HTML), perhaps saved from a browser",
        ),
        ("chart.gif", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        ("photo.webp", b"", "nothing (it is empty)"),
    ],
    ids=["text", "html", "pdf", "empty"],
)
def test_a_file_that_is_no_image_is_an_error(
    folder: Folder, run_cli: RunCli, name: str, data: bytes, holds: str
) -> None:
    path = showing(folder, name, data)
    problem = reported(folder, run_cli, path, None, "")
    kind = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP"}[name.rsplit(".")[-1]]
    assert problem.message == (
        f"is not a {kind} image as its name says: the file holds {holds}; "
        f"export the picture again as {kind}"
    )


def test_an_image_of_another_format_says_what_to_rename_it(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "photo.jpg", tiny_png())
    problem = reported(folder, run_cli, path, None, "")
    assert problem.message == (
        "is not a JPEG image as its name says: the file holds a PNG image; export the "
        "picture again as JPEG or rename it to photo.png"
    )
    path = showing(folder, "scan.png", jpeg(640, 480))
    reported(
        folder,
        run_cli,
        path,
        None,
        "holds a JPEG image; export the picture again as PNG or rename it to scan.jpg",
    )


def test_real_images_of_each_format_are_fine(folder: Folder) -> None:
    lossy = b"\x30\x01\x00\x9d\x01\x2a" + struct.pack("<HH", 400, 300) + b"\x00" * 8
    files = {
        "a.png": png(600, 320),
        "b.JPEG": jpeg(1024, 768),
        "c.gif": b"GIF89a" + struct.pack("<HH", 320, 200) + b"\x00" * 10,
        "d.webp": webp(b"VP8 ", lossy),
    }
    for name, data in files.items():
        folder.write(f"{ISSUE}/images/{name}", data)
    shown = "\n\n".join(f"![Image {name}](images/{name})" for name in files)
    folder.write(ARTICLE, article_showing(shown))
    assert folder.check().items == []


def test_a_format_mail_programs_may_not_show_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20)
    problem = reported(folder, run_cli, path, None, "", code=0)
    assert problem.message == (
        "browsers and mail programs may not show a .heic file; use PNG, JPEG, GIF, WebP or SVG"
    )


# --- Size ----------------------------------------------------------------------------------


def test_an_image_over_1_mb_is_a_warning_with_its_size(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "big.png", png(4000, 3000, padding=2_400_000))
    problem = reported(folder, run_cli, path, None, "", code=0)
    size = folder.path(path).stat().st_size
    assert problem.message == (
        f"is 2.4 MB ({size:,} bytes): the email links to it and readers on mobile data pay "
        "for every byte; make it smaller than 1 MB (about 1,200 pixels wide is plenty for "
        "the email's 550-pixel column)"
    )
    showing(folder, "big.png", png(4000, 3000, padding=990_000))
    assert folder.check().items == []


def test_an_image_whose_size_cannot_be_read_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "cut.png", tiny_png()[:12])
    problem = reported(folder, run_cli, path, None, "", code=0)
    assert problem.message == (
        "its width and height cannot be read from the PNG header (is the file cut short?): "
        "the email cannot size it; export it again"
    )
    path = showing(folder, "cut.jpg", jpeg(640, 480)[:24])
    reported(folder, run_cli, path, None, "cannot be read from the JPEG header", code=0)


@pytest.mark.parametrize(
    "data",
    [
        tiny_png(),
        png(600, 320),
        png(70_000, 2),
        jpeg(1024, 768),
        jpeg(640, 480, 0xC2),
        b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", 65000) + b"\x00" * 64998 + jpeg(33, 44)[2:],
        b"GIF87a" + struct.pack("<HH", 1, 2),
        webp(b"VP8 ", b"\x30\x01\x00\x9d\x01\x2a" + struct.pack("<HH", 400, 300) + b"\x00" * 8),
        webp(b"VP8L", b"\x2f" + struct.pack("<I", 639 | 479 << 14) + b"\x00" * 8),
        webp(b"VP8X", b"\x00" * 4 + (1999).to_bytes(3, "little") + (999).to_bytes(3, "little")),
    ],
    ids=[
        "png-1",
        "png",
        "png-wide",
        "jpeg",
        "progressive",
        "after-exif",
        "gif",
        "vp8",
        "vp8l",
        "vp8x",
    ],
)
def test_the_size_check_reads_is_the_size_the_email_uses(data: bytes) -> None:
    assert read_format(io.BytesIO(data)).size == image_size(data)  # imagesize, the email's
    assert image_size(data) is not None


# --- SVG -----------------------------------------------------------------------------------

SAFE_SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="120" height="60" viewBox="0 0 120 60">\n'
    '  <defs><linearGradient id="g"><stop offset="0" stop-color="#0a0"/></linearGradient></defs>\n'
    "  <style>rect { fill: url(#g); }</style>\n"
    '  <rect width="120" height="60"/><use xlink:href="#g"/>\n'
    '  <a href="https://example.org/"><text x="4" y="30">Café 日本</text></a>\n'
    "</svg>\n"
)

SVG_EMAIL_WARNING = (
    "is an SVG, which Gmail and Outlook do not show: the email shows its alt text "
    "instead; use a PNG for a picture the email must show"
)


def test_a_safe_svg_is_published_byte_for_byte(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "logo.svg", SAFE_SVG.encode())
    problem = reported(folder, run_cli, path, None, "", code=0)
    assert problem.message == SVG_EMAIL_WARNING
    assert len(folder.check().items) == 1
    out = folder.root / "public"
    assert run_cli("build", "--root", str(folder.root)).code == 0
    assert (out / "issues/001/images/logo.svg").read_bytes() == SAFE_SVG.encode()


def svg_with(inside: str, attributes: str = "") -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10"{attributes}>\n{inside}\n</svg>\n'
    ).encode()


UNSAFE = [
    (svg_with("<script>alert(document.domain)</script>"), "a <script> (line 2)"),
    (svg_with("", ' onload="alert(1)"'), "an event handler onload= on <svg> (line 1)"),
    (
        svg_with('<rect width="1" height="1" onclick="x()"/>'),
        "an event handler onclick= on <rect> (line 2)",
    ),
    (
        svg_with('<image href="https://tracker.example/p.png"/>'),
        "a reference to 'https://tracker.example/p.png' (<image href=>)",
    ),
    (
        svg_with('<use xlink:href="other.svg#icon"/>'),
        "a reference to 'other.svg#icon' (<use href=>)",
    ),
    (
        svg_with('<a href="javascript:alert(1)"><text>x</text></a>'),
        "a reference to 'javascript:alert(1)' (<a href=>)",
    ),
    (
        svg_with('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'),
        "a reference to 'data:image/svg+xml;base64,PHN2Zz4=' (<image href=>)",
    ),
    (
        svg_with("<style>@import 'https://evil.example/x.css';</style>"),
        "a style sheet that loads another file (@import or url())",
    ),
    (
        svg_with('<rect style="fill: url(https://x.example/f)"/>'),
        "a style that loads another file (<rect style=>)",
    ),
    (
        svg_with(
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
        ),
        "a <foreignObject> (HTML inside the SVG) (line 2)",
    ),
    (
        svg_with('<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'),
        "an animation that sets a link (<set attributeName='href'>)",
    ),
    (
        b'<?xml-stylesheet href="https://x.example/s.css"?>\n' + svg_with(""),
        "a style sheet from another file (<?xml-stylesheet?>)",
    ),
    (
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        + svg_with("<text>&b;</text>"),
        "an XML entity declaration (a)",
    ),
]


@pytest.mark.parametrize(("data", "found"), UNSAFE, ids=[f"unsafe-{n}" for n in range(len(UNSAFE))])
def test_an_svg_that_could_run_script_is_refused(
    folder: Folder, run_cli: RunCli, data: bytes, found: str
) -> None:
    path = showing(folder, "drawing.svg", data)
    problem = reported(folder, run_cli, path, None, "is an SVG that could run script")
    assert found in problem.message
    assert problem.message.endswith("Export it again without them (a plain SVG), or use a PNG")
    result = run_cli("build", "--root", str(folder.root))
    assert result.code == 1
    assert not (folder.root / "public/issues/001/images/drawing.svg").exists()


def test_every_unsafe_part_is_named_with_its_line() -> None:
    facts = inspect_svg(svg_with('<script>a()</script>\n<rect onclick="b()"/>', ' onload="c()"'))
    assert facts.unsafe == [
        "an event handler onload= on <svg> (line 1)",
        "a <script> (line 2)",
        "an event handler onclick= on <rect> (line 3)",
    ]


def test_an_svg_without_a_size_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect/></svg>'
    path = showing(folder, "icon.svg", data)
    reported(folder, run_cli, path, None, "has no width and height on its <svg> element", code=0)


def test_a_broken_svg_is_an_error(folder: Folder, run_cli: RunCli) -> None:
    path = showing(folder, "icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>\n</svg>')
    problem = reported(folder, run_cli, path, None, "")
    assert problem.message == "is not a well-formed SVG (mismatched tag on line 3)"
