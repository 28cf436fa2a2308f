// The review queue's keyboard, and its list that updates itself. Plain JavaScript, no build step.
// j/k move, x select, a approve, r reject, s spam, b block the author (the selected texts, else
// the current one), u undo the last decision. Without JavaScript every button still works.
(function () {
  "use strict";
  var list = document.querySelector("[data-list]");
  var bulk = document.getElementById("bulk");
  var current = -1;
  var DECISIONS = { a: "approve", r: "reject", s: "spam", b: "block_author" };

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() { return list ? Array.prototype.slice.call(list.querySelectorAll("[data-case]")) : []; }

  function checked() { return list ? list.querySelectorAll("input[name=cases]:checked") : []; }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function countSelected() {
    var n = checked().length;
    var out = document.querySelector("[data-selected]");
    if (out) out.textContent = String(n);
    return n;
  }

  // A decision: on the checked texts with the bar's button, else on the current text with its own.
  function decide(decision) {
    if (!bulk) return;
    var button = null;
    if (countSelected() > 0) {
      button = bulk.querySelector("[data-bulk=" + decision + "]");
    } else {
      var row = rows()[current];
      button = row ? row.querySelector("[data-decision=" + decision + "]") : null;
    }
    if (!button) return;
    if (decision === "block_author" && !window.confirm("Block the author? Their next texts are blocked too.")) return;
    if (bulk.requestSubmit) bulk.requestSubmit(button); else button.click();
  }

  if (list) {
    list.addEventListener("change", countSelected);
    list.addEventListener("click", function (event) {
      var row = event.target.closest && event.target.closest("[data-case]");
      if (row && !/^(INPUT|A|BUTTON)$/.test(event.target.tagName)) select(rows().indexOf(row));
    });
  }
  var all = document.querySelector("[data-select-all]");
  if (all) all.addEventListener("change", function () {
    rows().forEach(function (row) {
      var box = row.querySelector("input[name=cases]");
      if (box) box.checked = all.checked;
    });
    countSelected();
  });

  // The list refreshes itself every 30 s while nothing is selected; the current text stays current.
  function refresh() {
    if (!list || document.hidden || countSelected() > 0) return;
    fetch(list.dataset.pollList, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (countSelected() > 0) return;
        var keep = current >= 0 && rows()[current] ? rows()[current].dataset.case : null;
        list.innerHTML = html;
        var again = rows().findIndex(function (row) { return row.dataset.case === keep; });
        if (again >= 0) select(again); else current = -1;
      })
      .catch(function () {});
  }
  if (list) window.setInterval(refresh, 30000);

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var key = event.key;
    if (key === "u") {
      var undo = document.querySelector("[data-undo-button]");
      if (!undo) return;
      undo.click();
    } else if (!list) {
      return;
    } else if (key === "j") {
      select(current + 1);
    } else if (key === "k") {
      select(current < 0 ? 0 : current - 1);
    } else if (key === "x") {
      var row = rows()[current];
      var box = row ? row.querySelector("input[name=cases]") : null;
      if (!box) return;
      box.checked = !box.checked;
      countSelected();
    } else if (DECISIONS[key]) {
      decide(DECISIONS[key]);
    } else {
      return;
    }
    event.preventDefault();
  });
})();
