/* Search picker (regforms): the text field of clac.forms.SearchPickerInput offers, as the user
   types, the matches of its JSON endpoint, as an ARIA combobox with a listbox (arrows, Enter,
   Escape, mouse). Choosing one fills the hidden id; typing again clears it. Without this script
   the form still works: the server reads the text and offers radio buttons when it matches
   several rows. No inline code, no third-party library. */
(function () {
  "use strict";
  var MIN_LENGTH = 2;
  var DELAY_MS = 200;
  var counter = 0;

  function setup(input) {
    var source = input.getAttribute("data-picker-source");
    var form = input.form;
    if (!source || !form) { return; }
    var pickName = input.getAttribute("data-picker-pick");
    var hidden = form.querySelector('input[type="hidden"][name="' + pickName + '"]');
    var listId = (input.id || "picker" + (++counter)) + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.appendChild(list);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var active = -1;
    var results = [];
    var lastQuery = "";
    var request = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var row = results[index];
      if (!row) { return; }
      input.value = row.label;
      if (hidden) { hidden.value = String(row.id); }
      // A candidate ticked earlier (page sent without the script) must not override this choice.
      form.querySelectorAll('input[type="radio"][name="' + pickName + '"]').forEach(function (radio) {
        radio.checked = false;
      });
      lastQuery = row.label;
      close();
    }

    function show(rows) {
      results = rows;
      list.textContent = "";
      rows.forEach(function (row, i) {
        var item = document.createElement("li");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = row.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(item);
      });
      list.hidden = rows.length === 0;
      input.setAttribute("aria-expanded", rows.length ? "true" : "false");
      status.textContent = rows.length
        ? (input.getAttribute("data-picker-found") || "%(count)s").replace("%(count)s", String(rows.length))
        : input.getAttribute("data-picker-none") || "";
      active = -1;
    }

    function fetchRows(query) {
      var mine = ++request;
      var url = source + (source.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (mine === request) { show(data.results || []); } })
        .catch(function () { if (mine === request) { close(); } });
    }

    input.addEventListener("input", function () {
      if (hidden) { hidden.value = ""; }
      var query = input.value.trim();
      clearTimeout(timer);
      if (query.length < MIN_LENGTH && !/^\d+$/.test(query)) { close(); return; }
      if (query === lastQuery) { return; }
      timer = setTimeout(function () { lastQuery = query; fetchRows(query); }, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-picker-input]").forEach(setup);
})();
