"""YAML read with line numbers, so every problem can say `path:line`.

Mappings become `YamlMap` (a dict that knows the line of each key), sequences
`YamlList`. Aliases of mappings or sequences are refused: editors do not need them,
and refusing them makes an alias bomb fail at once instead of exhausting memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsletter.errors import ContentError

if TYPE_CHECKING:
    import yaml

_STR = "tag:yaml.org,2002:str"


class YamlMap(dict[str, Any]):
    """A mapping read from YAML: `line` is where it starts, `lines[key]` where a key is."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class YamlList(list[Any]):
    """A sequence read from YAML: `line` is where it starts, `lines[i]` each item's line."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


def load_yaml(text: str, path: str, first_line: int = 1) -> Any:
    """Parse one YAML document; `first_line` is the file line of the text's first line."""
    import yaml  # here, not above: a `check` whose files are all in the read cache needs none

    loader: yaml.SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, path, first_line).build(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        problem = error.problem or "cannot be read"
        start = error.context_mark
        if error.context and start is not None and mark is not None and start.line != mark.line:
            # An unclosed quote or bracket is found lines later, often at the end of the file.
            problem += f" ({error.context} that starts on line {start.line + first_line})"
        if mark is not None:
            problem += character_hint(text.split("\n")[mark.line : mark.line + 1])
        raise ContentError(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ContentError(path, None, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()


# Word processors and phones turn quotes curly; YAML quotes only with straight ones.
CURLY_QUOTES = {
    "\u201c": "LEFT DOUBLE QUOTATION MARK",
    "\u201d": "RIGHT DOUBLE QUOTATION MARK",
    "\u2018": "LEFT SINGLE QUOTATION MARK",
    "\u2019": "RIGHT SINGLE QUOTATION MARK",
    "\u201e": "DOUBLE LOW-9 QUOTATION MARK",
    "\u00ab": "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK",
    "\u00bb": "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK",
}


def character_hint(lines: list[str]) -> str:
    """A hint naming a tab or a curly quote in the line a YAML error points at, which
    the editor cannot tell from a space or a straight quote; empty when there is none."""
    for line in lines:
        if "\t" in line:
            return (
                f"; the line has a tab (U+0009) at column {line.index(chr(9)) + 1}: YAML "
                "indents with spaces only, so replace the tab with spaces"
            )
        for character, name in CURLY_QUOTES.items():
            if character in line:
                return curly_quote_hint(character, name)
    return ""


def curly_quote_hint(character: str, name: str) -> str:
    """What to say about a curly quote where YAML wants a straight one."""
    return (
        f"; the line has a curly quote {character} (U+{ord(character):04X} {name}): YAML "
        "quotes a value with straight quotes \" or ' only; retype them, or turn off "
        "smart quotes in your editor"
    )


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, path: str, first_line: int) -> None:
        import yaml  # loaded by now (`load_yaml`)

        self.scalar = yaml.ScalarNode
        self.sequence = yaml.SequenceNode
        self.mapping = yaml.MappingNode
        self.loader = loader
        self.path = path
        self.offset = first_line
        self.seen: set[int] = set()

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.offset

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, self.scalar):
            if node.tag == _STR:  # what the constructor makes of it, without its bookkeeping
                return node.value
            try:
                return self.loader.construct_object(node, deep=True)
            except (ValueError, TypeError, AttributeError, OverflowError):
                # Taken for a date or a number but not one (`2019-02-30`, `0x_`): keep the
                # text, so the field that reads it reports it with its key and line.
                self.loader.recursive_objects.pop(node, None)
                return str(node.value)
        if id(node) in self.seen:
            raise ContentError(
                self.path,
                self.line(node),
                "YAML aliases (*name) of lists or mappings are not supported; write the value out",
            )
        self.seen.add(id(node))
        if isinstance(node, self.sequence):
            items = YamlList(self.line(node))
            for child in node.value:
                items.append(self.build(child))
                items.lines.append(self.line(child))
            return items
        if isinstance(node, self.mapping):
            mapping = YamlMap(self.line(node))
            for key_node, value_node in node.value:
                if not isinstance(key_node, self.scalar):
                    raise ContentError(self.path, self.line(key_node), "a key must be plain text")
                key = str(key_node.value)
                if key in mapping:
                    raise ContentError(
                        self.path,
                        self.line(key_node),
                        f"{key}: duplicate key",
                        field=key,
                        value=key,
                    )
                mapping[key] = self.build(value_node)
                mapping.lines[key] = self.line(key_node)
            return mapping
        raise ContentError(self.path, self.line(node), "unsupported YAML node")
