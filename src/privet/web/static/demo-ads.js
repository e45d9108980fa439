// Demo stand-in for an advertising tag (held back until "marketing" is granted): counts
// its runs, sets a Meta-pixel-like cookie and says it is on.
(function () {
  "use strict";
  window.demoAdsRuns = (window.demoAdsRuns || 0) + 1;
  var year = 365 * 24 * 3600;
  document.cookie = "_fbp=fb.1." + Date.now() + "." + Math.floor(Math.random() * 1e10) +
    "; path=/; max-age=" + year + "; SameSite=Lax";
  function show() {
    var status = document.getElementById("ads-status");
    if (status) status.textContent = "Advertising: on";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
