// Online booking. Loaded as a file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  // A second tap on "Book" while the first is on its way sends nothing more (the server
  // also treats a repeat as the same booking).
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "yes";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
  });
})();
