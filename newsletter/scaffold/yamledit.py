"""Editing a list of mappings in a YAML file (a schedule's `events:`) without losing the rest.

Editors annotate their files with comments and order the entries the way they think of
them, so a file is edited, not written again from its data: ruamel.yaml reads it in
round-trip mode (set up in `newsletter.scaffold.roundtrip`), which keeps comments, key
order, quotes and block scalars, and each change is made on that tree — a value
replaced, an `id:` key put first, an entry removed, a new one inserted between two
others. A file whose data does not change is returned as it was, byte for byte; an
edited one is read back with the program's reader and compared with what was meant.

Comment lines between two entries keep their place in the list, as they do for the
editor (`newsletter.scaffold.yamlcomments`): removing an entry takes its own lines only,
new entries inserted before an entry go after the comment lines above it, and entries
added at the end of the list before the comment lines that close it. The file's
indentation is kept; ruamel.yaml writes all its lists with the indentation of its
first, and never keeps the spaces at the end of a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from newsletter.errors import ContentError, NewsletterError
from newsletter.reading.yamlfile import YamlList, YamlMap, load_yaml
from newsletter.scaffold import roundtrip
from newsletter.scaffold.roundtrip import Indents, node
from newsletter.scaffold.yamlcomments import (
    attach_after,
    attach_first,
    ended,
    key_comment,
    move_key_comment,
    on_line,
    set_column,
    set_key_comment,
    take_lines_after,
    take_list_comments,
)
from newsletter.scaffold.yamltext import plain


def dump_yaml(data: Mapping[str, Any]) -> str:
    """Readable block YAML for a new file: keys in the given order, list items indented
    under their key, Unicode as is, no folded lines, values quoted as the reader needs."""
    return roundtrip.dump(node(data), Indents())


@dataclass
class _Item:
    data: dict[str, Any]
    original: int | None = None  # index in the file's list; None for a new entry
    removed: bool = False


class ListEditor:
    """The list under `key` of a YAML file's top-level mapping, edited in place.

    `items` are the list's entries as read (a `YamlMap` for each mapping entry).
    Call `replace`, `remove` and `insert`, then `text()` for the new file.
    """

    def __init__(self, text: str, path: str, key: str = "events") -> None:
        self.original = text
        self.path = path
        self.key = key
        data = load_yaml(text, path)  # ContentError when the file is not valid YAML
        self._empty = data is None  # nothing but comments, or nothing at all
        if data is None:
            data = YamlMap(1)
        if not isinstance(data, YamlMap):
            raise ContentError(path, 1, "must be a YAML mapping of `key: value` lines")
        self.data = data
        value = data.get(key)
        self.items: list[Any] = list(value) if isinstance(value, YamlList) else []
        self._items = [_Item(plain(v), i) for i, v in enumerate(self.items)]

    def replace(self, index: int, data: Mapping[str, Any]) -> None:
        """Entry `index` (of the file as read) becomes `data`, keys in `data`'s order."""
        self._item(index).data = dict(data)

    def remove(self, index: int) -> None:
        """Entry `index` (of the file as read) goes, with its lines."""
        self._item(index).removed = True

    def insert(self, data: Mapping[str, Any], before: int | None = None) -> None:
        """A new entry before the file's entry `before`, or at the end of the list."""
        position = len(self._items)
        if before is not None:
            position = next(n for n, item in enumerate(self._items) if item.original == before)
        self._items.insert(position, _Item(dict(data)))

    def _item(self, index: int) -> _Item:
        return next(item for item in self._items if item.original == index)

    def wanted(self) -> dict[str, Any]:
        """The whole file's data after the edits."""
        result: dict[str, Any] = plain(self.data)
        result[self.key] = [item.data for item in self._items if not item.removed]
        return result

    def text(self) -> str:
        """The edited file: the original text with the changes made in it."""
        wanted = self.wanted()
        if _shape(plain(self.data)) == _shape(wanted):
            return self.original
        if self._empty:
            # Nothing for ruamel.yaml to hold the comments on: the list goes after them.
            text = self.original
            if text and not text.endswith("\n"):
                text += "\n"
            text += dump_yaml({self.key: wanted[self.key]})
        else:
            text = self._edited()
        try:
            same = _shape(plain(load_yaml(text, self.path))) == _shape(wanted)
        except ContentError:
            same = False
        if not same:
            raise NewsletterError(
                f"{self.path}: the edited file would not read back as intended, so it was "
                "left as it was; make the change by hand (and please report this)"
            )
        return text

    # -- editing ruamel.yaml's tree -----------------------------------------------------

    def _edited(self) -> str:
        head, body = roundtrip.document_start(self.original)
        doc = roundtrip.load(body, self.path, head.count("\n"))
        if not isinstance(doc, CommentedMap):
            raise ContentError(self.path, 1, "must be a YAML mapping of `key: value` lines")
        lines = body.split("\n")
        old = doc.get(self.key)
        seq = old if isinstance(old, CommentedSeq) and len(old) else None
        on_key_line = seq is None or bool(seq.fa.flow_style())
        indents = roundtrip.indents_of(doc)
        if seq is not None and seq.fa.flow_style():
            roundtrip.block_style(seq)  # entries are read and edited one to a line
        nodes, slots, after = self._entries(seq, lines)
        if nodes:
            if seq is None:
                seq = CommentedSeq()
                doc[self.key] = seq
            before = take_list_comments(doc, self.key, seq) if seq is old else ""
            seq.clear()
            seq.extend(nodes)
            seq.ca.items.clear()
            seq.ca.items.update({n: slot for n, slot in enumerate(slots) if slot is not None})
            attach_first(doc, self.key, before)
            for position, lines_after in after:
                if position < 0:
                    attach_first(doc, self.key, lines_after)
                else:
                    attach_after(seq, position, lines_after)
            if on_key_line:
                move_key_comment(doc, self.key, lines, 0)
        else:
            # An empty list is `[]` on the key's line; the comment lines of the list follow.
            text = take_list_comments(doc, self.key, old) if isinstance(old, CommentedSeq) else ""
            text += "".join(lines_after for _, lines_after in after)
            doc[self.key] = CommentedSeq()
            token = key_comment(doc, self.key)
            if token is not None:
                token.value = ended(token.value) + text
                move_key_comment(doc, self.key, lines, len(" []"))
            elif text:
                set_key_comment(doc, self.key, text)
        return head + roundtrip.dump(doc, indents)

    def _entries(
        self, seq: CommentedSeq | None, lines: list[str]
    ) -> tuple[list[Any], list[Any], list[tuple[int, str]]]:
        """The list's new entries, their own comment slots, and where each run of comment
        lines between entries goes: after entry n of the new list (-1: before the first)."""
        count = len(seq) if seq is not None else 0
        between = [take_lines_after(seq, n) for n in range(count)] if seq is not None else []
        nodes: list[Any] = []
        slots: list[Any] = []
        after: list[tuple[int, str]] = []
        for item in self._items:
            if item.original is None:
                nodes.append(node(item.data))
                slots.append(None)
                continue
            assert seq is not None
            index = item.original
            if not item.removed:
                entry = seq[index]
                old = plain(self.items[index])
                if _shape(old) != _shape(item.data):
                    entry = _update(entry, old, item.data, lines)
                nodes.append(entry)
                slots.append(seq.ca.items.get(index))
            if index < count - 1:
                after.append((len(nodes) - 1, between[index]))
        if count:
            after.append((len(nodes) - 1, between[-1]))  # the lines that close the list
        return nodes, slots, after


