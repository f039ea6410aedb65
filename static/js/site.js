// Site behaviour. Loaded as a file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  // Buttons marked data-confirm ask before their form is submitted.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Buttons marked data-print open the browser's print dialogue (printable pages).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
  // A table wider than the screen scrolls sideways in its wrapper: make the wrapper reachable
  // with Tab (and named after its table), so that it can be scrolled with the arrow keys.
  document.querySelectorAll(".table-responsive").forEach(function (wrapper) {
    if (wrapper.scrollWidth <= wrapper.clientWidth || wrapper.hasAttribute("tabindex")) {
      return;
    }
    var table = wrapper.querySelector("table");
    var caption = table && table.caption;
    var name = (table && table.getAttribute("aria-label")) || (caption && caption.textContent.trim());
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-label", name || "Table, scrolls sideways");
  });
  // A form that came back with errors: focus its summary, so that the problems are read out
  // first; each link in it moves focus to its field and brings the field's label into view.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    field.focus();
    var label = document.querySelector("label[for='" + field.id + "']") || field;
    label.scrollIntoView({ block: "center" });
  });
})();
