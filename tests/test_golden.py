"""The sample site, byte for byte against tests/golden/ (refresh: `./run golden`)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.golden import build_sample, golden_files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return build_sample(tmp_path_factory.mktemp("golden") / "public")


def test_same_files_as_golden(built: dict[str, bytes]) -> None:
    assert sorted(built) == sorted(golden_files())


def test_every_file_matches_golden(built: dict[str, bytes]) -> None:
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
    assert Path(__file__).with_name("golden").joinpath("index.html").is_file()