def _update(entry: Any, old: dict[str, Any], new: dict[str, Any], lines: list[str]) -> Any:
    """An entry changed from `old` to `new` in place: the keys that stay keep their
    comments, a replaced value its end-of-line comment."""
    if not isinstance(entry, CommentedMap):
        return node(new)
    for key in [k for k in entry if k not in new]:
        keys = list(entry)
        after = take_lines_after(entry, key)
        del entry[key]
        entry.ca.items.pop(key, None)
        if after and len(entry):
            position = keys.index(key)
            attach_after(entry, keys[position - 1] if position else next(iter(entry)), after)
    for key, value in new.items():
        if key in entry and _shape(plain(old.get(key))) != _shape(value):
            _set(entry, key, value, lines)
    kept = [k for k in new if k in entry]
    if kept != list(entry):
        for key in kept:
            entry.move_to_end(key)
    for position, key in enumerate(new):
        if key not in entry:
            entry.insert(position, key, node(new[key]))
    return entry


def _set(entry: CommentedMap, key: str, value: Any, lines: list[str]) -> None:
    """A new value for `key`; its end-of-line comment keeps its distance from the value."""
    current = entry[key]
    new = node(value)
    if isinstance(current, CommentedMap | CommentedSeq) and not current.fa.flow_style():
        after = take_lines_after(entry, key)
        entry[key] = new
        attach_after(entry, key, after)
        return
    slot = entry.ca.items.get(key)
    token = slot[2] if slot else None
    line, column = entry.lc.value(key)
    if token is not None and on_line(token, line) and isinstance(new, str):
        text = roundtrip.written(new)
        if "\n" not in text and len(lines[line]) >= token.column:
            moved = token.column + len(text) - len(lines[line][column : token.column].rstrip())
            set_column(token, max(moved, column + 1))
    entry[key] = new


def _shape(value: Any) -> Any:
    """Data with the order of mapping keys made significant, for comparing."""
    if isinstance(value, Mapping):
        return [(k, _shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value
