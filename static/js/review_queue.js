// Review queue: a "select every row of this page" box over the checkboxes of the bulk close.
// Without JavaScript the box stays hidden and each row is ticked by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const master of document.querySelectorAll("input.select-all[data-select]")) {
    const form = master.closest("form");
    const boxes = () => form.querySelectorAll(`input[type=checkbox][name="${master.dataset.select}"]`);
    master.hidden = false;
    master.addEventListener("change", () => {
      for (const box of boxes()) box.checked = master.checked;
    });
    form.addEventListener("change", (event) => {
      if (event.target === master) return;
      const all = [...boxes()];
      master.checked = all.length > 0 && all.every((box) => box.checked);
      master.indeterminate = !master.checked && all.some((box) => box.checked);
    });
  }
});
