"""The skeleton files scaffolding writes, rendered from the Jinja2 templates in
`templates/scaffold/`: a newsletter's own `templates/scaffold/` comes first, as for
every template.

A skeleton is YAML and Markdown, not HTML, so nothing is escaped: a value goes into
YAML through the `yaml` filter, which quotes it as the reader needs (`title: {{
title|yaml }}` reads back as the title, whatever its quotes, colons, `#` or `&`), and a
mapping through `yaml_block`, as block lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from newsletter.render.templates import environment, render_template
from newsletter.scaffold.yamltext import yaml_scalar

ISSUE = "scaffold/issue.yaml"  # context: number, date, default_title, previous_period, sections
FOREWORD = "scaffold/foreword.md"  # author, role
ARTICLE = "scaffold/article.md"  # title, issue
REPORT = "scaffold/report.md"  # title, issue, event (or none), event_id


def render_skeleton(root: Path, name: str, context: Mapping[str, Any]) -> str:
    """The skeleton `name` rendered for the newsletter at `root`; a broken template is a
    `TemplateError` naming it."""
    return render_template(skeleton_environment(root), name, context)


@cache
def skeleton_environment(root: Path) -> jinja2.Environment:
    """The newsletter's templates as for every output, without HTML escaping."""
    env = environment(root).overlay(autoescape=False, cache_size=50)
    env.filters = {**env.filters, "yaml": yaml_scalar, "yaml_block": _block}
    return env


def _block(data: Mapping[str, Any]) -> str:
    # Imported here: ruamel.yaml is needed only by `new`, not by every `add`.
    from newsletter.scaffold.yamledit import dump_yaml

    return dump_yaml(data).removesuffix("\n")
