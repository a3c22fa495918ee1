// welfare-match review page: small enhancements; every page works without them.
(function () {
  "use strict";

  // Comune: fill the datalist from the public /v1/comuni autocomplete while typing.
  function setupComuneAutocomplete(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-autocomplete");
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(url + "?limit=10&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (input.value.trim() !== q) { return; }
            list.textContent = "";
            items.forEach(function (c) {
              var opt = document.createElement("option");
              opt.value = c.label;
              list.appendChild(opt);
            });
          })
          .catch(function () { /* the server-side list stays */ });
      }, 200);
    });
  }

  // Household: "+ Aggiungi persona" clones the row template with the next free index.
  function setupHousehold(button) {
    var people = document.querySelector("[data-people]");
    var template = document.getElementById("person-template");
    if (!people || !template) { return; }
    var max = parseInt(people.getAttribute("data-max"), 10) || 30;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = people.querySelectorAll("[data-person]");
      if (rows.length >= max) { button.disabled = true; return; }
      var next = 0;
      people.querySelectorAll("[id^='household-'][id$='-relation']").forEach(function (el) {
        var n = parseInt(el.id.split("-")[1], 10);
        if (n >= next) { next = n + 1; }
      });
      var html = template.innerHTML.replace(/__i__/g, String(next));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.querySelector("[data-person]");
      row.querySelector("legend").textContent = "Persona " + (rows.length + 1);
      people.appendChild(row);
      row.querySelector("select").focus();
      if (rows.length + 1 >= max) { button.disabled = true; }
    });
  }

  function setupPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  // A form sent twice by a double click carries the same event id (stored once), but the
  // second click is not needed: disable the buttons once it is on its way.
  function setupSubmitOnce(form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type='submit']").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  }

  // Back to a page kept in the browser's cache: its buttons must work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.feedback button, form.intake-form button[type='submit']").forEach(function (b) { b.disabled = false; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-autocomplete]").forEach(setupComuneAutocomplete);
    document.querySelectorAll("[data-add-person]").forEach(setupHousehold);
    document.querySelectorAll("[data-print]").forEach(setupPrint);
    document.querySelectorAll("form.feedback, form.intake-form").forEach(setupSubmitOnce);
    var summary = document.getElementById("riepilogo-errori");
    if (summary) { summary.focus(); }
  });
})();
