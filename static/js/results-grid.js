// Shows each learner's outcome as grades are chosen. The server works the outcome out again
// when the draft is saved, with the same rules of combination (R-RES-2); this is only a preview.
(function () {
  "use strict";
  var data = document.getElementById("results-rules");
  if (!data) { return; }
  var rules = JSON.parse(data.textContent);
  var mandatory = rules.mandatory, credits = rules.credits, minimum = rules.minimum;
  var counted = mandatory.concat(rules.optional);

  function outcome(row) {
    var claimBox = row.querySelector("[data-not-claiming]");
    if (claimBox && claimBox.checked) { return "Not claiming this time"; }
    var passed = [], graded = 0;
    row.querySelectorAll("select[data-unit]").forEach(function (select) {
      if (!select.value) { return; }
      graded += 1;
      var unit = rules.units[select.getAttribute("data-unit")];
      if (unit && unit.passes.indexOf(Number(select.value)) !== -1) { passed.push(unit.reference); }
    });
    if (!graded) { return "No results yet"; }
    var missing = mandatory.filter(function (ref) { return passed.indexOf(ref) === -1; });
    var total = passed.filter(function (ref) { return counted.indexOf(ref) !== -1; })
      .reduce(function (sum, ref) { return sum + (credits[ref] || 0); }, 0);
    if (!missing.length && total >= minimum) { return "Qualification achieved (grade shown when saved)"; }
    var reasons = [];
    if (missing.length) { reasons.push("Mandatory units not passed: " + missing.join(", ") + "."); }
    if (total < minimum) { reasons.push(total + " credits passed; at least " + minimum + " are needed."); }
    var text = passed.length ? "Not achieved; unit certificates for " + passed.join(", ") : "Not achieved; nothing to certificate";
    return text + " " + reasons.join(" ");
  }

  document.querySelectorAll("tr[data-learner-row]").forEach(function (row) {
    var cell = row.querySelector("[data-outcome]");
    function update() { cell.textContent = outcome(row); }
    row.addEventListener("change", update);
  });
})();
