// qc file page: hover/click a highlight for its findings; click a finding row to jump to its span.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("qc-data").textContent);
  var findings = data.findings;
  var tip = document.getElementById("tip");
  var marksOf = {};
  var marks = document.querySelectorAll("mark.hl[data-f]");
  var i, j;
  for (i = 0; i < marks.length; i++) {
    var ids = marks[i].getAttribute("data-f").split(" ");
    for (j = 0; j < ids.length; j++) {
      (marksOf[ids[j]] = marksOf[ids[j]] || []).push(marks[i]);
    }
  }
  var rulePage = {};
  document.querySelectorAll("tbody.group").forEach(function (g) {
    var a = g.querySelector("th a");
    if (a) rulePage[g.getAttribute("data-rule")] = a.getAttribute("href");
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  var pinned = false;
  function showTip(ids, x, y) {
    tip.textContent = "";
    var close = el("button", "t-close", "×");
    close.setAttribute("aria-label", "close");
    close.addEventListener("click", function () { pinned = false; hideTip(true); });
    tip.appendChild(close);
    ids.forEach(function (id) {
      var f = findings[+id];
      if (!f) return;
      var item = el("div", "t-item");
      var head = el("div", "t-head");
      var a = el("a", null, f.rule);
      if (rulePage[f.rule]) a.setAttribute("href", rulePage[f.rule]);
      head.appendChild(a);
      head.appendChild(document.createTextNode(" " + f.name + " · "));
      head.appendChild(el("span", "s-" + f.severity, f.severity));
      head.appendChild(el("span", "muted", " · line " + f.line + ":" + f.column));
      item.appendChild(head);
      item.appendChild(el("div", null, f.message));
      if (f.suggestion === "") {
        item.appendChild(el("div", "muted", "suggestion: delete this text"));
      } else if (f.suggestion !== null && f.suggestion !== undefined) {
        var s = el("div", null, "suggestion: ");
        var sug = String(f.suggestion);
        s.appendChild(el("span", "sugg", sug.length > 300 ? sug.slice(0, 300) + "…" : sug));
        item.appendChild(s);
      }
      tip.appendChild(item);
    });
    tip.style.display = "block";
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(Math.max(4, x + 12), window.innerWidth - w - 8);
    var top = y + 16 + h > window.innerHeight ? Math.max(4, y - h - 12) : y + 16;
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function hideTip(force) {
    if (pinned && !force) return;
    tip.style.display = "none";
  }

  function clearActive() {
    document.querySelectorAll(".active").forEach(function (e) { e.classList.remove("active"); });
  }
  function activate(id, scroll) {
    clearActive();
    var ms = marksOf[id] || [];
    ms.forEach(function (m) { m.classList.add("active"); });
    document.querySelectorAll('tr.row[data-f="' + id + '"]').forEach(function (r) { r.classList.add("active"); });
    if (scroll && ms.length) {
      ms[0].scrollIntoView({ block: "center", behavior: "auto" });
      var rect = ms[0].getBoundingClientRect();
      pinned = true;
      showTip([id], rect.left, rect.bottom - 8);
    } else if (scroll) {
      var other = document.querySelector('.beyond li[data-f="' + id + '"], .docfinding[data-f="' + id + '"]');
      if (other) { other.classList.add("active"); other.scrollIntoView({ block: "center" }); }
    }
    return ms;
  }

  var text = document.getElementById("text");
  if (text) {
    text.addEventListener("mouseover", function (ev) {
      var m = ev.target.closest ? ev.target.closest("mark.hl") : null;
      if (m && !pinned) showTip(m.getAttribute("data-f").split(" "), ev.clientX, ev.clientY);
    });
    text.addEventListener("mouseout", function (ev) {
      var m = ev.target.closest ? ev.target.closest("mark.hl") : null;
      if (m && !(ev.relatedTarget && tip.contains(ev.relatedTarget))) hideTip(false);
    });
    text.addEventListener("click", function (ev) {
      var m = ev.target.closest ? ev.target.closest("mark.hl") : null;
      if (!m) return;
      var ids = m.getAttribute("data-f").split(" ");
      clearActive();
      ids.forEach(function (id) {
        (marksOf[id] || []).forEach(function (x) { x.classList.add("active"); });
        var row = document.querySelector('tr.row[data-f="' + id + '"]');
        if (row) row.classList.add("active");
      });
      var row0 = document.querySelector('tr.row[data-f="' + ids[0] + '"]');
      if (row0) row0.scrollIntoView({ block: "nearest" });
      pinned = true;
      showTip(ids, ev.clientX, ev.clientY);
    });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { pinned = false; hideTip(true); clearActive(); }
  });

  var table = document.getElementById("findings");
  if (table) {
    table.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) return;
      var row = ev.target.closest("tr.row");
      if (row) activate(row.getAttribute("data-f"), true);
    });
    table.addEventListener("keydown", function (ev) {
      var row = ev.target.closest("tr.row");
      if (row && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); activate(row.getAttribute("data-f"), true); }
    });
  }
  var m = /^#f(\d+)$/.exec(window.location.hash);
  if (m) activate(m[1], true);
})();
