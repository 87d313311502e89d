"""One value as YAML text, quoted the way the program's reader needs it.

Content is read with PyYAML (`newsletter.reading.yamlfile`), which follows YAML 1.1:
there `yes`, `off` and `12:30` are a boolean and a number, not text. So whatever
scaffolding writes — a title in a skeleton, a value edited into a schedule — is quoted
by PyYAML's own rules, and reads back as the value that was meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with text of several lines written as a literal block."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def yaml_scalar(value: str | int | float | date | None) -> str:
    """One value as it is written after `key: ` (quoted only when needed; a text of
    several lines as a `|` block, its lines after the first not indented)."""
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=1_000_000)
    return text.removesuffix("\n").removesuffix("\n...").removesuffix("\n")


def plain(value: Any) -> Any:
    """`YamlMap`/`YamlList` (and any mapping or list) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
