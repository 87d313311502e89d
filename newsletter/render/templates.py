"""The Jinja2 environment: a newsletter folder's own templates/ first, then the packaged ones."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from newsletter.errors import TemplateError
from newsletter.layout import event_file, packaged_templates
from newsletter.render import filters
from newsletter.render.links import format_dates, format_day

_environments: list[jinja2.Environment] = []
_bytecode: list[jinja2.BytecodeCache | None] = [None]


def keep_compiled(bytecode: jinja2.BytecodeCache | None) -> None:
    """Have every environment load and keep compiled templates in `bytecode` (the build
    gives one over its cache folder; this module itself never writes)."""
    _bytecode[0] = bytecode
    for env in _environments:
        env.bytecode_cache = bytecode


@cache
def environment(root: Path) -> jinja2.Environment:
    """Templates for a newsletter folder; autoescape always on, undefined names are errors."""
    search = [root / "templates", packaged_templates()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search if p.is_dir()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode[0],
    )
    _environments.append(env)
    env.globals.update(format_dates=format_dates, format_day=format_day, event_file=event_file)
    env.filters.update(wrap=filters.wrap, underline=filters.underline_filter, link=filters.link)
    return env


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; a broken template becomes a `TemplateError` naming it."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(error.filename or name, error.lineno, error.message or "") from None
    except jinja2.TemplateError as error:
        raise TemplateError(name, None, str(error)) from None
