/* Checks a field as the user leaves it, by asking the server to run the same rules the form
   runs on submit (no rules live here). Without JavaScript the form is checked on submit only. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-field-check]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-field-check");
  var latest = {};  // field name -> number of its newest request; older answers are dropped

  // One polite live region, present from the start, announces what a check found.
  var announcer = document.createElement("div");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  form.appendChild(announcer);

  function labelOf(input) {
    var label = form.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.trim() : input.name;
  }

  // A field that is now right leaves the error summary; an empty summary goes away.
  function updateSummary(input, messages) {
    var summary = document.querySelector(".error-summary");
    if (!summary || messages.length) { return; }
    var links = summary.querySelectorAll('a[href="#' + input.id + '"]');
    Array.prototype.forEach.call(links, function (link) {
      var item = link.closest("li");
      if (item) { item.parentNode.removeChild(item); }
    });
    if (!summary.querySelector("li")) { summary.parentNode.removeChild(summary); }
  }

  function wrapperOf(input) { return input.closest(".field"); }

  function describedBy(input, errorId, add) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids = ids.filter(function (id) { return id !== errorId; });
    if (add) { ids.push(errorId); }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); }
    else { input.removeAttribute("aria-describedby"); }
  }

  function show(input, messages) {
    var wrapper = wrapperOf(input);
    if (!wrapper) { return; }
    var errorId = input.id + "_error";
    var existing = document.getElementById(errorId);
    if (existing) { existing.parentNode.removeChild(existing); }
    if (messages.length) {
      var p = document.createElement("p");
      p.className = "error-message";
      p.id = errorId;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "Error: ";
      p.appendChild(hidden);
      p.appendChild(document.createTextNode(messages.join(" ")));
      wrapper.insertBefore(p, input);
      wrapper.classList.add("field-error");
      input.setAttribute("aria-invalid", "true");
    } else {
      wrapper.classList.remove("field-error");
      input.removeAttribute("aria-invalid");
    }
    describedBy(input, errorId, messages.length > 0);
    updateSummary(input, messages);
    announcer.textContent = messages.length ? labelOf(input) + ": " + messages.join(" ") : "";
  }

  function check(event) {
    var input = event.target;
    if (!input.name || input.name === "csrfmiddlewaretoken" || input.type === "checkbox") { return; }
    var data = new FormData(form);
    data.append("field", input.name);
    var number = (latest[input.name] || 0) + 1;
    latest[input.name] = number;
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (result && result.field === input.name && latest[input.name] === number) {
        show(input, result.errors || []);
      }
    }).catch(function () { /* the server checks again on submit */ });
  }

  // "change" fires when the user leaves a field whose value they changed.
  form.addEventListener("change", check);
}());
