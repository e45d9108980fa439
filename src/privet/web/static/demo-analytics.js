// Demo stand-in for an analytics tag (the demo shop holds it back until "analytics" is
// granted): counts its runs, sets Google-Analytics-like cookies and says it is on.
(function () {
  "use strict";
  window.demoAnalyticsRuns = (window.demoAnalyticsRuns || 0) + 1;
  var year = 365 * 24 * 3600;
  var now = Math.floor(Date.now() / 1000);
  function random() { return String(Math.floor(Math.random() * 1e9)); }
  document.cookie = "_ga=GA1.1." + random() + "." + now + "; path=/; max-age=" + year +
    "; SameSite=Lax";
  document.cookie = "_ga_DEMO=GS1.1." + random() + "." + now + "; path=/; max-age=" + year +
    "; SameSite=Lax";
  function show() {
    var status = document.getElementById("analytics-status");
    if (status) status.textContent = "Analytics: on";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
