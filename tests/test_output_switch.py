"""The output folder switched at once: the staged site, what it carries over, the switch
and its journal, and what the next build clears after a killed one.

Each test builds real folders with `write_output` and looks at the bytes, inodes and
modes on disk; the interrupted states are made as a killed build leaves them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import newsletter.output.switch
from newsletter.errors import UsageError
from newsletter.layout import beside_output
from newsletter.output.manifest import digest, read_manifest
from newsletter.output.tree import remove_retired
from newsletter.writer import MANIFEST, WriteResult, write_output

OLD_SITE = {
    "index.html": b"<p>old home</p>",
    "issues/001/index.html": b"one",
    "issues/002/index.html": "deux \N{EURO SIGN}".encode(),
    "events/a.ics": b"BEGIN:VCALENDAR",
    "feed.xml": b"<rss>old</rss>",
}
NEW_SITE = {
    "index.html": b"<p>new home, longer</p>",
    "issues/001/index.html": b"one",
    "events/a.ics": b"BEGIN:VCALENDAR",
    "events/b c.ics": b"BEGIN:VCALENDAR b",
    "feed.xml": b"<rss>new</rss>",
}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file (not link) under `folder` but the manifest, by relative POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != MANIFEST
    }


def leftovers(out: Path) -> list[str]:
    """What a build keeps beside the output folder, or inside it, that is still there."""
    beside = [p.name for p in beside_output(out) if os.path.lexists(p)]
    return beside + [p.name for p in out.rglob("*.newsletter-tmp")]


def test_the_new_site_replaces_the_old_and_unchanged_files_keep_their_inode(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    assert write_output(out, OLD_SITE) == WriteResult(5, 0, 0)
    inode = (out / "issues/001/index.html").stat().st_ino
    folder = out.stat().st_ino
    result = write_output(out, NEW_SITE)
    assert result == WriteResult(written=3, unchanged=2, removed=1)
    assert tree(out) == NEW_SITE
    assert (out / "issues/001/index.html").stat().st_ino == inode  # linked, not copied
    assert out.stat().st_ino != folder  # a new folder took the path
    assert not (out / "issues/002").exists()
    assert leftovers(out) == []


def test_a_build_that_changes_nothing_does_not_switch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, NEW_SITE)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    folder = out.stat().st_ino
    assert write_output(out, NEW_SITE) == WriteResult(0, 5, 0)
    assert out.stat().st_ino == folder
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_what_a_user_put_in_the_output_is_carried_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    (out / "notes.txt").write_bytes(b"mine")
    (out / "empty" / "nested").mkdir(parents=True)
    (out / "issues/002/extra.pdf").write_bytes(b"%PDF")  # beside a page that goes
    (out / "latest").symlink_to("issues/001")
    notes = (out / "notes.txt").stat().st_ino
    write_output(out, NEW_SITE)
    assert tree(out) == {**NEW_SITE, "notes.txt": b"mine", "issues/002/extra.pdf": b"%PDF"}
    assert (out / "notes.txt").stat().st_ino == notes
    assert (out / "empty" / "nested").is_dir()
    assert os.readlink(out / "latest") == "issues/001"
    assert "notes.txt" not in read_manifest(out).entries  # still not ours: never pruned


def test_a_user_file_where_a_new_file_needs_a_folder_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    (out / "archive").write_bytes(b"a user's file")
    before = tree(out)
    with pytest.raises(UsageError, match=r"archive is in the way, and no build wrote it"):
        write_output(out, {**NEW_SITE, "archive/index.html": b"x"})
    assert tree(out) == before
    assert leftovers(out) == []


def test_folder_permissions_stay(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    out.chmod(0o750)
    (out / "issues").chmod(0o2711)
    write_output(out, NEW_SITE)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "issues").stat().st_mode) == 0o2711


def test_an_empty_output_folder_is_filled(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    write_output(out, NEW_SITE)
    assert tree(out) == NEW_SITE
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_temporaries_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, NEW_SITE)
    (out / ".index.html.k3j_x9.newsletter-tmp").write_bytes(b"")
    (out / "events" / ".a.ics.q1w2e3.newsletter-tmp").write_bytes(b"BEGIN")
    assert write_output(out, NEW_SITE).written == 0
    assert leftovers(out) == []
    assert tree(out) == NEW_SITE


def test_the_manifest_holds_digests_and_is_deterministic(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write_output(one, NEW_SITE)
    write_output(two, dict(reversed(NEW_SITE.items())))
    text = (one / MANIFEST).read_bytes()
    assert text == (two / MANIFEST).read_bytes()
    lines = text.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(NEW_SITE)
    assert f"events/b c.ics\t17\t{digest(b'BEGIN:VCALENDAR b')}" in lines


def test_a_file_edited_by_hand_is_written_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, NEW_SITE)
    (out / "feed.xml").write_bytes(b"<rss>HAND</rss>")  # the same size, newer
    assert write_output(out, NEW_SITE).written == 1
    assert (out / "feed.xml").read_bytes() == NEW_SITE["feed.xml"]


def test_an_older_manifest_of_names_alone_still_prunes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    (out / MANIFEST).write_text("".join(f"{name}\n" for name in sorted(OLD_SITE)))
    result = write_output(out, NEW_SITE)
    assert result == WriteResult(written=3, unchanged=2, removed=1)
    assert tree(out) == NEW_SITE
    assert "\t" in (out / MANIFEST).read_text()


def test_without_exchange_the_switch_takes_two_recorded_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newsletter.output.switch, "exchange", lambda first, second: False)
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    assert write_output(out, NEW_SITE).written == 3
    assert tree(out) == NEW_SITE
    assert leftovers(out) == []


def _staged(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """A complete staged site, as a build makes it before the switch."""
    made = tmp_path / "made"
    write_output(made, files)
    return made


def test_a_switch_killed_between_its_two_renames_is_finished(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stage, old, journal = beside_output(out)
    write_output(out, OLD_SITE)
    _staged(tmp_path, NEW_SITE).rename(stage)
    journal.write_text("switching\n")
    out.rename(old)  # killed here: no output folder at all
    assert write_output(out, NEW_SITE) == WriteResult(0, 5, 0)
    assert tree(out) == NEW_SITE
    assert leftovers(out) == []


def test_a_recorded_switch_not_yet_begun_is_finished(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stage, _, journal = beside_output(out)
    write_output(out, OLD_SITE)
    _staged(tmp_path, NEW_SITE).rename(stage)
    journal.write_text("switching\n")
    newsletter.output.switch.recover(out)
    assert tree(out) == NEW_SITE
    assert leftovers(out) == []


@pytest.mark.parametrize("left", ["half-staged", "old-not-removed"])
def test_what_a_killed_build_left_beside_the_folder_goes(tmp_path: Path, left: str) -> None:
    out = tmp_path / "out"
    stage, old, _ = beside_output(out)
    write_output(out, NEW_SITE)
    leftover = stage if left == "half-staged" else old
    (leftover / "issues").mkdir(parents=True)
    (leftover / "issues" / "index.html").write_bytes(b"half")
    assert write_output(out, NEW_SITE).written == 0
    assert tree(out) == NEW_SITE
    assert leftovers(out) == []


def test_a_file_put_in_the_output_during_a_build_moves_to_the_new_site(tmp_path: Path) -> None:
    out, retired = tmp_path / "out", tmp_path / "retired"
    write_output(out, NEW_SITE)
    write_output(retired, OLD_SITE)
    (retired / "issues" / "late.txt").write_bytes(b"arrived while building")
    remove_retired(retired, out, set(OLD_SITE) | {MANIFEST})
    assert not retired.exists()
    assert (out / "issues" / "late.txt").read_bytes() == b"arrived while building"
    assert tree(out) == {**NEW_SITE, "issues/late.txt": b"arrived while building"}


def test_the_preview_writes_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE, at_once=False)
    folder = out.stat().st_ino
    assert write_output(out, NEW_SITE, at_once=False) == WriteResult(3, 2, 1)
    assert out.stat().st_ino == folder
    assert tree(out) == NEW_SITE
    assert not list(tmp_path.glob(".out.*"))
