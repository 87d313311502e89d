"""What `check` learns from the last build: how each issue's email met the size budget.

`build` renders every email, so it knows which issue was over the budget and what was
shortened; it records that in `ROOT/.newsletter-cache/email-budget`, keyed by a digest
of everything an issue's email depends on (the issue as read, newsletter.yaml, the
email and text templates, and the program: every module of the package, the Python and
the installed libraries, see newsletter/fingerprint.py). `check` computes the same
digests, from what its reading worked out already (newsletter/readcache.py), and
renders an email only when its digest is not recorded (and then records it). This
module therefore imports nothing heavy: `check` must stay fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from newsletter.errors import Problems
from newsletter.fingerprint import add_files, digest, program
from newsletter.layout import BUDGET_CACHE, TEMPLATES, packaged_templates
from newsletter.model import Issue, Newsletter
from newsletter.render.email.budget import Budget, budget_problems

try:  # hashlib would load OpenSSL first: 3 ms, a tenth of what `check` may take
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

_HEADER = "newsletter email budget 1"
_TEMPLATE_FOLDERS = ("email", "text")


def check_budgets(
    root: Path,
    newsletter: Newsletter,
    problems: Problems,
    code: str | None = None,
    read: Mapping[int, str] | None = None,
) -> None:
    """Warn about every issue whose email would have been clipped (see the module doc).
    `code` and `read`: see `EmailKeys`."""
    code = code if code is not None else program()  # once, for the keys and the templates
    cache = read_cache(root)
    keys = EmailKeys(root, code, read)
    budgets: dict[int, Budget] = {}
    fresh: dict[int, tuple[str, Budget]] = {}
    renderer = None
    for issue in newsletter.issues:
        key = keys.key(issue)
        entry = cache.get(issue.number)
        if entry is not None and entry[0] == key:
            budgets[issue.number] = entry[1]
            continue
        if renderer is None:
            from newsletter.render.email.html import EmailRenderer
            from newsletter.render.templates import keep_compiled
            from newsletter.store import Store, bytecode_cache

            # The templates as `build` compiled them, kept in the store: 60 ms less.
            keep_compiled(bytecode_cache(Store(root), code))
            renderer = EmailRenderer(newsletter, root)  # renders each body it needs, once
        budgets[issue.number] = renderer.fit(issue).budget
        fresh[issue.number] = (key, budgets[issue.number])
    if fresh:
        write_cache(root, cache, fresh)
    for issue in newsletter.issues:
        budget_problems(budgets[issue.number], issue, problems)


def email_problems(
    newsletter: Newsletter, budgets: Mapping[int, Budget], problems: Problems
) -> None:
    """The warnings of the emails made (clipped ones, a missing `email.from`), whether
    rendered now or taken from the store."""
    for issue in newsletter.issues:
        if issue.number in budgets:
            budget_problems(budgets[issue.number], issue, problems)
    if budgets and not newsletter.settings.email.sender:
        from newsletter.render.email.message import warn_without_sender

        warn_without_sender(newsletter.settings, problems)


def record_budgets(root: Path, budgets: dict[int, tuple[str, Budget]]) -> None:
    """Record what `build` learnt about the emails it rendered, for `check`: each one's
    budget under its `EmailKeys` key."""
    if budgets:
        write_cache(root, read_cache(root), budgets)


class EmailKeys:
    """Digests of everything an issue's email depends on."""

    def __init__(
        self, root: Path, code: str | None = None, read: Mapping[int, str] | None = None
    ) -> None:
        """`code`: `fingerprint.program()`, when the caller has it already; `read`: each
        issue's `fingerprint.digest` as the reading worked it out (readcache.py), when
        the caller has it."""
        self.root = root
        self.shared = _shared_key(root, code if code is not None else program())
        self.read = read or {}

    def key(self, issue: Issue) -> str:
        """The digest for one issue: the shared part, the issue as read (every field,
        every body: what its email is made from), and of its images the file's size and
        time (the email shows an image's width, not its bytes; parsing the headers here
        would load the imagesize package and urllib: 20 ms of `check`)."""
        model = self.read.get(issue.number) or digest(issue)
        key = blake2b(f"{self.shared} {model}".encode(), digest_size=16)
        for image in issue.images:
            try:
                stat = os.stat(image.file)
                key.update(f"\0image {image.name} {stat.st_size} {stat.st_mtime_ns}".encode())
            except OSError:
                key.update(f"\0image {image.name} missing".encode())
        return key.hexdigest()


def _shared_key(root: Path, code: str) -> str:
    """The digest of what every issue's email depends on. All of the program (`code`),
    not a list of the modules that shape the email: a list would silently go stale when
    a module moves or a new one joins the email's pipeline."""
    key = blake2b(f"{_HEADER} {code}".encode(), digest_size=16)
    content = os.path.join(root, "content")
    add_files(key, content, [os.path.join(content, "newsletter.yaml")])
    for base in (str(root / TEMPLATES), str(packaged_templates())):
        add_files(key, base, [os.path.join(base, name) for name in _TEMPLATE_FOLDERS])
    return key.hexdigest()


def read_cache(root: Path) -> dict[int, tuple[str, Budget]]:
    """The recorded budgets by issue number, with their keys; empty when unreadable.

    One line per issue: number, key, size in full, size written, shortened slugs.
    """
    try:
        lines = (root / BUDGET_CACHE).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    if not lines or lines[0] != _HEADER:
        return {}
    entries = {}
    for line in lines[1:]:
        fields = line.split()
        if len(fields) >= 4 and all(f.isdigit() for f in (fields[0], fields[2], fields[3])):
            number = int(fields[0])
            budget = Budget(number, int(fields[2]), int(fields[3]), tuple(fields[4:]))
            entries[number] = (fields[1], budget)
    return entries


def write_cache(
    root: Path, old: dict[int, tuple[str, Budget]], new: dict[int, tuple[str, Budget]]
) -> None:
    """Record `new` over `old`. A folder that cannot be written only costs speed."""
    lines = [_HEADER]
    for number, (key, budget) in sorted({**old, **new}.items()):
        lines.append(
            " ".join([str(number), key, str(budget.full), str(budget.size), *budget.shortened])
        )
    file = root / BUDGET_CACHE
    try:
        file.parent.mkdir(exist_ok=True)
        from newsletter.writer import atomic_write  # not loaded by a `check` that hits

        atomic_write(file, ("\n".join(lines) + "\n").encode("utf-8"))
    except OSError:
        pass
