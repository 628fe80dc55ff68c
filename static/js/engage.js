// The import page's progress bar: poll the progress endpoint while a file is checked or imported,
// move the bar, and reload the page once the import has finished (to show the summary).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-in-progress") !== "true") return;
  var bar = box.querySelector(".progress-bar");
  var holder = box.querySelector(".progress");
  var message = box.querySelector("[data-testid=import-message]");
  function show(data) {
    bar.style.width = data.percent + "%";
    bar.textContent = data.percent + "%";
    holder.setAttribute("aria-valuenow", data.percent);
    message.textContent = data.finished ? data.message : data.text;  // in the reader's language
  }
  function poll() {
    fetch(box.getAttribute("data-progress-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
