"""Editing a list of mappings in a YAML file (a schedule's `events:`) without losing the rest.

Editors annotate their files with comments and order entries the way they think of
them. So the file is not dumped again: each change becomes a small edit of the
original text — a value replaced, an `id:` line inserted, an entry removed or a new
one inserted between two others — and everything else stays byte for byte. Where an
entry changes shape (its keys change, a value spans lines), that one entry is written
out again. The result is parsed back and compared with what was meant; if they differ,
the whole file is written from the data instead (comments lost, never data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from newsletter.errors import ContentError
from newsletter.reading.yamlfile import YamlList, YamlMap, load_yaml

_INLINE_STYLES = (None, "", "'", '"')  # plain or quoted scalars: replaceable in place


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as editors write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: Mapping[str, Any] | list[Any]) -> str:
    """Readable block YAML: keys in the given order, Unicode as is, no folded lines."""
    return yaml.dump(
        plain(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def yaml_scalar(value: str | int | float | date) -> str:
    """One value as it is written after `key: ` on one line (quoted only when needed)."""
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=1_000_000)
    return text.removesuffix("\n").removesuffix("\n...").removesuffix("\n")


def plain(value: Any) -> Any:
    """`YamlMap`/`YamlList` (and any mapping or list) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass
class _Item:
    data: dict[str, Any]
    original: int | None = None  # index in the file's list; None for a new entry
    removed: bool = False


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


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
        """The edited file: in place where possible, else written out from the data."""
        wanted = self.wanted()
        if _shape(plain(self.data)) == _shape(wanted):
            return self.original
        edited = self._edited()
        if edited is not None and _same(edited, wanted, self.path):
            return edited
        return dump_yaml(wanted)

    # -- in-place editing ---------------------------------------------------------

    def _edited(self) -> str | None:
        root = yaml.compose(self.original, Loader=yaml.SafeLoader)  # str marks: char offsets
        if not isinstance(root, yaml.MappingNode):
            return None
        found = [(k, v) for k, v in root.value if k.value == self.key]
        if not found:
            return self._appended()
        key_node, value_node = found[0]
        if isinstance(value_node, yaml.SequenceNode) and value_node.value:
            if value_node.flow_style:
                return None
            return self._apply(self._edits(list(value_node.value)))
        if isinstance(value_node, yaml.SequenceNode) or value_node.tag.endswith(":null"):
            # `events:` or `events: []`: the entries go on the lines after the key.
            at = self._end_of_line(int(value_node.end_mark.index))
            edits = [_Edit(key_node.end_mark.index + 1, value_node.end_mark.index, "")]
            edits.append(_Edit(at, at, self._newline_at(at) + self._new_entries(2)))
            return self._apply(edits)
        return None

    def _appended(self) -> str:
        at = len(self.original)
        return self.original + self._newline_at(at) + f"{self.key}:\n" + self._new_entries(2)

    def _new_entries(self, indent: int) -> str:
        return "".join(self._entry(item.data, indent) for item in self._items if not item.removed)

    def _entry(self, data: Mapping[str, Any], indent: int) -> str:
        return " " * indent + "- " + _block(data, indent + 2) + "\n"

    def _newline_at(self, at: int) -> str:
        return "" if at == 0 or self.original[at - 1] == "\n" else "\n"

    def _apply(self, edits: list[_Edit] | None) -> str | None:
        if edits is None:
            return None
        text = self.original
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text

    def _edits(self, nodes: list[yaml.Node]) -> list[_Edit] | None:
        if not any(not item.removed for item in self._items):
            return None  # an empty list is written as `[]`, from the data
        edits: list[_Edit] = []
        for item in self._items:
            if item.original is None:
                continue
            node = nodes[item.original]
            if item.removed:
                edits.append(_Edit(self._line_start(self._dash(node)), self._end(node), ""))
            elif _shape(item.data) != _shape(plain(self.items[item.original])):
                if not isinstance(node, yaml.MappingNode):
                    return None
                edits.extend(self._changes(node, self.items[item.original], item.data))
        edits.extend(self._insertions(nodes))
        return edits

    def _insertions(self, nodes: list[yaml.Node]) -> list[_Edit]:
        """New entries go before the next entry of the file, or after the last one."""
        indent = self._dash(nodes[0]) - self._line_start(self._dash(nodes[0]))
        pending: list[str] = []
        edits: list[_Edit] = []
        for item in self._items:
            if item.original is None:
                pending.append(self._entry(item.data, indent))
            elif pending:
                at = self._line_start(self._dash(nodes[item.original]))
                edits.append(_Edit(at, at, "".join(pending)))
                pending = []
        if pending:
            at = self._end(nodes[-1])
            edits.append(_Edit(at, at, self._newline_at(at) + "".join(pending)))
        return edits

    def _changes(self, node: yaml.MappingNode, old: YamlMap, new: dict[str, Any]) -> list[_Edit]:
        old_keys, new_keys = list(old), list(new)
        added_id = new_keys == ["id", *old_keys] and "id" not in old_keys
        if new_keys != old_keys and not added_id:
            return [self._rewrite(node, new)]
        edits = []
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if _shape(plain(old[key])) == _shape(new[key]):
                continue
            if not _inline(value_node) or not _is_scalar(new[key]):
                return [self._rewrite(node, new)]
            edits.append(
                _Edit(value_node.start_mark.index, value_node.end_mark.index, yaml_scalar(new[key]))
            )
        if added_id:
            if not node.value:
                return [self._rewrite(node, new)]
            first = node.value[0][0]
            at = first.start_mark.index
            if node.flow_style:
                line = f"id: {yaml_scalar(new['id'])}, "
            else:
                line = f"id: {yaml_scalar(new['id'])}\n" + " " * first.start_mark.column
            edits.append(_Edit(at, at, line))
        return edits

    def _rewrite(self, node: yaml.MappingNode, new: dict[str, Any]) -> _Edit:
        """The entry written out again in block style (its own comments go with it)."""
        end = self._content_end(node)
        rest = self.original[end : self._end_of_line(end)]
        if rest.strip().startswith("#"):
            end += len(rest.rstrip("\n"))
        return _Edit(node.start_mark.index, end, _block(new, node.start_mark.column))

    def _content_end(self, node: yaml.Node) -> int:
        """Where an entry's own text ends: after its last value, before any newline."""
        end = _last_end(node)
        while end > node.start_mark.index and self.original[end - 1] in "\n ":
            end -= 1
        return end

    def _end(self, node: yaml.Node) -> int:
        """The end of the line where an entry ends (just after its newline)."""
        return self._end_of_line(self._content_end(node))

    def _end_of_line(self, at: int) -> int:
        newline = self.original.find("\n", at)
        return len(self.original) if newline < 0 else newline + 1

    def _dash(self, node: yaml.Node) -> int:
        """The offset of the `-` that starts a list entry."""
        at = int(node.start_mark.index)
        while at > 0 and self.original[at - 1] in " \t\n":
            at -= 1
        return at - 1 if at > 0 and self.original[at - 1] == "-" else int(node.start_mark.index)

    def _line_start(self, at: int) -> int:
        return self.original.rfind("\n", 0, at) + 1


def _last_end(node: yaml.Node) -> int:
    """The end of a node's last scalar or closing bracket.

    A block collection's own end mark lies at the next token, past any comment lines
    after it: those belong to what follows.
    """
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1])
    return int(node.end_mark.index)


def _shape(value: Any) -> Any:
    """Data with the order of mapping keys made significant, for comparing."""
    if isinstance(value, Mapping):
        return [(k, _shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def _inline(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.style in _INLINE_STYLES
        and node.start_mark.line == node.end_mark.line
    )


def _is_scalar(value: Any) -> bool:
    if not isinstance(value, str | int | float | date) or isinstance(value, bool):
        return False
    return "\n" not in yaml_scalar(value)


def _block(data: Mapping[str, Any], column: int) -> str:
    """A mapping in block style whose first line starts at `column` (without the indent)."""
    lines = dump_yaml(data).rstrip("\n").split("\n")
    return ("\n" + " " * column).join(lines)


def _same(text: str, wanted: dict[str, Any], path: str) -> bool:
    try:
        return bool(_shape(plain(load_yaml(text, path))) == _shape(wanted))
    except ContentError:
        return False
