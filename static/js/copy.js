// Copy buttons: data-copy names the id of the field whose text is copied. Loaded as a file:
// the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status]");
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say("Link copied."); },
        function () { say("Could not copy: select the link and copy it yourself."); }
      );
    } else {
      say(document.execCommand("copy") ? "Link copied." : "Select the link and copy it yourself.");
    }
  });
})();
