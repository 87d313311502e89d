"""How long `newsletter bounces` takes over 10,000 bounce messages (target: 20 s or less):
an mbox of DSNs (Postfix's format) for 10,000 subscribers of an SQLite database, each a
hard bounce matched by its address. Prints the figure.

    PYTHONPATH=. python bench/bounces.py
"""

from __future__ import annotations

import io
import mailbox
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import make_folder
from tests.sendtools import SEND_SETTINGS

COUNT = 10_000
FIXTURE = (
    Path(__file__).parent.parent / "tests" / "fixtures" / "bounces" / "postfix-user-unknown.eml"
)


def main() -> None:
    from newsletter.audience.bounces import read_bounces
    from newsletter.audience.commands import import_file

    template = FIXTURE.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        news = make_folder(Path(folder) / "news", {"content/newsletter.yaml": SEND_SETTINGS})
        listing = Path(folder) / "list.csv"
        addresses = [f"reader{n:05d}@example.net" for n in range(COUNT)]
        listing.write_text("email\n" + "\n".join(addresses) + "\n", encoding="utf-8")
        url = f"sqlite:///{folder}/subscribers.sqlite"
        import_file(news.root, url, listing, lambda _: None, lambda _: None)
        box = mailbox.mbox(Path(folder) / "bounces.mbox")
        for n, address in enumerate(addresses):
            data = template.replace(b"reader0001@example.net", address.encode())
            data = data.replace(b"4F1A2B3C4D@mx", f"{n:010d}@mx".encode())
            box.add(data)
        box.close()
        out = io.StringIO()
        started = time.perf_counter()
        tally = read_bounces(
            news.root,
            url,
            [str(Path(folder) / "bounces.mbox")],
            lambda line: print(line, file=out),
            lambda _: None,
            os.environ,
        )
        seconds = time.perf_counter() - started
    hard = tally.counts["hard bounce"]
    print(
        f"bounces: {COUNT:,} messages in {seconds:.1f} s ({COUNT / seconds:,.0f}/s), "
        f"{hard:,} hard bounces applied (target: <= 20 s)"
    )
    sys.exit(0 if hard == COUNT else 1)


if __name__ == "__main__":
    main()
