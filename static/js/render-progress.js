/* Polls a rendering batch's progress and updates the page; without JavaScript, the page offers a
   refresh link instead. */
(function () {
  "use strict";
  var panel = document.getElementById("job-progress");
  if (!panel || panel.dataset.finished === "true") { return; }
  var url = panel.dataset.progressUrl;
  var statusEl = panel.querySelector("[data-job-status]");
  var countEl = panel.querySelector("[data-job-count]");
  var bar = panel.querySelector("[data-job-bar]");
  var errorEl = panel.querySelector("[data-job-error]");
  var stalledEl = panel.querySelector("[data-job-stalled]");
  var refresh = panel.querySelector("[data-job-refresh]");
  var delay = 1500;

  function update(job) {
    statusEl.textContent = job.status_label;
    statusEl.className = "tag tag-job-" + job.status;
    countEl.textContent = job.rendered + " of " + job.total;
    bar.value = job.rendered;
    bar.max = job.total;
    bar.textContent = job.percent + "%";
    stalledEl.textContent = job.stalled || "";
    stalledEl.hidden = !job.stalled;
    if (job.error) { errorEl.textContent = job.error; errorEl.hidden = false; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          // Signed out (the login page came back): stop polling and offer the refresh link.
          if (refresh) { refresh.hidden = false; }
          return null;
        }
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (job) {
        if (job === null) { return; }
        update(job);
        if (job.finished) { window.location.reload(); return; }
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }
  if (refresh) { refresh.hidden = true; }
  window.setTimeout(poll, delay);
})();
