// Privacy center, optional progressive enhancement: every page works without this file.
// - an error summary takes the focus, so that the problems are read first;
// - while a request is being carried out, its progress is refreshed in place (the
//   region is aria-live) until it completes, instead of the person reloading the page.
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  var region = document.getElementById("progress");
  if (!region || !window.fetch || !window.DOMParser) {
    return;
  }
  var delay = 1500;
  var rounds = 0;

  function poll() {
    if (region.getAttribute("data-poll") !== "true" || rounds > 400) {
      return;
    }
    rounds += 1;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("progress");
        if (!fresh) {
          return;
        }
        if (fresh.innerHTML !== region.innerHTML) {
          region.innerHTML = fresh.innerHTML;
        }
        region.setAttribute("data-poll", fresh.getAttribute("data-poll") || "false");
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 4); });
  }

  window.setTimeout(poll, delay);
})();
