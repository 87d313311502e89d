"""ruamel.yaml in round-trip mode, set up so that what it writes reads back the same with
the program's reader.

Content is read with PyYAML, which follows YAML 1.1; ruamel.yaml follows YAML 1.2, where
`yes`, `12:30` and `012` are text, not a boolean and numbers. So here ruamel.yaml reads
every scalar of a file as its text — and writes back each value it is not asked to
change exactly as it was — and each new value is written in the style PyYAML gives it
(`node`). Long lines are never folded, Unicode is written as is, and the indentation of
the file's lists and mappings is kept (`indents_of`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    PlainScalarString,
    SingleQuotedScalarString,
)

from newsletter.errors import ContentError
from newsletter.scaffold.yamltext import yaml_scalar

BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)
_EMPTY = re.compile("^$")
_DOCUMENT_START = re.compile(r"---[ \t]*(#.*)?\n?")


class _TextResolver(VersionedResolver):
    """Every plain scalar is text, and an empty one null."""

    @property
    def versioned_resolver(self) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
        return {"": [("tag:yaml.org,2002:null", _EMPTY)]}


class _Emitter(Emitter):
    """ruamel.yaml's emitter, with the line break after an end-of-line comment counted."""

    def write_post_comment(self, event: Any) -> bool:
        written = bool(super().write_post_comment(event))
        if written:
            # After a flow mapping's comment ruamel.yaml (0.19) still thinks it is just
            # after a `- `, and writes the next entry's second key on its first key's line.
            self.no_newline = False
        return written


@dataclass(frozen=True, slots=True)
class Indents:
    """ruamel.yaml's indentation: of a nested mapping's keys (`mapping`) and, from the
    column of a list's key, of its items' text (`sequence`) and of their dash (`offset`)."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2


def _yaml(indents: Indents) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = _TextResolver
    yaml.Emitter = _Emitter
    yaml.preserve_quotes = True
    yaml.width = 1_000_000
    yaml.indent(mapping=indents.mapping, sequence=indents.sequence, offset=indents.offset)
    return yaml


def load(text: str, path: str, first_line: int = 0) -> Any:
    """The document in `text` as ruamel.yaml's tree; `first_line` lines of the file come
    before `text`."""
    try:
        return _yaml(Indents()).load(text)
    except YAMLError as error:
        mark = error.problem_mark if isinstance(error, MarkedYAMLError) else None
        line = mark.line + 1 + first_line if mark is not None else None
        problem = error.problem if isinstance(error, MarkedYAMLError) else None
        raise ContentError(path, line, f"invalid YAML: {problem or error}") from None


def dump(data: Any, indents: Indents) -> str:
    """A tree (from `load`, with `node` values) as YAML text."""
    stream = io.StringIO()
    _yaml(indents).dump(data, stream)
    return stream.getvalue()


def node(value: Any) -> Any:
    """`value` as ruamel.yaml is to write it: mappings and lists in block style, each
    scalar as the text PyYAML writes for it, quoted as PyYAML quotes it."""
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[str(key)] = node(item)
        return mapping
    if isinstance(value, list | tuple):
        return CommentedSeq(node(item) for item in value)
    text = yaml_scalar(value)
    if isinstance(value, str):
        styles = {"'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}
        if text[:1] in styles:
            return styles[text[:1]](value)
        if text.startswith("|"):
            return LiteralScalarString(value)
    # Plain, and said so: ruamel.yaml gives a text put in place of a quoted one its quotes.
    return PlainScalarString(text)


def written(value: str) -> str:
    """A one-line scalar made by `node` as ruamel.yaml writes it."""
    if isinstance(value, SingleQuotedScalarString | DoubleQuotedScalarString):
        return yaml_scalar(str(value))
    return value


def document_start(text: str) -> tuple[str, str]:
    """The text up to and with a `---` line that starts the document, and the rest;
    ruamel.yaml would drop the comments above that line."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if _DOCUMENT_START.fullmatch(line):
            return text[: offset + len(line)], text[offset + len(line) :]
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            break
        offset += len(line)
    return "", text


def indents_of(doc: CommentedMap) -> Indents:
    """The indentation of the file's first nested mapping and of its first list (the
    top-level keys' first), or the defaults where the file has none."""
    mapping: int | None = None
    lists: tuple[int, int] | None = None
    queue: list[Any] = [doc]
    while queue and (mapping is None or lists is None):
        item = queue.pop(0)
        if isinstance(item, CommentedSeq):
            queue.extend(item)
        if not isinstance(item, CommentedMap) or item.fa.flow_style():
            continue
        for key, value in item.items():
            if not isinstance(value, CommentedMap | CommentedSeq) or not len(value):
                continue
            if value.fa.flow_style():
                continue
            column = item.lc.key(key)[1]
            if isinstance(value, CommentedMap) and mapping is None:
                mapping = value.lc.col - column
            if isinstance(value, CommentedSeq) and lists is None:
                offset = value.lc.col - column
                lists = (max(value.lc.item(0)[1] - column, offset + 2), offset)
            queue.append(value)
    default = Indents()
    sequence, offset = lists or (default.sequence, default.offset)
    return Indents(mapping if mapping and mapping > 0 else default.mapping, sequence, offset)


def block_style(value: Any) -> None:
    """A collection and everything in it written in block style."""
    if isinstance(value, CommentedMap | CommentedSeq):
        value.fa.set_block_style()
        for item in value.values() if isinstance(value, CommentedMap) else value:
            block_style(item)
