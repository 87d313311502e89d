"""Moving comment lines in ruamel.yaml's tree, so that they keep their place in a list.

ruamel.yaml keeps a comment in slots of the collection holding the value before it —
`ca.items[key][2]` of a mapping, `ca.items[index][0]` of a list: that value's own
end-of-line comment, then any comment lines after it. After a flow collection they are
kept as the next item's `ca.items[next][1]` (the comment lines before it), or in the
collection's `ca.end` after its last item; before a list's first item, in its key's
slot (`ca.items[key][3]`, or `[2]` after the key's own comment). So the lines between
two entries of a list belong, for ruamel.yaml, to the entry above them: these functions
take them away from an entry (`take_lines_after`) and put them after another one
(`attach_after`) or at the head of the list (`attach_first`).
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from newsletter.scaffold.roundtrip import BLOCK_SCALARS

Slot = list[Any]  # ruamel.yaml's comment slot of one key or item: four tokens or lists


def _tail(container: Any, key: Any) -> tuple[dict[Any, Slot], Any, int, Any, list[Any]]:
    """Where the comment after `container[key]` is kept: the slots, the slot's key, the
    index in the slot, the value the comment follows, and the collections it ends."""
    value = container[key]
    block = isinstance(value, CommentedMap | CommentedSeq) and not value.fa.flow_style()
    if block and len(value):
        last = list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        items, slot_key, index, end, within = _tail(value, last)
        return items, slot_key, index, end, [value, *within]
    index = 2 if isinstance(container, CommentedMap) else 0
    return container.ca.items, key, index, value, []


def take_lines_after(container: Any, key: Any) -> str:
    """Take away the comment lines between `container[key]` and what follows it, as
    text; the value's own end-of-line comment stays."""
    items, slot_key, index, value, within = _tail(container, key)
    lines = ""
    slot = items.get(slot_key)
    token = slot[index] if slot else None
    if slot is not None and token is not None:
        text = token.value
        if text.startswith("#") and not isinstance(value, BLOCK_SCALARS):
            own, _, lines = text.partition("\n")
            token.value = own + "\n"
        else:
            slot[index] = None
            block = isinstance(value, BLOCK_SCALARS)  # its last line break is its own
            lines = _as_text(token) if block else text.removeprefix("\n")
    for inner in reversed(within):
        lines += _take_end(inner)
    keys = list(container) if isinstance(container, CommentedMap) else list(range(len(container)))
    position = keys.index(key)
    if position + 1 < len(keys):
        following = container.ca.items.get(keys[position + 1])
        if following is not None and following[1]:
            lines += "".join(_as_text(t) for t in following[1])
            following[1] = None
    else:
        lines += _take_end(container)
    return ended(lines) if lines else ""


def take_list_comments(doc: CommentedMap, key: str, seq: CommentedSeq) -> str:
    """Take away the comment lines of the list `doc[key]` before its first item (not
    the key's own end-of-line comment), as text."""
    slot = doc.ca.items.get(key)
    first = seq.ca.items.get(0)
    found = [
        slot[3] if slot else None,
        seq.ca.comment[1] if seq.ca.comment else None,
        first[1] if first is not None else None,
    ]
    tokens: list[CommentToken] = []
    for each in found:
        tokens += [t for t in each or [] if all(t is not seen for seen in tokens)]
    if slot:
        slot[3] = None
    if seq.ca.comment:
        seq.ca.comment[1] = None
    if first is not None:
        first[1] = None
    return "".join(_as_text(t) for t in tokens)


def attach_after(container: Any, key: Any, lines: str) -> None:
    """Comment lines to write after `container[key]` (after its end-of-line comment)."""
    if not lines:
        return
    items, slot_key, index, value, _ = _tail(container, key)
    slot = items.setdefault(slot_key, [None, None, None, None])
    if slot[index] is not None:
        slot[index].value = ended(slot[index].value) + lines
    else:
        text = lines if isinstance(value, BLOCK_SCALARS) else "\n" + lines
        slot[index] = CommentToken(text, CommentMark(0))


def attach_first(doc: CommentedMap, key: str, lines: str) -> None:
    """Comment lines to write before the first item of the list `doc[key]`."""
    if not lines:
        return
    slot = doc.ca.items.setdefault(key, [None, None, None, None])
    if slot[2] is not None and not slot[3]:
        slot[2].value = ended(slot[2].value) + lines
    else:
        slot[3] = [*(slot[3] or []), CommentToken(lines, CommentMark(0))]


def key_comment(doc: CommentedMap, key: str) -> CommentToken | None:
    """The end-of-line comment (and the comment lines after it) of a top-level key."""
    slot = doc.ca.items.get(key)
    return slot[2] if slot else None


def set_key_comment(doc: CommentedMap, key: str, text: str) -> None:
    """`text` (comment lines, each ending with a line break) after a top-level key's
    line, which has no comment of its own."""
    slot = doc.ca.items.setdefault(key, [None, None, None, None])
    slot[2] = CommentToken("\n" + text, CommentMark(0))
    slot[3] = None


def move_key_comment(doc: CommentedMap, key: str, lines: list[str], value: int) -> None:
    """A top-level key's end-of-line comment, after `value` characters of value and the
    space it had from its old value (which was on the key's line, read from `lines`)."""
    token = key_comment(doc, key)
    if token is None:
        return
    line_number, column = doc.lc.key(key)
    if not on_line(token, line_number):
        return
    line = lines[line_number]
    colon = line.find(":", column + len(key))
    before = line[: token.column]
    if colon < 0 or len(before) != token.column:
        return
    space = token.column - len(before.rstrip())
    set_column(token, colon + 1 + value + space)


def set_column(token: CommentToken, column: int) -> None:
    """Where ruamel.yaml writes the comment: the column of its `#`."""
    token.start_mark = CommentMark(column)  # type: ignore[assignment]  # all it reads


def on_line(token: CommentToken, line: int) -> bool:
    """Whether a comment read from the file starts on `line`: an end-of-line comment."""
    return bool(token.value.startswith("#") and getattr(token.start_mark, "line", -1) == line)


def ended(text: str) -> str:
    """The text with a line break at its end."""
    return text if text.endswith("\n") else text + "\n"


def _take_end(collection: Any) -> str:
    tokens = collection.ca.end
    if not tokens:
        return ""
    collection.ca.end = []
    return "".join(_as_text(t) for t in tokens)


def _as_text(token: CommentToken) -> str:
    """A comment ruamel.yaml writes at its column, as the lines it is in the file."""
    text = ended(token.value)
    return text if text.startswith("\n") else " " * token.column + text
