"""The problems of an image file itself, whatever page shows it: a file that is not the
image its name says, an SVG that could run script, an image too heavy for an email
read on a phone, and one whose width and height cannot be known."""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import Problems
from newsletter.reading.imageformat import EXTENSIONS, HEAD_BYTES, NAMES, describe, read_format

# The email links to each image: a reader on mobile data pays for every byte of it.
MAX_IMAGE_BYTES = 1_000_000
MAX_SVG_BYTES = 5_000_000


def check_image_file(file: Path, path: str, problems: Problems) -> None:
    """Report what is wrong with the image `file` (at `path`, from the root)."""
    expected = EXTENSIONS.get(file.suffix.lower())
    try:
        size = file.stat().st_size
        with file.open("rb") as stream:
            facts = read_format(stream)
            stream.seek(0)
            head = stream.read(HEAD_BYTES)
    except OSError as error:
        problems.error(path, None, f"cannot be read: {error.strerror}")
        return
    if expected is None:
        problems.warning(
            path,
            None,
            f"browsers and mail programs may not show a {file.suffix or 'nameless'} file; "
            "use PNG, JPEG, GIF, WebP or SVG",
        )
        return
    if facts.format != expected:
        what = f"a {NAMES[facts.format]} image" if facts.format else describe(head)
        rename = (
            f" or rename it to {file.stem}.{facts.format.replace('jpeg', 'jpg')}"
            if facts.format
            else ""
        )
        problems.error(
            path,
            None,
            f"is not a {NAMES[expected]} image as its name says: the file holds {what}; "
            f"export the picture again as {NAMES[expected]}{rename}",
        )
        return
    if size > MAX_IMAGE_BYTES:
        problems.warning(
            path,
            None,
            f"is {size / 1_000_000:.1f} MB ({size:,} bytes): the email links to it and readers "
            "on mobile data pay for every byte; make it smaller than 1 MB (about 1,200 "
            "pixels wide is plenty for the email's 550-pixel column)",
        )
    if expected == "svg":
        _check_svg(file, path, size, problems)
    elif facts.size is None:
        problems.warning(
            path,
            None,
            f"its width and height cannot be read from the {NAMES[expected]} header (is "
            "the file cut short?): the email cannot size it; export it again",
        )


def _check_svg(file: Path, path: str, size: int, problems: Problems) -> None:
    if size > MAX_SVG_BYTES:
        problems.error(path, None, f"is an SVG of {size:,} bytes; the limit is {MAX_SVG_BYTES:,}")
        return
    from newsletter.reading.svg import inspect_svg  # expat, only for a newsletter with SVG

    facts = inspect_svg(file.read_bytes())
    if facts.broken:
        problems.error(path, None, f"is not a well-formed SVG ({facts.broken})")
        return
    if facts.unsafe:
        problems.error(
            path,
            None,
            "is an SVG that could run script or load other files when opened from the "
            f"site: it has {'; '.join(facts.unsafe)}. Export it again without them (a "
            "plain SVG), or use a PNG",
        )
        return
    if not facts.sized:
        problems.warning(
            path,
            None,
            "has no width and height on its <svg> element: browsers show it 300×150 "
            'pixels and the email 550 pixels wide; add width="..." and height="..."',
        )
    problems.warning(
        path,
        None,
        "is an SVG, which Gmail and Outlook do not show: the email shows its alt text "
        "instead; use a PNG for a picture the email must show",
    )
