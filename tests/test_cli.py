"""The `newsletter` command itself (newsletter/cli.py): help, version, `--root` before or
after the command, and the mapping of every error to one line and an exit code."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
import pytest

from newsletter import __version__
from newsletter.errors import (
    ContentErrors,
    DeliveryError,
    NewsletterError,
    Problems,
    UsageError,
)
from tests.conftest import ARTICLE, SETTINGS

if TYPE_CHECKING:
    from tests.conftest import Folder, Run

RunCli = Callable[..., "Run"]
COMMANDS = ("add", "build", "check", "import-schedule", "new", "send", "serve")


def fail_check_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make `newsletter check` raise `error` (the command imports its function late)."""

    def check(root: Path) -> NoReturn:
        raise error

    monkeypatch.setattr("newsletter.site.check", check)


# --- help and version --------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_command(run_cli: RunCli, flag: str) -> None:
    result = run_cli(flag)
    assert result.code == 0
    assert result.out.startswith("Usage: newsletter [OPTIONS] COMMAND [ARGS]...")
    listed = result.out.split("Commands:", 1)[1].split()
    for command in COMMANDS:
        assert command in listed, command
    assert result.err == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_root(run_cli: RunCli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0
    assert result.out.startswith(f"Usage: newsletter {command} ")
    assert "--root PATH" in result.out


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out == f"newsletter, version {__version__}\n"


def test_no_command_shows_the_usage(run_cli: RunCli) -> None:
    result = run_cli()
    assert "Usage: newsletter [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "Commands:" in result.output


# --- what click refuses: exit 2 ----------------------------------------------------------


def test_unknown_command(run_cli: RunCli) -> None:
    result = run_cli("publish")
    assert result.code == 2
    assert result.out == ""
    assert "Error: No such command 'publish'." in result.err


@pytest.mark.parametrize(
    "args, message",
    [
        (("check", "--bogus"), "No such option '--bogus'"),
        (("build", "one"), "'one' is not a valid integer"),
        (("send", "0"), "0 is not in the range x>=1"),
        (("add", "essay", "Title"), "'essay' is not one of 'article', 'report'"),
    ],
)
def test_bad_arguments_are_usage_errors(
    run_cli: RunCli, args: tuple[str, ...], message: str
) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.output


# --- --root ------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["group", "command"])
def test_missing_root_is_a_usage_error(tmp_path: Path, run_cli: RunCli, order: str) -> None:
    missing = str(tmp_path / "no-such-folder")
    args = ("--root", missing, "check") if order == "group" else ("check", "--root", missing)
    result = run_cli(*args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "does not exist" in lines[0]
    assert missing in lines[0]
    assert "Traceback" not in result.output


def test_root_that_is_a_file_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    file = tmp_path / "file.txt"
    file.write_text("not a folder")
    result = run_cli("check", "--root", str(file))
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "is not a folder" in result.err


def test_the_commands_root_wins_over_the_groups(
    folder: Folder, tmp_path: Path, run_cli: RunCli
) -> None:
    missing = str(tmp_path / "no-such-folder")
    assert run_cli("--root", missing, "check", "--root", str(folder.root)).code == 0
    assert run_cli("--root", str(folder.root), "check", "--root", missing).code == 2


def test_the_default_root_is_the_current_folder(
    folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder.root)
    result = run_cli("check")
    assert result.code == 0
    assert result.err == "No problems found.\n"
    monkeypatch.chdir(folder.root / "content")  # not a newsletter folder: no settings here
    assert run_cli("check").code == 1


# --- errors raised by a command: one line, an exit code ----------------------------------


@pytest.mark.parametrize(
    "error, code",
    [(NewsletterError("it broke"), 1), (DeliveryError("it broke"), 1), (UsageError("it broke"), 2)],
    ids=["NewsletterError", "DeliveryError", "UsageError"],
)
def test_a_newsletter_error_is_one_line_and_its_exit_code(
    folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, error: Exception, code: int
) -> None:
    fail_check_with(monkeypatch, error)
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == code
    assert result.out == ""
    assert result.err == "newsletter: it broke\n"


def test_content_errors_print_every_problem_sorted_then_the_count(
    folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = Problems()
    problems.error(SETTINGS, 3, "base_url: must be https")
    problems.warning(ARTICLE, 2, "summmary: unknown key")
    problems.error(ARTICLE, 5, "title: required key is missing")
    fail_check_with(monkeypatch, ContentErrors(problems))
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        f"{ARTICLE}:2: warning: summmary: unknown key",
        f"{ARTICLE}:5: title: required key is missing",
        f"{SETTINGS}:3: base_url: must be https",
        "2 errors, 1 warning.",
    ]


def test_an_abort_exits_1(folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_check_with(monkeypatch, click.Abort())
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 1
    assert result.err == "Aborted.\n"


def test_ctrl_c_exits_130_with_one_line(
    folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_check_with(monkeypatch, KeyboardInterrupt())
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 130
    # click's blank line closes the terminal's "^C"; then one line.
    assert result.err == "\nnewsletter: interrupted; run the command again to finish\n"


def test_any_other_exception_is_not_hidden(
    folder: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_check_with(monkeypatch, RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        run_cli("check", "--root", str(folder.root))


def test_check_summary_counts(folder: Folder, run_cli: RunCli) -> None:
    assert run_cli("check", "--root", str(folder.root)).err == "No problems found.\n"
    folder.write(ARTICLE, folder.path(ARTICLE).read_text().replace("summary:", "summmary:"))
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 0
    assert result.err == "0 errors, 1 warning.\n"


# --- the installed entry points ----------------------------------------------------------


def test_python_dash_m_newsletter_exits_with_the_mapped_code(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-folder")
    result = subprocess.run(
        [sys.executable, "-m", "newsletter", "check", "--root", missing],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "does not exist" in result.stderr
