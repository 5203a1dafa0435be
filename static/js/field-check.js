/* Checks a field as the user leaves it, by asking the server to run the same rules the form
   runs on submit (no rules live here). Without JavaScript the form is checked on submit only. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-field-check]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-field-check");

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
  }

  function check(event) {
    var input = event.target;
    if (!input.name || input.name === "csrfmiddlewaretoken" || input.type === "checkbox") { return; }
    var data = new FormData(form);
    data.append("field", input.name);
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (result && result.field === input.name) { show(input, result.errors || []); }
    }).catch(function () { /* the server checks again on submit */ });
  }

  // "change" fires when the user leaves a field whose value they changed.
  form.addEventListener("change", check);
}());
