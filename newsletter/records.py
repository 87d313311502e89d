"""What `calendar/published.yaml` and `content/revisions.yaml` share: records that
`build` writes and the editor commits with the content, read back with every problem
reported by line, and written whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsletter.errors import ContentError, Problems, UsageError
from newsletter.reading.yamlfile import YamlMap, load_yaml

_CONFLICT = ("<<<<<<< ", "=======", ">>>>>>> ")


def check_conflicts(text: str, path: str, keep: str) -> str:
    """`text`, or `ContentError` at the first line a merge conflict left; `keep` says
    which side of each entry to keep ("each item's later `updated` and its digest")."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(_CONFLICT):
            raise ContentError(
                path,
                number,
                f"an unresolved merge conflict: keep {keep}, and remove the "
                "<<<<<<< ======= >>>>>>> lines",
            )
    return text


def record_mapping(text: str, path: str, of: str, problems: Problems) -> YamlMap | None:
    """The record's mapping (None when empty or unusable, the problem in `problems`);
    `of` names its keys in the error ("event ids")."""
    try:
        data = load_yaml(text, path)
    except ContentError as error:
        problems.add(error.problem)
        return None
    if data is None:
        return None
    if not isinstance(data, YamlMap):
        problems.error(path, 1, f"must be a mapping of {of}")
        return None
    return data


def timestamp(value: object) -> datetime | None:
    """A record's time (ISO text or a YAML timestamp) in UTC, whole seconds; None when
    it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def write_record(root: Path, path: str, data: bytes, otherwise: str) -> None:
    """Write the record beside its name and rename it over it, so an interrupted build
    never leaves half a record; `UsageError` saying `otherwise` (what the next build
    that can write it does) when the folder refuses."""
    from newsletter.writer import atomic_write  # build only: `check` never writes a record

    file = root / path
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(file, data)
    except OSError as error:
        raise UsageError(
            f"the site is built, but {path} cannot be written ({error.strerror}); {otherwise}"
        ) from None
