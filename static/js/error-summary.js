/* Moves focus to a form's error summary when the page shows one, so keyboard and screen-reader
   users start at the list of problems, each linking to its field (as GOV.UK pages do). */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
}());
