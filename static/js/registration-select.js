/* The Registrations list: a "select every row on this page" box and a count of the rows
   selected. Without JavaScript each row's box and the three export buttons still work. */
(function () {
  "use strict";
  var table = document.getElementById("registrations-table");
  var all = document.getElementById("select-page");
  var count = document.getElementById("selection-count");
  if (!table || !all) { return; }
  var boxes = Array.prototype.slice.call(table.querySelectorAll("tbody input[name=selected]"));
  all.hidden = false;
  var update = function () {
    var selected = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = selected > 0 && selected === boxes.length;
    all.indeterminate = selected > 0 && selected < boxes.length;
    if (count) {
      count.hidden = selected === 0;
      count.textContent = selected + " registration" + (selected === 1 ? "" : "s") + " selected.";
    }
  };
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    update();
  });
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
