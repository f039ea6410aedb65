// Bookings pages. Loaded as a file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  // A patient search that found exactly one person chooses them in the booking form.
  var select = document.getElementById("id_patient");
  if (select && !select.value) {
    var options = Array.prototype.filter.call(select.options, function (option) {
      return option.value !== "";
    });
    if (options.length === 1) {
      select.value = options[0].value;
    }
  }
  // The calendar's day and therapist pickers show the new choice straight away.
  document.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=date]")
    .forEach(function (field) {
      field.addEventListener("change", function () {
        field.form.submit();
      });
    });
})();
