// A form's submit button marked data-disable-on-submit is disabled once the form is sent, so a
// double click sends it once (the server also joins duplicate uploads into one job).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
    return;
  }
  for (const button of form.querySelectorAll("[data-disable-on-submit]")) {
    // Disabled after this event, so the clicked button's name/value is still sent.
    setTimeout(() => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }, 0);
  }
});
