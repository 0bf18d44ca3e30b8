/* Forms (regforms): the server checks every field at once and lists all the problems in an
   error summary at the top of long forms; this script only moves the focus there, so a
   screen reader reads it first, and turns off the browser's own one-field-at-a-time checks. */
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector(".field")) { form.noValidate = true; }
  });
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      if (typeof target.focus === "function") { target.focus(); }
    });
  });
})();
