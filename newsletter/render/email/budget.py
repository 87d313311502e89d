"""The email's size budget: Gmail clips a message whose HTML passes about 102 KB and
hides the rest, the unsubscribe link with it. `Budget` says how an issue's email met
it; `budget_problems` is the warning `check` and `build` give when it did not."""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from functools import lru_cache

from newsletter.errors import Problems
from newsletter.layout import folder_of
from newsletter.model import Issue

MAX_EMAIL_BYTES = 90_000


# The size budget measures an email's HTML as sent, and the message then carries the
# same HTML: the last few encodings are kept, so the HTML is encoded once.
@lru_cache(maxsize=4)
def quoted_printable(content: str) -> bytes:
    """UTF-8 text as quoted-printable lines of at most 76 octets, ending in CRLF: how
    the message carries each part."""
    data = content.replace("\r\n", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    if b"=20\n" not in encoded and not encoded.endswith(b"=20"):  # no line ends in a space
        return encoded.replace(b"\n", b"\r\n")
    # b2a_qp writes a space that ends a line (every soft break of format=flowed) as =20
    # past the 76th octet: such a line gets a soft break before that =20.
    lines = [
        line[:-3] + b"=\r\n" + line[-3:] if len(line) > 76 else line
        for line in encoded.split(b"\n")
    ]
    return b"\r\n".join(lines)  # a CR of the content is encoded as =0D


def transmitted_size(html: str) -> int:
    """The HTML part's size as sent (quoted-printable), which is what Gmail measures:
    a tenth more than the decoded bytes, for MJML's `=` in every attribute."""
    return len(quoted_printable(html))


@dataclass(frozen=True, slots=True)
class Budget:
    """How an issue's email.html met the budget: its size in full and as written, both
    as transmitted (`transmitted_size`), and the slugs of the articles and reports that
    became teasers (longest first)."""

    issue: int
    full: int
    size: int
    shortened: tuple[str, ...]

    @property
    def clipped(self) -> bool:
        """The whole issue would have been over the budget."""
        return self.full > MAX_EMAIL_BYTES

    @property
    def over(self) -> bool:
        """Even shortened, email.html is over the budget."""
        return self.size > MAX_EMAIL_BYTES


def budget_problems(budget: Budget, issue: Issue, problems: Problems) -> None:
    """A warning for an issue whose email would have been clipped."""
    if not budget.clipped:
        return
    files = {a.slug: a.source.path for a in issue.articles}
    files.update({r.slug: r.source.path for r in issue.reports})
    folder = folder_of(issue.source.path) + "/"
    names = ", ".join(files.get(s, s).removeprefix(folder) for s in budget.shortened)
    message = (
        f"the email of issue {issue.number} would be {budget.full:,} bytes as sent, over the "
        f"{MAX_EMAIL_BYTES:,}-byte budget (Gmail clips an email past ~102 KB and hides its "
        "end, the unsubscribe link with it)"
    )
    if budget.shortened:
        count = len(budget.shortened)
        message += (
            f"; {count} item{'s' * (count != 1)} became a teaser (the summary, else the "
            f"first paragraph) with a 'Read more' link to the web page: {names}"
        )
    if budget.over:
        message += (
            f"; its HTML is still {budget.size:,} bytes as sent, and `send` refuses it: "
            "shorten the foreword or the schedule, which always stay whole"
        )
    else:
        message += f" (its HTML as sent: {budget.size:,} bytes)"
    problems.warning(issue.source.path, None, message)
