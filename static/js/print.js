// Buttons marked data-print open the browser's print dialog (print or save as PDF). A file,
// not an inline handler: the Content-Security-Policy refuses inline script.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
