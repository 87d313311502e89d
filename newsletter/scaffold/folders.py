"""The newsletter folder and its issues' folders, as the scaffolding commands find and make them."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from newsletter.errors import NewsletterError, UsageError
from newsletter.layout import (
    ARTICLES,
    ISSUE_FILE,
    ISSUES_PATH,
    REPORTS,
    SETTINGS_PATH,
    check_root,
    is_issue_folder,
)


def newsletter_root(root: Path) -> Path:
    """The resolved root; a folder that is not a newsletter (no newsletter.yaml) is a
    `UsageError`."""
    root = check_root(root)
    if not (root / SETTINGS_PATH).is_file():
        raise UsageError(
            f"{root} is not a newsletter folder: it has no {SETTINGS_PATH} "
            "(give the newsletter folder with --root, or start one with `newsletter init`)"
        )
    return root


def issue_folders(root: Path) -> dict[int, str]:
    """Issue number -> folder (relative to the root) of every folder with an issue.yaml."""
    directory = root / ISSUES_PATH
    if not directory.is_dir():
        return {}
    folders: dict[int, str] = {}
    for child in sorted(directory.iterdir()):
        if is_issue_folder(child.name) and (child / ISSUE_FILE).is_file():
            folders.setdefault(int(child.name), f"{ISSUES_PATH}/{child.name}")
    return folders


def issue_folder(root: Path, number: int | None) -> tuple[int, str]:
    """The given issue's number and folder, or the latest issue's; an issue that is not
    there is a `UsageError`, and a newsletter without issues a `NewsletterError`."""
    folders = issue_folders(root)
    if number is None:
        if not folders:
            raise NewsletterError("there is no issue yet: start one with `newsletter new`")
        number = max(folders)
    if number not in folders:
        known = ", ".join(str(n) for n in sorted(folders)) or "none yet"
        raise UsageError(f"no issue {number}; the issues are {known}")
    return number, folders[number]


def folder_named(root: Path, number: int) -> str | None:
    """The folder of issue `number` (062, or 62), whether or not it has an issue.yaml."""
    directory = root / ISSUES_PATH
    if not directory.is_dir():
        return None
    for child in directory.iterdir():
        if is_issue_folder(child.name) and int(child.name) == number:
            return f"{ISSUES_PATH}/{child.name}"
    return None


def create_folder(root: Path, folder: str, files: dict[str, str]) -> None:
    """An issue's folder with `files` (name -> text) and empty articles/ and reports/:
    the whole folder appears at once, or not at all."""
    parent = root / ISSUES_PATH
    parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".new-issue-", dir=parent))
    try:
        for name, text in files.items():
            (temp / name).write_text(text, encoding="utf-8")
        for kind in (ARTICLES, REPORTS):
            (temp / kind).mkdir()
        temp.chmod(0o777 & ~umask())
        os.rename(temp, root / folder)
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise NewsletterError(f"cannot create {folder}: {error.strerror}") from None


def umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
