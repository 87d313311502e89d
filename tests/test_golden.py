"""The sample site, byte for byte against tests/golden/ (refresh: `./run golden`)."""

from __future__ import annotations

import difflib

import pytest

from tests.conftest import REPO
from tests.golden import GOLDEN, BuiltSample, golden_files


def test_same_files_as_golden(built_sample: BuiltSample) -> None:
    assert sorted(built_sample.files) == sorted(golden_files())


def test_every_file_matches_golden(built_sample: BuiltSample) -> None:
    built = built_sample.files
    golden = golden_files()
    different = [name for name in golden if built.get(name) != golden[name]]
    if different:
        name = different[0]
        diff = difflib.unified_diff(
            golden[name].decode("utf-8", "replace").splitlines(),
            built.get(name, b"").decode("utf-8", "replace").splitlines(),
            "golden/" + name,
            "built/" + name,
            lineterm="",
            n=1,
        )
        detail = "\n".join(list(diff)[:40])
        pytest.fail(
            f"{len(different)} files differ from tests/golden (./run golden refreshes):\n{detail}"
        )


def test_golden_folder_is_not_empty() -> None:
    assert GOLDEN.joinpath("index.html").is_file()


def test_the_sample_record_is_up_to_date(built_sample: BuiltSample) -> None:
    # The build runs on a copy, so a record it had to update is thrown away with the copy:
    # say so here, or the golden files would show a calendar the checkout cannot reproduce.
    record = "calendar/published.yaml"
    assert (built_sample.root / record).read_bytes() == (REPO / record).read_bytes(), (
        f"building the sample changes {record}: run `./run build` and commit the record"
    )


def test_the_build_ran_outside_the_checkout(built_sample: BuiltSample) -> None:
    assert not built_sample.root.is_relative_to(REPO)
    assert not built_sample.out.is_relative_to(REPO)
