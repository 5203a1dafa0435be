/* A verification batch's progress bar asks the server how the job is going every second or
   two. Without JavaScript the page refreshes itself (a <noscript> meta refresh). */
(function () {
  "use strict";
  var panel = document.getElementById("verify-progress");
  if (!panel || !window.fetch || panel.getAttribute("data-finished") === "true") { return; }
  var url = panel.getAttribute("data-progress-url");
  var bar = document.getElementById("verify-progress-bar");
  var status = panel.querySelector("[data-job-status]");
  var count = panel.querySelector("[data-job-count]");
  var unavailable = panel.querySelector("[data-job-unavailable]");
  var error = panel.querySelector("[data-job-error]");
  var poll = function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        bar.max = data.total;
        bar.value = data.stored;
        bar.textContent = data.percent + "%";
        status.textContent = data.status_text;
        count.textContent = data.stored + " of " + data.total;
        unavailable.hidden = !data.lrs_unavailable;
        error.textContent = data.last_error;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  };
  window.setTimeout(poll, 1000);
})();
