"""`check` warns about an email that would be clipped, from what `build` recorded, and
`build ISSUE` renders only that issue's email and keeps the others as they were."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter import cache, fingerprint
from newsletter.cache import EmailKeys, read_cache
from newsletter.layout import BUDGET_CACHE
from newsletter.site import build, check, load
from newsletter.writer import read_existing
from tests.conftest import Run, generate_archive
from tests.sample import copy_sample

RunCli = Callable[..., Run]
CLIPPED = "content/issues/062/issue.yaml: warning: the email of issue 62 would be"
SHORTENED = (
    "5 items became a teaser (the summary, else the first paragraph) with a 'Read more' "
    "link to the web page: "
    "articles/korea-regional-laboratory.md, articles/environmental-crime.md, "
    "articles/china-customs-technology.md, articles/thai-customs-talent-management.md, "
    "reports/e-commerce-high-level-seminar.md"
)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The sample newsletter, copied without any cache or output."""
    return copy_sample(tmp_path / "sample")


def budget_warnings(root: Path) -> list[str]:
    return [str(p) for p in check(root).warnings if "bytes as sent, over the" in p.message]


def modules_check_loads(root: Path) -> set[str]:
    """Which heavy modules `check` imports, run in a fresh interpreter."""
    script = (
        "import sys; from pathlib import Path; from newsletter.site import check; "
        f"check(Path({str(root)!r})); "
        "print(' '.join(m for m in ('mjml', 'css_inline', 'jinja2', "
        "'newsletter.render.email.html') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(result.stdout.split())


def test_check_warns_which_issue_would_clip_and_what_was_shortened(
    copy: Path, run_cli: RunCli
) -> None:
    warnings = budget_warnings(copy)
    assert len(warnings) == 1
    assert warnings[0].startswith(CLIPPED)
    assert SHORTENED in warnings[0]
    result = run_cli("check", "--root", str(copy))
    assert result.code == 0  # a warning: the email is built, shortened
    assert SHORTENED in result.out


def test_check_reads_what_build_recorded_and_renders_nothing(copy: Path) -> None:
    build(copy)
    cached = read_cache(copy)
    assert cached[62][1].shortened[0] == "korea-regional-laboratory"
    assert not cached[61][1].clipped
    assert modules_check_loads(copy) == set()
    assert budget_warnings(copy)[0].startswith(CLIPPED)


def test_check_renders_nothing_after_a_build_whose_workers_rendered_the_emails(
    tmp_path: Path,
) -> None:
    """Past a dozen issues the emails are rendered, and their keys worked out, in
    worker processes: `check` finds every one under the key it computes itself."""
    root = tmp_path / "archive"
    generate_archive(root, 16)
    build(root)
    assert sorted(read_cache(root)) == list(range(1, 17))
    assert modules_check_loads(root) == set()


def test_a_changed_article_makes_check_render_that_email_again(copy: Path) -> None:
    build(copy)
    before = read_cache(copy)
    article = copy / "content/issues/062/articles/thai-customs-talent-management.md"
    article.write_text(article.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    (copy / "content/issues/062/reports/mercator-advisor-seminar.md").unlink()
    assert "newsletter.render.email.html" in modules_check_loads(copy)
    after = read_cache(copy)
    assert after[61] == before[61]
    assert after[62][0] != before[62][0]
    assert after[62][1].full < before[62][1].full  # a report fewer
    assert modules_check_loads(copy) == set()  # recorded again


def test_a_broken_cache_is_only_slower(copy: Path) -> None:
    (copy / BUDGET_CACHE).parent.mkdir()
    (copy / BUDGET_CACHE).write_bytes(b"\xff\x00 not a cache")
    assert budget_warnings(copy)[0].startswith(CLIPPED)
    (copy / BUDGET_CACHE).write_text("newsletter email budget 1\n62 0 1 2 x\nnonsense\n")
    assert budget_warnings(copy)[0].startswith(CLIPPED)  # the key does not match


def test_the_key_covers_templates_settings_and_images(copy: Path) -> None:
    newsletter, _ = load(copy)
    issue = newsletter.issue(61)
    assert issue is not None
    first = EmailKeys(copy).key(issue)
    assert EmailKeys(copy).key(issue) == first
    override = copy / "templates/email/style.css"
    override.parent.mkdir(parents=True)
    override.write_text("a { color: red; }")
    second = EmailKeys(copy).key(issue)
    assert second != first
    settings = copy / "content/newsletter.yaml"
    settings.write_text(settings.read_text("utf-8") + "\n", "utf-8")
    third = EmailKeys(copy).key(issue)
    assert third != second
    image = copy / "content/issues/061/images/busan-workshop.png"
    data = bytearray(image.read_bytes())
    data[16:20] = (300).to_bytes(4, "big")  # the PNG header's width
    image.write_bytes(bytes(data))
    assert EmailKeys(copy).key(issue) != third


def test_the_key_follows_the_issue_as_read_not_its_files_bytes(copy: Path) -> None:
    def key() -> str:
        newsletter, _ = load(copy)
        issue = newsletter.issue(61)
        assert issue is not None
        return EmailKeys(copy).key(issue)

    first = key()
    meta = copy / "content/issues/061/issue.yaml"
    meta.write_text("# the same issue, with a comment\n" + meta.read_text("utf-8"), "utf-8")
    assert key() == first  # the same email: measured once
    article = next((copy / "content/issues/061/articles").glob("*.md"))
    article.write_text(article.read_text("utf-8") + "\nOne sentence more.\n", "utf-8")
    assert key() != first


def test_build_of_one_issue_keeps_the_other_emails(copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(copy, out)
    names = [f"issues/{n}/email.{x}" for n in ("061", "062") for x in ("html", "txt", "eml")]
    before = read_existing(out, names)
    assert len(before) == 6
    for number in ("061", "062"):  # a change to both issues' emails
        foreword = copy / f"content/issues/{number}/foreword.md"
        foreword.write_text(foreword.read_text("utf-8") + "\nA new last line.\n", "utf-8")
    result = build(copy, out, (62,))
    after = read_existing(out, names)
    for name in names:
        if "/061/" in name:
            assert after[name] == before[name], name  # kept as it was sent
        else:
            assert after[name] != before[name], name
    assert b"A new last line." in after["issues/062/email.html"]
    assert b"A new last line." in (out / "issues/061/index.html").read_bytes()  # the web page
    assert result.write.removed == 0
    assert [str(p) for p in result.problems.warnings if "issue 61" in p.message] == []


def test_build_of_one_issue_renders_the_others_when_their_emails_are_missing(
    copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fresh"
    build(copy, out, (61,))
    for number in ("061", "062"):
        assert (out / f"issues/{number}/email.eml").is_file()


def test_changing_any_module_changes_the_key(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key covers the installed package as a whole, not a list of module names that
    # would go stale when a module moves: each module is changed in turn in a copy.
    package = tmp_path / "package"
    shutil.copytree(
        Path(cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(fingerprint, "PACKAGE", package)  # the program's, in the key
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 40 and package / "render/email/html.py" in modules
    first = EmailKeys(copy).shared
    keys = {first}
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n# changed\n")
        keys.add(EmailKeys(copy).shared)
        module.write_bytes(original)
    assert len(keys) == len(modules) + 1
    assert EmailKeys(copy).shared == first  # every module back as it was


def test_check_measures_an_edited_email_with_the_templates_build_compiled(copy: Path) -> None:
    """An edit makes `check` render that email again; the templates come compiled from
    the cache `build` filled, not compiled again."""
    build(copy)
    article = sorted((copy / "content" / "issues" / "061" / "articles").glob("*.md"))[0]
    article.write_text(article.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    script = (
        "import sys, jinja2; from pathlib import Path; from newsletter.site import check; "
        "compiled = []; original = jinja2.Environment.compile\n"
        "def compile(self, source, name=None, *args, **kwargs):\n"
        "    compiled.append(name); return original(self, source, name, *args, **kwargs)\n"
        "jinja2.Environment.compile = compile\n"
        f"problems = check(Path({str(copy)!r}))\n"
        "print(len(problems.items), 'rendered' if 'mjml' in sys.modules else 'not rendered', "
        "*compiled)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split()[1:] == ["rendered"]  # the email, and nothing compiled
