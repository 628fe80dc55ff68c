// Small behaviours shared by every page, wired through data attributes so that no template needs
// inline script (the Content-Security-Policy allows scripts from our own static files only).
//   data-print       on a button: print the page.
//   data-autosubmit  on a select: submit its form when the choice changes.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
