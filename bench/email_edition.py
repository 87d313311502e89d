"""Benchmark the email edition: MJML + CSS inlining per issue, and the whole email stage.

Run from anywhere with the project installed (`./run` 's venv, or any venv)::

    python bench/email_edition.py [--issues 200] [--repeat 20]

(Not `bench/email.py`: run as a script, that name would shadow the standard library's
`email` package, which writes the .eml.)

It prints, for the sample's issues 061 and 062:

- `mjml2html` alone and `css_inline` alone on the issue's final MJML (as the best of
  `--repeat` runs), and their sum against the target of performance.md (<= 20 ms an
  issue; node `mjml` takes 60-100 ms an email);
- the whole email of the issue: templates, MJML, inlining, the renders the size budget
  needs (issue 062 is over it in full), the plain text and the .eml.

Then it generates an archive of `--issues` issues from the sample (bench/build.py's
generator), renders every body's Markdown first (as `build` does, for the web pages
too), and times the email stage of `build` for the whole archive: ms per email.
It reports; it is not a test: it exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import css_inline
import mjml
from markupsafe import Markup

from newsletter.errors import Problems
from newsletter.model import Issue, Newsletter
from newsletter.render.email.edition import edition
from newsletter.render.email.editions import render_emails
from newsletter.render.email.html import TEMPLATE, Bodies, EmailRenderer
from newsletter.render.markdown import render_bodies
from newsletter.render.templates import render_template
from newsletter.site import load

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 20.0


def best_ms(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best and median wall-clock milliseconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def final_mjml(renderer: EmailRenderer, newsletter: Newsletter, issue: Issue) -> str:
    """The MJML of the issue's email as written (with its teasers when over budget)."""
    fitted = renderer.fit(issue)
    e = edition(newsletter, issue)
    bodies = Bodies(e, renderer.html)
    shortened = frozenset(fitted.budget.shortened)
    body = {
        slug: Markup(bodies.teaser[slug] if slug in shortened else html)
        for slug, html in bodies.full.items()
    }
    context = {"e": e, "body": body, "shortened": shortened, "foreword": Markup(bodies.foreword)}
    return render_template(renderer.env, TEMPLATE, context)


def sample_figures(repeat: int) -> None:
    """MJML and inlining per sample issue, and the whole email of each."""
    newsletter, _ = load(REPO_ROOT)
    renderer = EmailRenderer(newsletter, REPO_ROOT)
    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    print(f"Sample issues, best (median) of {repeat} runs, ms")
    header = f"{'issue':<6} {'html bytes':>10} {'mjml2html':>15} {'css-inline':>15}"
    print(f"{header} {'sum':>6} {'target':>7} {'whole email':>15}")
    for issue in newsletter.issues:
        source = final_mjml(renderer, newsletter, issue)
        html = mjml.mjml2html(source, disable_comments=True, fonts={})
        size = len(str(inliner.inline(html)).encode())
        mjml_ms = best_ms(
            lambda s=source: mjml.mjml2html(s, disable_comments=True, fonts={}), repeat
        )
        inline_ms = best_ms(lambda h=html: inliner.inline(h), repeat)
        whole = best_ms(
            lambda i=issue: render_emails(newsletter, REPO_ROOT, [i], Problems()), repeat
        )
        total = mjml_ms[0] + inline_ms[0]
        verdict = "ok" if total <= TARGET_MS else "MISSED"
        print(
            f"{issue.slug:<6} {size:>10,} {_pair(mjml_ms):>15} {_pair(inline_ms):>15} "
            f"{total:>6.1f} {verdict:>7} {_pair(whole):>15}"
        )


def archive_figures(count: int) -> None:
    """The email stage of `build` for a generated archive of `count` issues."""
    generator = _load_generator()
    with tempfile.TemporaryDirectory(prefix="newsletter-bench-email-") as temp:
        root = Path(temp) / "archive"
        print(f"\nGenerating a {count}-issue archive from the sample ...", flush=True)
        generator.generate_archive(REPO_ROOT, root, count)
        newsletter, _ = load(root)
        start = time.perf_counter()
        render_bodies([body for issue in newsletter.issues for body in issue.bodies])
        markdown_s = time.perf_counter() - start
        problems = Problems()
        start = time.perf_counter()
        emails = render_emails(newsletter, root, newsletter.issues, problems)
        stage_s = time.perf_counter() - start
        over = sum(1 for budget in emails.budgets.values() if budget.clipped)
        per_email = stage_s * 1000 / len(newsletter.issues)
        print(f"Markdown of every body (once, shared with the web pages): {markdown_s:.2f} s")
        print(
            f"Email stage, {len(newsletter.issues)} issues ({over} over the budget in full, "
            f"shortened): {stage_s:.2f} s = {per_email:.1f} ms per email "
            f"(html + text + eml; target for MJML + inlining: <= {TARGET_MS:.0f} ms)"
        )
        sizes = [len(data) for name, data in emails.files.items() if name.endswith(".html")]
        print(f"email.html sizes: {min(sizes):,} to {max(sizes):,} bytes")


def _pair(figures: tuple[float, float]) -> str:
    return f"{figures[0]:.1f} ({figures[1]:.1f})"


def _load_generator() -> Any:
    """bench/build.py, for its archive generator (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bench_build", Path(__file__).with_name("build.py")
    )
    if spec is None or spec.loader is None:
        raise SystemExit("bench/build.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_build"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 whatever they are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--issues", type=int, default=200, help="archive size (default 200)")
    parser.add_argument("--repeat", type=int, default=20, help="runs per figure (default 20)")
    args = parser.parse_args(argv)
    sample_figures(max(1, args.repeat))
    archive_figures(max(1, args.issues))
    return 0


if __name__ == "__main__":
    sys.exit(main())
