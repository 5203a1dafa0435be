/* Warns a signed-in user before the 30-minute idle timeout and lets them stay signed in (WCAG 2.2.1). */
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-session-seconds"), 10);
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  var signInUrl = body.getAttribute("data-sign-in-url");
  var csrfToken = body.getAttribute("data-csrf-token");
  if (!seconds || !keepAliveUrl || typeof HTMLDialogElement === "undefined") { return; }
  var warnAheadMs = Math.min(5 * 60 * 1000, seconds * 500);
  var warnTimer, endTimer;
  var dialog = document.createElement("dialog");
  dialog.className = "session-warning";
  dialog.setAttribute("aria-labelledby", "session-warning-title");
  dialog.setAttribute("aria-describedby", "session-warning-text");
  dialog.innerHTML =
    '<h2 id="session-warning-title">You will be signed out soon</h2>' +
    '<p id="session-warning-text">To protect learners\u2019 data, we sign you out after 30 minutes without activity. ' +
    'You will be signed out in 5 minutes. Anything you have not saved will be lost.</p>' +
    '<button type="button" class="button">Stay signed in</button>';
  body.appendChild(dialog);
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warnTimer = setTimeout(function () { dialog.showModal(); }, seconds * 1000 - warnAheadMs);
    endTimer = setTimeout(function () { window.location.href = signInUrl + "?timeout=1"; }, seconds * 1000);
  }
  dialog.querySelector("button").addEventListener("click", function () {
    fetch(keepAliveUrl, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" } })
      .then(function (response) {
        if (response.ok) { dialog.close(); schedule(); }
        else { window.location.href = signInUrl + "?timeout=1"; }
      });
  });
  schedule();
})();
