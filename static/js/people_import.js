// Settings → Import people: while a file is checked or imported, poll its status and move the
// progress bar; reload the page once it has finished, to show the preview or the outcome.
(function () {
  "use strict";
  var box = document.getElementById("people-import-progress");
  if (!box) return;
  var bar = box.querySelector(".progress-bar");
  var holder = box.querySelector(".progress");
  var message = box.querySelector("[data-testid=progress-message]");
  function show(data) {
    bar.style.width = data.percent + "%";
    bar.textContent = data.percent + "%";
    holder.setAttribute("aria-valuenow", data.percent);
    message.textContent = data.message;  // in the reader's language, numbers written its way
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        show(data);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
