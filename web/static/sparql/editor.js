// The SPARQL query page without YASGUI (its bundle failed to load): a small highlighting editor, the example gallery,
// and a results table with labels. yasgui-setup.js takes the page over when window.Yasgui exists.
(function () {
  "use strict";
  var page = document.getElementById("sparql-page");
  if (!page || window.Yasgui) return;
  var endpoint = page.dataset.endpoint, labelsUrl = page.dataset.labels;
  var prefixes = JSON.parse(page.dataset.prefixes || "{}");
  var area = document.getElementById("sparql-query");
  var code = document.getElementById("sparql-highlight");
  var form = document.getElementById("sparql-form");
  var statusBox = document.getElementById("sparql-status");
  var results = document.getElementById("sparql-results");

  // ------------------------------------------------------------------ highlighting
  var KEYWORDS = ("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED FROM NAMED WHERE ORDER BY ASC DESC " +
    "LIMIT OFFSET VALUES OPTIONAL GRAPH UNION MINUS FILTER BIND AS GROUP HAVING EXISTS NOT IN SERVICE SILENT UNDEF " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS " +
    "CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR " +
    "MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG " +
    "STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE a true false").split(" ");
  var KW = {};
  KEYWORDS.forEach(function (k) { KW[k.toUpperCase()] = true; });
  var TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\w\u00B7-\uFFFF]+)|(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)|((?:[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:[\w.\-:%\u00B7-\uFFFF]*)|([A-Za-z_][\w]*)|(\d[\d.eE+\-]*)/g;
  var CLASSES = [null, "c", "s", "i", "v", "l", "p", "k", "n"];
  function esc(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function highlight() {
    var text = area.value, out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += esc(text.slice(last, m.index));
      var group = 1;
      while (group < CLASSES.length && m[group] === undefined) group++;
      var cls = CLASSES[group];
      if (cls === "k" && !KW[m[0].toUpperCase()]) cls = null;
      out += cls ? '<span class="t-' + cls + '">' + esc(m[0]) + "</span>" : esc(m[0]);
      last = TOKEN.lastIndex;
    }
    code.innerHTML = out + esc(text.slice(last)) + "\n";
    syncScroll();
  }
  function syncScroll() {
    code.parentNode.scrollTop = area.scrollTop;
    code.parentNode.scrollLeft = area.scrollLeft;
  }
  area.addEventListener("input", highlight);
  area.addEventListener("scroll", syncScroll);
  area.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
    if (e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      var s = area.selectionStart;
      area.value = area.value.slice(0, s) + "  " + area.value.slice(area.selectionEnd);
      area.selectionStart = area.selectionEnd = s + 2;
      highlight();
    }
  });

  // ------------------------------------------------------------------ running
  function shorten(iri) {
    for (var p in prefixes) {
      if (iri.indexOf(prefixes[p]) === 0 && /^[\w.\-]*$/.test(iri.slice(prefixes[p].length))) {
        return p + ":" + iri.slice(prefixes[p].length);
      }
    }
    return "<" + iri + ">";
  }
  function setStatus(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "sparql-status" + (kind ? " " + kind : "");
  }
  function cell(term, labels) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = term.value;
      a.textContent = shorten(term.value);
      a.className = "iri";
      td.appendChild(a);
      var label = labels[term.value];
      if (label) {
        var span = document.createElement("span");
        span.className = "label" + (label.fallback ? " fallback" : "");
        span.textContent = label.label;
        if (label.lang) { span.lang = label.lang; }
        if (label.fallback) { span.title = "label in " + (label.lang || "no language") + " (fallback)"; }
        td.appendChild(span);
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "bnode";
    } else {
      td.textContent = term.value;
      var note = term["xml:lang"] ? "@" + term["xml:lang"] :
        (term.datatype && !/#string$/.test(term.datatype) ? shorten(term.datatype) : "");
      if (note) {
        var small = document.createElement("small");
        small.textContent = " " + note;
        td.appendChild(small);
      }
    }
    return td;
  }
  function table(data, labels) {
    var vars = data.head.vars || [], rows = data.results.bindings;
    var t = document.createElement("table");
    var thead = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = "?" + v;
      thead.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(row[v], labels)); });
    });
    return t;
  }
  function fetchLabels(data) {
    var iris = {};
    (data.results.bindings || []).forEach(function (row) {
      for (var v in row) { if (row[v].type === "uri") iris[row[v].value] = true; }
    });
    var list = Object.keys(iris).slice(0, 500);
    if (!list.length) return Promise.resolve({});
    return fetch(labelsUrl, {method: "POST", headers: {"Content-Type": "application/json"},
                             body: JSON.stringify({iris: list})})
      .then(function (r) { return r.ok ? r.json() : {labels: {}}; })
      .then(function (j) { return j.labels || {}; })
      .catch(function () { return {}; });
  }
  function run() {
    var started = performance.now();
    setStatus("Running…", "busy");
    results.textContent = "";
    var body = new URLSearchParams();
    body.set("query", area.value);
    fetch(endpoint, {method: "POST", body: body,
                     headers: {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}})
      .then(function (r) {
        var truncated = r.headers.get("X-CPKB-Truncated") === "true";
        var type = (r.headers.get("Content-Type") || "").split(";")[0];
        return r.text().then(function (text) {
          var ms = Math.round(performance.now() - started);
          if (!r.ok) { setStatus("Error " + r.status + ": " + text, "error"); return; }
          if (type === "application/sparql-results+json") {
            var data = JSON.parse(text);
            if (data.boolean !== undefined) { setStatus("ASK: " + data.boolean + " (" + ms + " ms)"); return; }
            var n = data.results.bindings.length;
            setStatus(n + " rows, " + ms + " ms" + (truncated ? " — TRUNCATED at the row limit: add LIMIT/OFFSET or narrow the query" : ""),
                      truncated ? "warn" : "");
            return fetchLabels(data).then(function (labels) { results.appendChild(table(data, labels)); });
          }
          setStatus((truncated ? "TRUNCATED — " : "") + type + ", " + ms + " ms", truncated ? "warn" : "");
          var pre = document.createElement("pre");
          pre.textContent = text;
          results.appendChild(pre);
        });
      })
      .catch(function (e) { setStatus("The request failed: " + e, "error"); });
  }
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (submitter && submitter.classList.contains("dl")) return;  // downloads go through the form
    e.preventDefault();
    run();
  });

  // ------------------------------------------------------------------ gallery
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (a) {
    a.addEventListener("click", function (e) {
      var source = document.getElementById("example-" + a.dataset.example);
      if (!source) return;
      e.preventDefault();
      area.value = source.value;
      highlight();
      run();
    });
  });

  highlight();
  if (page.dataset.runNow === "true") run();
})();
