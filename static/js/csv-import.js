/* The CSV import pages: drag and drop onto the real file input, and a progress bar that asks
   the server how a background job is going. Without JavaScript the file input works as it is
   and the report page refreshes itself (a <noscript> meta refresh). */
(function () {
  "use strict";

  var zone = document.querySelector("[data-drop-zone]");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    var text = zone.querySelector(".drop-zone-text");
    var chosen = zone.querySelector(".drop-zone-file");
    if (text) { text.hidden = false; }
    var showName = function () {
      if (chosen) { chosen.textContent = input.files.length ? "Chosen: " + input.files[0].name : ""; }
    };
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName();
      }
    });
  }

  var panel = document.querySelector("[data-progress-url]");
  if (panel && window.fetch) {
    var url = panel.getAttribute("data-progress-url");
    var bar = document.getElementById("job-progress");
    var label = document.getElementById("job-progress-text");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!data.working) { window.location.reload(); return; }
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          label.textContent = data.percent + "% done (" + data.done + " of " + data.total +
            " rows). You can leave this page and come back later.";
          window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }
})();
