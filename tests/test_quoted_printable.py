"""How a part is carried: `quoted_printable` lines of at most 76 octets ending in CRLF,
which a reader decodes back to the text, its line-end spaces (format=flowed's soft
breaks) included."""

from __future__ import annotations

import binascii
import random

from newsletter.render.email.budget import quoted_printable

WORDS = ["a", "é", "=", "x" * 70, "世界", "<td>", "\t", "", "link=3D"]


def text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 30)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 30))]
        lines.append(" ".join(words) + " " * rng.choice([0, 0, 1, 2]))
    return "\n".join(lines) + rng.choice(["", "\n", " "])


def test_lines_fit_and_decode_to_the_text() -> None:
    rng = random.Random(2045)
    for _ in range(500):
        content = text(rng)
        encoded = quoted_printable(content)
        lines = encoded.split(b"\r\n")
        assert all(len(line) <= 76 for line in lines), content
        assert b"\n" not in encoded.replace(b"\r\n", b"")
        assert binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")) == content.encode("utf-8")


def test_a_line_end_space_past_the_76th_octet_gets_a_soft_break_first() -> None:
    for length in range(70, 80):
        encoded = quoted_printable("x" * length + " \nnext")
        lines = encoded.split(b"\r\n")
        assert all(len(line) <= 76 for line in lines)
        assert lines[-1] == b"next"
        assert binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")) == b"x" * length + b" \nnext"
