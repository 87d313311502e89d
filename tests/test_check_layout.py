"""tools/check_layout.py on small packages made for each case: import cycles (module
level, and closed by a lazy import), TYPE_CHECKING imports, and modules over 400 lines."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "tools" / "check_layout.py"


def load_tool() -> ModuleType:
    """tools/check_layout.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("check_layout", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layout"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


tool = load_tool()


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package `pkg` in `tmp_path` with the modules `files` (name: source)."""
    root = tmp_path / "pkg"
    for name, source in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return root


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """The tool's exit code on the package at `root`, and the lines it printed."""
    code = tool.main([str(root), *args])
    return code, capsys.readouterr().out.splitlines()


def test_a_clean_package_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "import os\nfrom pkg import b\nfrom pkg.sub import c\n",
            "b.py": "from . import sub\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..b import x\nimport json\n",
        },
    )
    assert run(root, capsys) == (
        0,
        ["Layout OK: 5 modules, no import cycles, none over 400 lines."],
    )


def test_a_two_module_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = package(tmp_path, {"a.py": "import os\nfrom pkg.b import f\n", "b.py": "import pkg.a\n"})
    assert run(root, capsys) == (
        1,
        [
            "Import cycles (module-level imports): 1",
            "  pkg.a -> pkg.b -> pkg.a",
            "    pkg/a.py:2: pkg.a imports pkg.b",
            "    pkg/b.py:1: pkg.b imports pkg.a",
        ],
    )


def test_a_three_module_cycle_through_relative_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "from pkg import b\n",
            "b.py": "from . import c\n",
            "c.py": "from .a import name\n",
            "d.py": "from pkg import a\n",  # needs the cycle, is not part of it
        },
    )
    code, out = run(root, capsys)
    assert code == 1
    assert out[:2] == [
        "Import cycles (module-level imports): 1",
        "  pkg.a -> pkg.b -> pkg.c -> pkg.a",
    ]
    assert "    pkg/c.py:1: pkg.c imports pkg.a" in out
    assert not any("pkg.d" in line for line in out)


def test_an_import_under_type_checking_is_no_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "from pkg.b import B\n",
            "b.py": (
                "import typing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.a import A\n"
                "if typing.TYPE_CHECKING:\n    import pkg.a\n"
            ),
        },
    )
    code, out = run(root, capsys)
    assert (code, out[0][:10]) == (0, "Layout OK:")


def test_type_checking_imports_can_be_shown_as_lazy_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "def f():\n    from pkg.b import B\n",
            "b.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg.a import A\n",
        },
    )
    assert run(root, capsys)[0] == 0
    assert run(root, capsys, "--type-checking") == (
        1,
        [
            "Import cycles closed by a function-level (lazy) or TYPE_CHECKING import: 1",
            "  pkg.a -> pkg.b -> pkg.a",
            "    pkg/a.py:2: pkg.a imports lazily pkg.b",
            "    pkg/b.py:3: pkg.b imports for type checking pkg.a",
        ],
    )


def test_the_else_of_type_checking_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "from pkg.b import B\n",
            "b.py": "if TYPE_CHECKING:\n    pass\nelse:\n    from pkg.a import A\n",
        },
    )
    code, out = run(root, capsys)
    assert code == 1
    assert "  pkg.a -> pkg.b -> pkg.a" in out


def test_imports_in_try_if_and_class_bodies_are_module_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "try:\n    from pkg import b\nexcept ImportError:\n    b = None\n",
            "b.py": "class K:\n    if True:\n        from pkg import a\n",
        },
    )
    code, out = run(root, capsys)
    assert code == 1
    assert out[0] == "Import cycles (module-level imports): 1"


def test_a_cycle_closed_by_a_lazy_import_is_reported_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {
            "a.py": "from pkg.b import helper\n",
            "b.py": "def helper():\n    from pkg.a import thing\n    return thing\n",
            "c.py": "class C:\n    def m(self):\n        import pkg.a\n",  # lazy, but no cycle
        },
    )
    assert run(root, capsys) == (
        1,
        [
            "Import cycles closed by a function-level (lazy) import: 1",
            "  pkg.b -> pkg.a -> pkg.b",
            "    pkg/b.py:2: pkg.b imports lazily pkg.a",
            "    pkg/a.py:1: pkg.a imports pkg.b",
        ],
    )


def test_a_lazy_import_inside_a_module_level_cycle_is_not_reported_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(
        tmp_path,
        {"a.py": "import pkg.b\n", "b.py": "import pkg.a\ndef f():\n    import pkg.a\n"},
    )
    code, out = run(root, capsys)
    assert code == 1
    assert out[0] == "Import cycles (module-level imports): 1"
    assert not any("lazy" in line for line in out)


def test_a_module_over_400_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = package(tmp_path, {"big.py": "x = 1\n" * 401, "fits.py": "x = 1\n" * 400})
    assert run(root, capsys) == (1, ["Modules over 400 lines: 1", "  pkg/big.py: 401 lines"])
    assert run(root, capsys, "--max-lines", "401")[0] == 0


def test_imports_leaving_the_package_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package(tmp_path, {"a.py": "from .... import x\nfrom other import a\nimport pkgx\n"})
    assert run(root, capsys)[0] == 0


def test_the_script_exits_1_and_prints_every_offender(tmp_path: Path) -> None:
    root = package(
        tmp_path, {"a.py": "import pkg.b\n", "b.py": "import pkg.a\n", "big.py": "\n" * 500}
    )
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "  pkg.a -> pkg.b -> pkg.a" in result.stdout
    assert "  pkg/big.py: 500 lines" in result.stdout
