"""Reading content files as text: UTF-8 only, no binary junk, front matter split off."""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import ContentError, Problems
from newsletter.reading.yamlfile import YamlMap, load_yaml

MAX_FILE_BYTES = 20_000_000
# What `git merge` writes around a conflict: ours, the base (diff3 style only), theirs.
_CONFLICT_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?:[ \t].*)?$", re.MULTILINE)


def read_text(root: Path, path: str) -> str:
    """The text of `root/path` with `\\n` line ends; `ContentError` for anything but
    UTF-8 text, or for a link that leads outside the newsletter folder."""
    file = root / path
    if not _inside(root, path):
        raise ContentError(path, None, "is a link to a file outside the newsletter folder")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ContentError(path, None, f"cannot be read: {error.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ContentError(path, None, f"is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    if b"\x00" in data:
        raise ContentError(path, None, "is a binary file, not text; content files are UTF-8 text")
    text = decode_utf8(data, path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _inside(root: Path, path: str) -> bool:
    """Whether `root/path` is inside `root` with its links followed. When no part of
    `path` is a link it is, which one `lstat` a part tells (two full `resolve`s cost a
    build of 400 issues 0.1 s); otherwise the link's target decides."""
    current = str(root)
    for part in path.split("/"):
        if part in ("", ".", ".."):
            break
        current = os.path.join(current, part)
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                break
        except OSError:
            break
    else:
        return True
    return (root / path).resolve().is_relative_to(root.resolve())


def decode_utf8(data: bytes, path: str) -> str:
    """UTF-8 text (a byte-order mark dropped); else `ContentError` with the bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(
            path,
            line,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save it with UTF-8 encoding",
        ) from None


def conflicts(text: str) -> list[tuple[int, int]]:
    """The (first, last) lines of each Git merge conflict left in `text`: from a
    `<<<<<<<` line through `=======` to `>>>>>>>`."""
    if "<<<<<<<" not in text:  # no conflict starts: the regex need not look at each line
        return []
    found = []
    start: int | None = None
    middle = False
    for match in _CONFLICT_MARKER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        marker = match[1][0]
        if marker == "<":
            start, middle = line, False
        elif marker == "=" and start is not None:
            middle = True
        elif marker == ">" and start is not None and middle:
            found.append((start, line))
            start = None
    return found


def conflict_message(first: int, last: int) -> str:
    """What to say about a merge conflict on lines `first` to `last`."""
    return (
        f"a Git merge conflict is left in the file (lines {first}-{last}, from <<<<<<< to "
        ">>>>>>>); keep the text you want and delete the lines <<<<<<<, ======= and >>>>>>>"
    )


def read_yaml_file(root: Path, path: str) -> YamlMap:
    """A YAML file whose top level must be a mapping."""
    text = read_text(root, path)
    for first, last in conflicts(text)[:1]:
        raise ContentError(path, first, conflict_message(first, last))
    data = load_yaml(text, path)
    if data is None:
        return YamlMap(1)
    if not isinstance(data, YamlMap):
        raise ContentError(path, 1, "must be a YAML mapping of `key: value` lines")
    return data


def read_yaml_reporting(root: Path, path: str, problems: Problems) -> YamlMap | None:
    """`read_yaml_file`, its problem (if any) added to `problems`; None then."""
    try:
        return read_yaml_file(root, path)
    except ContentError as error:
        problems.add(error.problem)
        return None


@dataclass(frozen=True, slots=True)
class MarkdownFile:
    meta: YamlMap
    body: str
    body_line: int  # the file line where the body starts


def parse_markdown_file(text: str, path: str) -> MarkdownFile:
    """The text of a Markdown file (`read_text`), its optional YAML front-matter block
    between `---` lines split off."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return MarkdownFile(YamlMap(1), text, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = load_yaml("\n".join(lines[1:index]), path, first_line=2)
            if meta is None:
                meta = YamlMap(1)
            if not isinstance(meta, YamlMap):
                raise ContentError(path, 2, "the front matter must be `key: value` lines")
            return MarkdownFile(meta, "\n".join(lines[index + 1 :]), index + 2)
    raise ContentError(
        path, 1, "the front matter opened with `---` is never closed by a `---` line"
    )


def check_links(root: Path, folder: str, problems: Problems) -> None:
    """An error for each symbolic link under `folder` that goes round in a loop: one that
    leads back to itself, or to a folder that holds it (reading it would never end)."""
    top = root / folder
    for directory, folders, files in os.walk(top):  # links are listed, never followed
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in sorted([*folders, *files]):
            link = os.path.join(directory, name)
            if name.startswith(".") or not os.path.islink(link):
                continue
            path = Path(link).relative_to(root).as_posix()
            try:
                target = os.path.realpath(link, strict=True)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    problems.error(
                        path,
                        None,
                        f"is a symbolic link in a loop (to {os.readlink(link)!r}, which leads "
                        "back to it); delete the link, or make it point to a file",
                        value=name,
                    )
                continue  # a link to nothing: the page or image that needs it says so
            if os.path.isdir(target) and Path(directory).resolve().is_relative_to(target):
                problems.error(
                    path,
                    None,
                    f"is a symbolic link to a folder that holds it ({os.readlink(link)!r}): "
                    "reading it would never end; delete the link",
                    value=name,
                )
