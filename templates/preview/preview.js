// The preview's own script: injected into every page `newsletter serve` sends, never
// into the built files. It reloads the page when a build finishes, and shows a small
// badge with links to the preview's pages (the email editions).
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : null;
  if (window.top !== window) {
    // Inside the email preview's frame: the outer page reloads and shows problems.
    var problems = document.getElementById("newsletter-preview-problems");
    if (problems) { problems.remove(); }
    return;
  }

  function badge() {
    var box = document.createElement("div");
    box.id = "newsletter-preview-badge";
    box.setAttribute("style", "position:fixed;right:8px;bottom:8px;z-index:2147483647;" +
      "font:12px/1.4 system-ui,sans-serif;background:#1d2b36;color:#fff;padding:4px 8px;" +
      "border-radius:4px;opacity:.85");
    var home = document.createElement("a");
    home.href = "/__newsletter__/";
    home.textContent = "Preview";
    home.setAttribute("style", "color:#fff");
    box.appendChild(home);
    var issue = location.pathname.match(/^\/issues\/(\d+)\//);
    if (issue) {
      box.appendChild(document.createTextNode(" · "));
      var email = document.createElement("a");
      email.href = "/__newsletter__/email/" + issue[1] + "/";
      email.textContent = "this issue's email";
      email.setAttribute("style", "color:#fff");
      box.appendChild(email);
    }
    document.body.appendChild(box);
  }

  if (document.body && !location.pathname.startsWith("/__newsletter__/")) { badge(); }
  if (!window.EventSource || version === null) { return; }
  var events = new EventSource("/__newsletter__/events");
  events.onmessage = function (message) {
    if (message.data !== version) {
      events.close();
      location.reload();
    }
  };
})();
