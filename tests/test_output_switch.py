"""The output folder switched at once: the staged site, what it carries over, the switch
and its journal, and what the next build clears after a killed one.

Each test builds real folders with `write_output` and looks at the bytes, inodes and
modes on disk; the interrupted states are made as a killed build leaves them.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import newsletter.output.staging
import newsletter.output.switch
from newsletter.errors import UsageError
from newsletter.layout import beside_output
from newsletter.output.manifest import digest, read_manifest
from newsletter.output.tree import rescue_late
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
    """What a build keeps beside the output folder but the spare, or inside it, that is
    still there."""
    beside = [p.name for p in beside_output(out)[1:] if os.path.lexists(p)]
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
    rescue_late(retired, out, set(OLD_SITE) | {MANIFEST})
    assert tree(retired) == OLD_SITE  # the rest stays, as the spare
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


# -- the spare: the retired site, brought to the next site ---------------------------------

THIRD_SITE = {
    **NEW_SITE,
    "feed.xml": b"<rss>third</rss>",
    "issues/003/index.html": "trois \N{EM DASH} \N{CJK UNIFIED IDEOGRAPH-4E09}".encode(),
}


def inodes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.lstat().st_ino
        for p in folder.rglob("*")
        if not p.is_dir() or p.is_symlink()
    }


def test_the_retired_site_stays_as_the_spare_and_the_next_switch_touches_what_changed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    spare = beside_output(out)[0]
    write_output(out, OLD_SITE)
    write_output(out, NEW_SITE)
    assert tree(spare) == OLD_SITE  # the old site, whole, with its manifest
    assert (spare / MANIFEST).read_bytes() != (out / MANIFEST).read_bytes()
    same = inodes(out)["issues/001/index.html"]
    assert inodes(spare)["issues/001/index.html"] == same  # one file, two names
    folders = out.stat().st_ino, spare.stat().st_ino
    untouched = (spare / "events/a.ics").stat().st_ino
    assert write_output(out, THIRD_SITE) == WriteResult(written=2, unchanged=4, removed=0)
    assert tree(out) == THIRD_SITE and tree(spare) == NEW_SITE
    assert (out.stat().st_ino, spare.stat().st_ino) == folders[::-1]  # the two trade places
    assert (out / "events/a.ics").stat().st_ino == untouched
    assert inodes(out)["issues/001/index.html"] == same
    assert leftovers(out) == []


def test_a_missing_spare_is_made_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spare = beside_output(out)[0]
    write_output(out, OLD_SITE)
    write_output(out, NEW_SITE)
    shutil.rmtree(spare)
    write_output(out, THIRD_SITE)
    assert tree(out) == THIRD_SITE and tree(spare) == NEW_SITE


@pytest.mark.parametrize(
    "tamper",
    [
        "other bytes, same size",
        "a stray file",
        "a file gone",
        "a folder gone",
        "a file where a folder was",
        "a link where a folder was",
        "edited through a shared link",
        "a temporary",
        "the manifest gone",
    ],
)
def test_a_spare_changed_by_hand_is_not_trusted(tmp_path: Path, tamper: str) -> None:
    out = tmp_path / "out"
    spare = beside_output(out)[0]
    write_output(out, NEW_SITE)
    write_output(out, OLD_SITE)  # the spare now holds NEW_SITE, linked to what stays
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if tamper == "other bytes, same size":
        (spare / "events/a.ics").unlink()
        (spare / "events/a.ics").write_bytes(b"END:VCALENDARX")
    elif tamper == "a stray file":
        (spare / "issues/001/stray.html").write_bytes(b"stray")
    elif tamper == "a file gone":
        (spare / "issues/001/index.html").unlink()
    elif tamper == "a folder gone":
        shutil.rmtree(spare / "events")
    elif tamper == "a file where a folder was":
        shutil.rmtree(spare / "issues")
        (spare / "issues").write_bytes(b"not a folder")
    elif tamper == "a link where a folder was":
        shutil.rmtree(spare / "issues")
        (spare / "issues").symlink_to(elsewhere)
    elif tamper == "edited through a shared link":
        with open(spare / "issues/001/index.html", "r+b") as stream:  # the live file too
            stream.write(b"ONE")
        later = (out / MANIFEST).stat().st_mtime_ns + 10**9  # an edit after the build
        os.utime(spare / "issues/001/index.html", ns=(later, later))
    elif tamper == "a temporary":
        (spare / "events" / ".b c.ics.x1y2.newsletter-tmp").write_bytes(b"half")
    else:
        (spare / MANIFEST).unlink()
    assert write_output(out, THIRD_SITE).written >= 2
    assert tree(out) == THIRD_SITE
    assert read_manifest(out).entries.keys() == THIRD_SITE.keys()
    assert list(elsewhere.iterdir()) == []
    assert leftovers(out) == []
    assert write_output(out, OLD_SITE) == WriteResult(written=3, unchanged=2, removed=2)
    assert tree(out) == OLD_SITE


def test_a_spare_stale_by_several_builds_is_brought_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sites = [OLD_SITE, NEW_SITE, NEW_SITE, THIRD_SITE, THIRD_SITE, OLD_SITE, NEW_SITE]
    sites += [{**THIRD_SITE, f"issues/{n:03d}/index.html": b"x" * n} for n in range(4, 9)]
    sites += [OLD_SITE, {}, THIRD_SITE]
    for number, files in enumerate(sites):
        write_output(out, files)
        assert tree(out) == files, f"build {number}"
        assert read_manifest(out).entries.keys() == files.keys()
        assert leftovers(out) == []
    folders = sorted(p.name for p in out.rglob("*") if p.is_dir())
    assert folders == ["001", "003", "events", "issues"]


def test_a_user_file_changed_in_the_site_reaches_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    (out / "notes.txt").write_bytes(b"mine")
    write_output(out, NEW_SITE)  # the spare has no notes.txt
    (out / "notes.txt").unlink()
    (out / "notes.txt").write_bytes(b"mine, second version")
    (out / "issues").chmod(0o750)
    write_output(out, THIRD_SITE)
    assert tree(out) == {**THIRD_SITE, "notes.txt": b"mine, second version"}
    assert stat.S_IMODE((out / "issues").stat().st_mode) == 0o750


@pytest.mark.parametrize("after", range(5))  # 2 files linked again, 2 written, the manifest
def test_an_update_of_the_spare_killed_midway_is_finished_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    write_output(out, NEW_SITE)  # the spare: OLD_SITE
    steps = 0
    link, write = newsletter.output.staging._link, newsletter.output.staging.write_new

    def step() -> None:
        nonlocal steps
        if steps == after:
            raise KeyboardInterrupt  # as a kill would stop it, leaving the spare half done
        steps += 1

    monkeypatch.setattr(newsletter.output.staging, "_link", lambda *a: step() or link(*a))
    monkeypatch.setattr(newsletter.output.staging, "write_new", lambda *a: step() or write(*a))
    with pytest.raises(KeyboardInterrupt):
        write_output(out, THIRD_SITE)
    assert tree(out) == NEW_SITE  # the site is as it was
    monkeypatch.undo()
    assert write_output(out, THIRD_SITE).written == 2
    assert tree(out) == THIRD_SITE
    assert tree(beside_output(out)[0]) == NEW_SITE
    assert leftovers(out) == []


@pytest.mark.parametrize("kind", ["file", "link"])
def test_something_else_at_the_spare_s_name_is_replaced(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    spare = beside_output(out)[0]
    write_output(out, OLD_SITE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if kind == "file":
        spare.write_bytes(b"x")
    else:
        spare.symlink_to(elsewhere)
    write_output(out, NEW_SITE)
    assert tree(out) == NEW_SITE and tree(spare) == OLD_SITE
    assert not spare.is_symlink() and list(elsewhere.iterdir()) == []


def test_a_two_step_switch_killed_before_the_old_site_became_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spare, old, _ = beside_output(out)
    write_output(out, OLD_SITE)
    write_output(out, NEW_SITE)
    spare.rename(old)  # the journal gone, the old site not yet renamed to the spare
    assert write_output(out, THIRD_SITE).written == 2
    assert tree(out) == THIRD_SITE and tree(spare) == NEW_SITE
    assert leftovers(out) == []


def test_a_spare_left_beside_a_removed_output_folder_becomes_the_new_site(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    write_output(out, OLD_SITE)
    write_output(out, NEW_SITE)
    (beside_output(out)[0] / "issues" / "stray.txt").write_bytes(b"stray")
    shutil.rmtree(out)
    assert write_output(out, THIRD_SITE) == WriteResult(written=6, unchanged=0, removed=0)
    assert tree(out) == THIRD_SITE
    assert not os.path.lexists(beside_output(out)[0])  # nothing to retire
