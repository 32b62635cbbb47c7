// qc index page: sortable, filterable, paged file table (built with DOM calls, never innerHTML).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("qc-data").textContent);
  var col = {};
  data.columns.forEach(function (c, k) { col[c] = k; });
  var rows = data.rows;
  var families = data.families;
  var PAGE = 100;
  var state = { key: null, dir: 1, q: "", verdict: "", family: "", rule: "", bin: null, page: 0 };
  var VRANK = { pass: 0, warn: 1, fail: 2 };
  var COLOURS = {};
  document.querySelectorAll("#files thead th[data-key]").forEach(function (th) {
    var sw = th.querySelector(".swatch");
    if (sw) COLOURS[th.getAttribute("data-key")] = sw.style.background;
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function value(r, key) {
    var v = r[col[key]];
    if (key === "verdict") return VRANK[v];
    return v;
  }
  function filtered() {
    var q = state.q.toLowerCase();
    return rows.filter(function (r) {
      if (q && String(r[col.id]).toLowerCase().indexOf(q) < 0) return false;
      if (state.verdict && r[col.verdict] !== state.verdict) return false;
      if (state.family && !(r[col[state.family + "_ratio"]] > 0)) return false;
      if (state.rule && (" " + r[col.rules] + " ").indexOf(" " + state.rule + " ") < 0) return false;
      if (state.bin) {
        var v = r[col[state.bin.key]], b = state.bin;
        if (b.zero) { if (v !== 0) return false; }
        else if (b.zeroBin && v === 0) return false;
        else if (!(v >= b.lo && (v < b.hi || (b.last && v <= b.hi)))) return false;
      }
      return true;
    });
  }
  function sorted(list) {
    if (!state.key) return list;
    var key = state.key, dir = state.dir;
    return list.map(function (r, k) { return [r, k]; }).sort(function (a, b) {
      var x = value(a[0], key), y = value(b[0], key);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a[1] - b[1];
    }).map(function (p) { return p[0]; });
  }
  function pct(v) { return v > 0 && v < 0.0005 ? "<0.1%" : (100 * v).toFixed(1) + "%"; }

  var body = document.getElementById("files-body");
  function render() {
    var list = sorted(filtered());
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE;
    var frag = document.createDocumentFragment();
    list.slice(start, start + PAGE).forEach(function (r) {
      var tr = el("tr");
      var td = el("td", "path");
      var href = r[col.href];
      if (href) {
        var a = el("a", null, r[col.id]);
        a.setAttribute("href", href);
        td.appendChild(a);
      } else {
        td.textContent = r[col.id];
      }
      if (r[col.error]) td.appendChild(el("div", "muted", r[col.error]));
      tr.appendChild(td);
      tr.appendChild(el("td", null, r[col.status]));
      tr.appendChild(el("td", "num", Number(r[col.score]).toFixed(1)));
      var vtd = el("td");
      vtd.appendChild(el("span", "badge v-" + r[col.verdict], r[col.verdict]));
      tr.appendChild(vtd);
      families.forEach(function (f) {
        var v = r[col[f + "_ratio"]];
        var c = el("td", v > 0 ? "num" : "num z", v > 0 ? pct(v) : "0");
        if (v > 0) {
          var bar = el("span", "mini");
          bar.style.width = Math.max(2, Math.round(40 * Math.min(1, v))) + "px";
          bar.style.background = COLOURS[f + "_ratio"] || "#888";
          c.appendChild(bar);
        }
        tr.appendChild(c);
      });
      tr.appendChild(el("td", "num", r[col.findings]));
      tr.appendChild(el("td", r[col.errors] ? "num s-error" : "num z", r[col.errors]));
      tr.appendChild(el("td", r[col.warnings] ? "num s-warning" : "num z", r[col.warnings]));
      frag.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(frag);
    document.getElementById("count").textContent =
      list.length === rows.length ? rows.length + " files" : list.length + " of " + rows.length + " files match";
    document.getElementById("page").textContent = list.length
      ? "rows " + (start + 1) + "–" + Math.min(list.length, start + PAGE) + " of " + list.length : "no files match";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    document.querySelectorAll("#files thead th[data-key]").forEach(function (th) {
      var k = th.getAttribute("data-key");
      if (k === state.key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    document.querySelectorAll("#rules tbody tr").forEach(function (tr) {
      tr.classList.toggle("sel", tr.getAttribute("data-rule") === state.rule);
    });
    var bchip = document.getElementById("bin-chip");
    bchip.hidden = !state.bin;
    document.getElementById("bin-chip-text").textContent = state.bin ? state.bin.key + " " + state.bin.label : "";
    document.querySelectorAll(".hist g.bin").forEach(function (g) { g.classList.toggle("sel", g === (state.bin && state.bin.el)); });
    var chip = document.getElementById("rule-chip");
    chip.hidden = !state.rule;
    document.getElementById("rule-chip-id").textContent = state.rule;
  }

  document.querySelectorAll("#files thead th[data-key]").forEach(function (th) {
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-key");
      if (state.key === k) state.dir = -state.dir;
      else { state.key = k; state.dir = (k === "id" || k === "status" || k === "score") ? 1 : -1; }
      state.page = 0;
      render();
    });
  });
  document.getElementById("q").addEventListener("input", function (ev) { state.q = ev.target.value; state.page = 0; render(); });
  document.getElementById("verdict").addEventListener("change", function (ev) { state.verdict = ev.target.value; state.page = 0; render(); });
  document.getElementById("family").addEventListener("change", function (ev) { state.family = ev.target.value; state.page = 0; render(); });
  document.getElementById("rule-clear").addEventListener("click", function () { state.rule = ""; state.page = 0; render(); });
  document.getElementById("bin-clear").addEventListener("click", function () { state.bin = null; state.page = 0; render(); });
  document.querySelectorAll(".hist g.bin").forEach(function (g) {
    g.addEventListener("click", function () {
      if (state.bin && state.bin.el === g) { state.bin = null; }
      else {
        var zeroBin = !!g.parentNode.querySelector('g.bin[data-zero="1"]');
        state.bin = { el: g, key: g.getAttribute("data-key"), lo: +g.getAttribute("data-lo"), hi: +g.getAttribute("data-hi"),
          zero: g.getAttribute("data-zero") === "1", last: g.getAttribute("data-last") === "1", zeroBin: zeroBin,
          label: g.getAttribute("data-label") };
      }
      state.page = 0;
      render();
    });
  });
  document.getElementById("prev").addEventListener("click", function () { state.page--; render(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; render(); });
  function pickRule(tr) {
    var id = tr.getAttribute("data-rule");
    state.rule = state.rule === id ? "" : id;
    state.page = 0;
    render();
    document.getElementById("files").scrollIntoView({ block: "start" });
  }
  document.querySelectorAll("#rules tbody tr").forEach(function (tr) {
    tr.addEventListener("click", function (ev) { if (!ev.target.closest("a")) pickRule(tr); });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") pickRule(tr); });
  });
  render();
})();
