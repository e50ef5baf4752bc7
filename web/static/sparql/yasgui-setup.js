// The query page on YASGUI (@zazuko/yasgui, bundled in static/yasgui): tabs, shareable links, autocompletion of the
// knowledge base's prefixes, classes and properties (from /sparql/vocabulary, never from the internet), and the
// table, response and pivot views; the gallery, the labels beside IRIs and the page's language are kept.
// editor.js is the fallback when the bundle did not load.
(function () {
  "use strict";
  var page = document.getElementById("sparql-page");
  var host = document.getElementById("yasgui");
  if (!page || !host || !window.Yasgui) return;
  var Yasgui = window.Yasgui, Yasqe = Yasgui.Yasqe, Yasr = Yasgui.Yasr;
  var zh = page.dataset.lang === "zh";
  function t(zhText, enText) { return zh ? zhText : enText; }
  var endpoint = new URL(page.dataset.endpoint, window.location.href).href;
  var prefixes = JSON.parse(page.dataset.prefixes || "{}");
  var area = document.getElementById("sparql-query");
  var form = document.getElementById("sparql-form");

  // ------------------------------------------------------------------ autocompletion from the knowledge base
  var vocabulary = null;
  function vocab() {
    if (!vocabulary) {
      vocabulary = fetch(page.dataset.vocabulary)
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return vocabulary;
  }
  Yasqe.forkAutocompleter("class", {name: "cpkb-class", bulk: true, persistenceId: null,
    get: function () { return vocab().then(function (v) { return v.classes || []; }); }}, false);
  Yasqe.forkAutocompleter("property", {name: "cpkb-property", bulk: true, persistenceId: null,
    get: function () { return vocab().then(function (v) { return v.properties || []; }); }}, false);
  Yasqe.forkAutocompleter("prefixes", {name: "cpkb-prefixes", persistenceId: null,
    get: function () {
      return vocab().then(function (v) {
        var known = v.prefixes || prefixes;
        return Object.keys(known).sort().map(function (p) { return p + ": <" + known[p] + ">"; });
      });
    }}, false);
  Yasqe.defaults.autocompleters = ["cpkb-prefixes", "variables", "cpkb-class", "cpkb-property"];

  // ------------------------------------------------------------------ views in the page's language
  function relabel(name, label) {
    var Base = Yasr.plugins[name];
    if (!Base) return;
    Yasr.registerPlugin(name, class extends Base {
      constructor(yasr) { super(yasr); this.label = label; }
    });
  }
  relabel("table", t("表格", "Table"));
  relabel("response", t("原始响应", "Response"));
  relabel("boolean", t("是/否", "Boolean"));
  relabel("error", t("错误", "Error"));

  // A pivot table: counts of the rows by the values of one variable, optionally crossed with a second one.
  class Pivot {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = t("透视表", "Pivot");
      this.priority = 1;
      this.rowVar = null;
      this.colVar = "";
    }
    canHandleResults() {
      var r = this.yasr.results;
      return !!(r && r.getBoolean() === undefined && r.getVariables().length && r.getBindings().length);
    }
    getIcon() {
      var icon = document.createElement("span");
      icon.className = "cpkb-pivot-icon";
      icon.textContent = "⊞";
      return icon;
    }
    draw() {
      var results = this.yasr.results, vars = results.getVariables(), rows = results.getBindings();
      if (vars.indexOf(this.rowVar) < 0) this.rowVar = vars[0];
      if (this.colVar && vars.indexOf(this.colVar) < 0) this.colVar = "";
      var box = document.createElement("div");
      box.className = "cpkb-pivot";
      var controls = document.createElement("p");
      controls.appendChild(this.choice(t("行", "Rows"), vars, this.rowVar, false, function (v) { this.rowVar = v; }));
      controls.appendChild(this.choice(t("列", "Columns"), vars, this.colVar, true, function (v) { this.colVar = v; }));
      box.appendChild(controls);
      box.appendChild(this.table(rows));
      this.yasr.resultsEl.appendChild(box);
    }
    choice(title, vars, chosen, optional, set) {
      var label = document.createElement("label"), select = document.createElement("select"), self = this;
      label.textContent = title + " ";
      (optional ? [""] : []).concat(vars).forEach(function (v) {
        var option = document.createElement("option");
        option.value = v;
        option.textContent = v ? "?" + v : t("（无）", "(none)");
        option.selected = v === chosen;
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        set.call(self, select.value);
        self.yasr.resultsEl.textContent = "";
        self.draw();
      });
      label.appendChild(select);
      return label;
    }
    table(rows) {
      var rowVar = this.rowVar, colVar = this.colVar, counts = {}, rowKeys = [], colKeys = [""];
      function value(row, v) { return row[v] ? shorten(row[v]) : t("（空）", "(unbound)"); }
      rows.forEach(function (row) {
        var r = value(row, rowVar), c = colVar ? value(row, colVar) : "";
        if (!(r in counts)) { counts[r] = {}; rowKeys.push(r); }
        if (colKeys.indexOf(c) < 0) colKeys.push(c);
        counts[r][c] = (counts[r][c] || 0) + 1;
      });
      if (colVar) colKeys = colKeys.filter(function (c) { return c !== ""; });
      var table = document.createElement("table"), head = table.createTHead().insertRow();
      [rowVar ? "?" + rowVar : ""].concat(colVar ? colKeys : [t("行数", "rows")]).forEach(function (text) {
        var th = document.createElement("th");
        th.textContent = text;
        head.appendChild(th);
      });
      var body = table.createTBody();
      rowKeys.forEach(function (r) {
        var tr = body.insertRow();
        tr.insertCell().textContent = r;
        (colVar ? colKeys : [""]).forEach(function (c) { tr.insertCell().textContent = counts[r][c] || ""; });
      });
      return table;
    }
  }
  Yasr.registerPlugin("pivot", Pivot);

  function shorten(term) {
    if (term.type !== "uri") return term.value;
    for (var p in prefixes) {
      if (term.value.indexOf(prefixes[p]) === 0) return p + ":" + term.value.slice(prefixes[p].length);
    }
    return "<" + term.value + ">";
  }

  // ------------------------------------------------------------------ labels beside IRIs, links only for http(s)
  function decorate(yasr) {
    var anchors = Array.prototype.slice.call(yasr.resultsEl.querySelectorAll("a[href]"));
    var iris = {};
    anchors.forEach(function (a) {
      var href = a.getAttribute("href");
      if (!/^https?:/i.test(href)) {  // javascript:, data: … are shown as text, never as links
        var span = document.createElement("span");
        span.textContent = a.textContent;
        a.replaceWith(span);
        return;
      }
      if (!a.classList.contains("cpkb-labelled")) iris[href] = true;
    });
    var list = Object.keys(iris).slice(0, 500);
    if (!list.length) return;
    fetch(page.dataset.labels, {method: "POST", headers: {"Content-Type": "application/json"},
                                body: JSON.stringify({iris: list})})
      .then(function (r) { return r.ok ? r.json() : {labels: {}}; })
      .then(function (j) {
        var labels = j.labels || {};
        anchors.forEach(function (a) {
          var label = labels[a.getAttribute("href")];
          if (!label || !a.isConnected || a.classList.contains("cpkb-labelled")) return;
          a.classList.add("cpkb-labelled");
          var span = document.createElement("span");
          span.className = "label" + (label.fallback ? " fallback" : "");
          span.textContent = label.label;
          if (label.lang) span.lang = label.lang;
          a.after(span);
        });
      })
      .catch(function () {});
  }

  // ------------------------------------------------------------------ YASGUI's own words on a Chinese page
  // YASGUI has no translations: its visible texts, tooltips and placeholders are rewritten as they appear.
  var WORDS = [
    [/^(\d+) results? in ([\d.]+) seconds?$/, "$1 条结果，用时 $2 秒"],
    [/^Showing (\d+) to (\d+) of (\d+) entries$/, "第 $1–$2 条，共 $3 条"],
    [/^\(filtered from (\d+) total entries\)$/, "（从 $1 条中筛选）"],
    [/^No data available in table$/, "没有数据"], [/^No matching records found$/, "没有匹配的结果"],
    [/^Simple view$/, "简洁视图"], [/^Ellipse$/, "截短长值"], [/^Page size:$/, "每页行数："],
    [/^Filter query results$/, "筛选结果"], [/^Download result$/, "下载结果"], [/^Share query$/, "分享查询"],
    [/^Run query$/, "运行查询"], [/^Query$/, "查询"], [/^Add a new tab$/, "新建标签页"], [/^Close tab$/, "关闭标签页"],
    [/^Show all$/, "全部显示"], [/^Copy to clipboard$/, "复制到剪贴板"], [/^Shorten URL$/, "缩短链接"],
    [/^Rename tab$/, "重命名标签页"], [/^Copy tab$/, "复制标签页"], [/^Close other tabs$/, "关闭其他标签页"],
    [/^Show query in full$/, "显示完整查询"], [/^Search$/, "搜索"], [/^Type an endpoint URL$/, "输入端点地址"],
    [/^Request config$/, "请求设置"], [/^(\d+) results?$/, "$1 条结果"], [/^Response$/, "原始响应"]
  ];
  function translated(text) {
    var trimmed = text.trim();
    for (var i = 0; i < WORDS.length; i++) {
      if (WORDS[i][0].test(trimmed)) return text.replace(trimmed, trimmed.replace(WORDS[i][0], WORDS[i][1]));
    }
    return null;
  }
  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node, changed;
    while ((node = walker.nextNode())) {
      if (node.parentNode && node.parentNode.closest(".CodeMirror, .yasr_results td")) continue;  // queries, data
      changed = node.nodeValue.trim() && translated(node.nodeValue);
      if (changed) node.nodeValue = changed;
    }
    Array.prototype.forEach.call(root.querySelectorAll ? root.querySelectorAll("[title], [placeholder], [aria-label]") : [],
      function (el) {
        ["title", "placeholder", "aria-label"].forEach(function (name) {
          var value = el.getAttribute(name), text = value && translated(value);
          if (text) el.setAttribute(name, text);
        });
      });
  }
  if (zh) {
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "characterData") {
          var text = translated(r.target.nodeValue || "");
          if (text && !(r.target.parentNode && r.target.parentNode.closest(".CodeMirror"))) r.target.nodeValue = text;
        } else {
          Array.prototype.forEach.call(r.addedNodes, function (n) {
            if (n.nodeType === 1) translate(n);
            else if (n.nodeType === 3 && translated(n.nodeValue) && n.parentNode && !n.parentNode.closest(".CodeMirror")) {
              n.nodeValue = translated(n.nodeValue);
            }
          });
        }
      });
    }).observe(host, {childList: true, subtree: true, characterData: true});
  }

  // ------------------------------------------------------------------ YASGUI itself
  area.closest(".sparql-editor").hidden = true;
  form.querySelector("#sparql-run").hidden = true;
  document.getElementById("sparql-results").hidden = true;
  host.hidden = false;
  var yasgui = new Yasgui(host, {
    requestConfig: {endpoint: endpoint, method: "POST",
                    acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9",
                    acceptHeaderGraph: "text/turtle,*/*;q=0.9"},
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }},
    persistenceId: "cpkb-sparql",
    populateFromUrl: true,
    tabName: t("查询", "Query"),
    yasqe: {value: area.value, resizeable: true},
    yasr: {prefixes: prefixes, pluginOrder: ["table", "response", "pivot"], defaultPlugin: "table"}
  });
  var status = document.getElementById("sparql-status");
  function watch(tab) {
    if (!tab || tab.cpkbWatched) return;
    tab.cpkbWatched = true;
    var yasr = tab.getYasr(), yasqe = tab.getYasqe();
    if (yasr) yasr.on("drawn", function (instance) { decorate(instance); });
    if (yasqe) {
      yasqe.on("queryResponse", function (_y, response, duration) {
        var truncated = response && response.headers && response.headers["x-cpkb-truncated"] === "true";
        status.textContent = truncated ? t("结果已按行数上限截断：请加 LIMIT/OFFSET 或缩小查询范围（" + duration + " 毫秒）",
                                           "TRUNCATED at the row limit: add LIMIT/OFFSET or narrow the query (" +
                                           duration + " ms)") : "";
        status.className = "sparql-status" + (truncated ? " warn" : "");
      });
    }
  }
  watch(yasgui.getTab());
  if (zh) translate(host);
  yasgui.on("tabSelect", function (_y, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });
  yasgui.on("tabAdd", function (_y, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });

  function current() { return yasgui.getTab(); }
  // downloads go through the plain form: it sends what the editor holds
  form.addEventListener("submit", function () { area.value = current().getYasqe().getValue(); });

  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (a) {
    a.addEventListener("click", function (e) {
      var source = document.getElementById("example-" + a.dataset.example);
      if (!source) return;
      e.preventDefault();
      var yasqe = current().getYasqe();
      yasqe.setValue(source.value);
      yasqe.query();
    });
  });
  if (page.dataset.runNow === "true") {
    current().getYasqe().setValue(area.value);
    current().getYasqe().query();
  }
  window.cpkbYasgui = yasgui;  // for the browser tests
})();
