"""The Jinja2 environment: a newsletter folder's own templates/ first, then the packaged ones."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from newsletter.errors import Problems, TemplateError
from newsletter.layout import TEMPLATES, event_file, packaged_templates
from newsletter.render import filters
from newsletter.render.links import format_dates, format_day, machine_dates

_environments: weakref.WeakSet[jinja2.Environment] = weakref.WeakSet()  # the live ones
_bytecode: list[jinja2.BytecodeCache | None] = [None]


def keep_compiled(bytecode: jinja2.BytecodeCache | None) -> None:
    """Have every environment load and keep compiled templates in `bytecode` (the build
    gives one over its cache folder; this module itself never writes)."""
    _bytecode[0] = bytecode
    for env in _environments:
        env.bytecode_cache = bytecode


@cache
def environment(root: Path, reload: bool = False) -> jinja2.Environment:
    """Templates for a newsletter folder; autoescape always on, undefined names are errors.
    A template is read once; with `reload` (a long-running service), again whenever its
    file changes. Without it, each render spares the check of the file's time (a
    twentieth of a web page's rendering): a build makes its own environments."""
    search = [root / "templates", packaged_templates()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search if p.is_dir()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode[0],
        auto_reload=reload,
    )
    _environments.add(env)
    env.globals.update(
        format_dates=format_dates,
        format_day=format_day,
        machine_dates=machine_dates,
        event_file=event_file,
    )
    env.filters.update(wrap=filters.wrap, underline=filters.underline_filter, link=filters.link)
    return env


def compile_all(root: Path) -> None:
    """Compile every page and email template of `root` (the email's HTML and its text)
    now, so that processes forked afterwards find them compiled (a template that does
    not compile is left for the render to report)."""
    env = environment(root)
    kinds = ("web/", "email/", "text/")
    for name in env.list_templates(filter_func=lambda name: name.startswith(kinds)):
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; a broken template becomes a `TemplateError` naming it."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(error.filename or name, error.lineno, error.message or "") from None
    except jinja2.TemplateError as error:
        raise TemplateError(name, None, str(error)) from None


def check_templates(
    root: Path,
    names: Iterable[str],
    problems: Problems,
    special: Mapping[str, jinja2.Environment] | None = None,
) -> None:
    """An error, with its file and line, for each of the newsletter's own templates
    (`names`, under templates/) that does not compile: `build` would stop on it. A name
    under a folder of `special` is compiled in that folder's environment (the
    skeletons have filters of their own)."""
    for name in names:
        env = next(
            (e for folder, e in (special or {}).items() if name.startswith(folder)),
            environment(root),
        )
        path = f"{TEMPLATES}/{name}"
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            problems.error(path, error.lineno, f"template error: {error.message}")
        except UnicodeDecodeError:
            problems.error(path, None, "is not UTF-8 text; save it with UTF-8 encoding")
        except (OSError, jinja2.TemplateError) as error:
            problems.error(path, None, f"cannot be read as a template: {error}")
