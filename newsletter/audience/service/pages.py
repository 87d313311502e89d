"""The service's pages: Jinja templates in templates/service/ (a newsletter's own
templates/service/ first, as for every template), escaped, rendered into responses
that set no cookie and are never cached (a page may show an address)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse, Response

from newsletter.model import Settings
from newsletter.render.templates import environment, render_template

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the page's URL holds a token
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}

# Status code: (heading, message) of the pages that answer a request that cannot be
# served.
PROBLEMS = {
    400: (
        "This link does not work",
        "The link is incomplete, changed or no longer valid. "
        "Copy the whole link from the email, or subscribe again.",
    ),
    404: ("Not found", "There is no such page here."),
    405: ("Not allowed", "This page cannot be asked for that way."),
    413: ("Too large", "The form sent more than this service accepts."),
    429: (
        "Too many requests",
        "Too many subscriptions came from your address: try again in a minute.",
    ),
    500: ("Something went wrong", "The service could not do this now: try again later."),
}


class Pages:
    """The templates of the newsletter at `root`, with what every page shows."""

    def __init__(self, root: Path, settings: Settings, service: str) -> None:
        self.env = environment(root, reload=True)  # an edited template shows at once
        self.settings = settings
        self.service = service  # the service's URL, ending in "/"

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        """The page of `service/TEMPLATE.html`."""
        html = self._render(f"service/{template}.html", context)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    def problem(self, status: int, heading: str | None = None, **context: Any) -> Response:
        """The page that answers a request with `status`."""
        default_heading, message = PROBLEMS.get(status, PROBLEMS[500])
        return self.page(
            "problem", status, heading=heading or default_heading, message=message, **context
        )

    def text(self, template: str, **context: Any) -> str:
        """A plain-text template (the confirmation email)."""
        return self._render(template, context)

    def stylesheet(self) -> Response:
        """The site's stylesheet (templates/web/style.css), for the newsletter's look."""
        css = render_template(self.env, "web/style.css", {})
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    def _render(self, name: str, context: dict[str, Any]) -> str:
        values = {"settings": self.settings, "service": self.service, **context}
        return render_template(self.env, name, values)
