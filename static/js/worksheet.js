// Worksheet section pages: add and remove formset rows in place, and warn before leaving
// with unsaved changes. Plain JavaScript; no framework.
(function () {
  "use strict";

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-add-row");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.querySelector('template[data-empty-form="' + prefix + '"]');
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var container = document.querySelector('[data-formset="' + prefix + '"]');
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = container.lastElementChild;
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  });

  // A row added in the browser and removed again is marked for deletion and hidden: the
  // formset skips deleted rows (whatever their fields hold), and the indexes stay contiguous.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("[data-row]");
    row.querySelector("[data-delete]").value = "on";
    row.hidden = true;
  });

  var form = document.querySelector("form[data-unsaved-warning]");
  if (!form) return;
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
