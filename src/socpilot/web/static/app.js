// Progressive enhancement only: every page works without this file.
// Forms that change state carry the session's CSRF token as a header when sent by fetch.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  window.socpilotCsrf = meta ? meta.getAttribute("content") : "";
})();
