// CPKB browser enhancements. Every page works without this script; it adds autocomplete on search boxes,
// instant filtering of the measure catalogue and a confirmation that a file was chosen for diagnosis.
(function () {
  "use strict";

  function debounce(fn, ms) {
    let timer = null;
    return function () { const args = arguments; clearTimeout(timer); timer = setTimeout(() => fn.apply(null, args), ms); };
  }

  function attachSuggest(input) {
    const url = input.getAttribute("data-suggest");
    const form = input.form;
    const list = document.createElement("ul");
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.appendChild(list);
    let items = [], active = -1, lastQuery = "";

    function render() {
      list.textContent = "";
      items.forEach(function (item, i) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        if (i === active) li.className = "active";
        const a = document.createElement("a");
        a.href = item.href;
        const name = document.createElement("span");
        name.textContent = item.label.text;            // textContent: labels are never parsed as HTML
        if (item.label.fallback) {
          const fb = document.createElement("span");
          fb.className = "fb";
          fb.textContent = (item.label.lang || "?").toUpperCase();
          name.appendChild(fb);
        }
        const kind = document.createElement("span");
        kind.className = "k";
        kind.textContent = item.kind_label ? item.kind_label.text : "";
        a.appendChild(name); a.appendChild(kind);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    const fetchSuggestions = debounce(function () {
      const q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (!q) { items = []; render(); return; }
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) { items = data.suggestions || []; active = -1; render(); } })
        .catch(function () { items = []; render(); });
    }, 120);

    input.addEventListener("input", fetchSuggestions);
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { active = Math.min(active + 1, items.length - 1); render(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, -1); render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { window.location.href = items[active].href; e.preventDefault(); }
      else if (e.key === "Escape") { items = []; render(); }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { list.hidden = true; } });
  }

  function attachFacets(form) {
    // Without JavaScript the Apply button submits; with it, a change submits at once.
    form.addEventListener("change", function () { form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(attachSuggest);
    const facets = document.getElementById("facets");
    if (facets) attachFacets(facets);
  });
})();

// The report's budget slider: every budget step is already on the page (solved by the engine); the slider only
// shows one of them. Without this script all steps stay listed.
(function () {
  "use strict";
  const input = document.querySelector("[data-budget-steps]");
  if (!input) return;
  const steps = Array.prototype.slice.call(document.querySelectorAll(".budget-step"));
  const output = input.parentNode.querySelector("output");
  function show() {
    const k = parseInt(input.value, 10);
    steps.forEach(function (el, i) { el.hidden = i !== k; });
    output.textContent = steps[k] ? steps[k].getAttribute("data-budget") : "";
  }
  input.parentNode.hidden = false;
  input.addEventListener("input", show);
  show();
})();
