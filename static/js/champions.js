// The session log form: one tap, one session. The server refuses a repeated token anyway;
// this keeps the button from sending it twice and offers quick minutes and the follow-up date.
(function () {
  "use strict";
  document.querySelectorAll("form[data-single-submit]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    });

    var minutes = form.querySelector("input[name=minutes]");
    form.querySelectorAll("[data-minutes]").forEach(function (button) {
      button.addEventListener("click", function () {
        minutes.value = button.dataset.minutes;
      });
    });

    var followUp = form.querySelector("[data-follow-up]");
    var outcomes = form.querySelectorAll("input[name=outcome]");
    function showFollowUp() {
      var chosen = form.querySelector("input[name=outcome]:checked");
      var invalid = followUp.querySelector(".is-invalid");
      var dateInput = followUp.querySelector("input");
      followUp.hidden = !(invalid || (dateInput && dateInput.value) || (chosen && chosen.value !== "resolved"));
    }
    if (followUp && outcomes.length) {
      outcomes.forEach(function (input) {
        input.addEventListener("change", showFollowUp);
      });
      showFollowUp();
    }
  });
})();
