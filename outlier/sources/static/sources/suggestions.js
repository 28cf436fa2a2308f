// The suggestions list by keyboard: j / k move, s scoops, i writes an insight first, d dismisses,
// m asks for more like it, o opens the article. Keys are ignored while typing in a field.
(function () {
  "use strict";
  var list = document.querySelector("[data-suggestions]");
  if (!list) return;
  var current = -1;

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("[data-suggestion]")); }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function submit(row, selector) {
    var form = row && row.querySelector(selector);
    if (form) form.requestSubmit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var row = rows()[current];
    var key = event.key;
    if (key === "j") select(current + 1);
    else if (key === "k") select(current < 0 ? 0 : current - 1);
    else if (key === "s") submit(row, "[data-scoop]");
    else if (key === "d") submit(row, "[data-dismiss]");
    else if (key === "m") submit(row, "[data-more]");
    else if (key === "i" && row) { var box = row.querySelector("input[name=insight]"); if (box) box.focus(); }
    else if (key === "o" && row) { var link = row.querySelector(".suggestion-title a"); if (link) window.open(link.href, "_blank", "noopener"); }
    else return;
    event.preventDefault();
  });
})();
