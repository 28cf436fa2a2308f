// The inbox's keyboard and its list that updates itself. Plain JavaScript, no build step.
// List: j/k move, x select, Enter/o open, e done, r reply, a assign, / search.
// Item: j/k next/previous, e done, r reply, a assign, u back to the list.
(function () {
  "use strict";
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }

  // --- the list -----------------------------------------------------------------------------
  var list = document.querySelector("[data-list]");
  var bulk = document.getElementById("bulk");
  var current = -1;

  function rows() { return list ? Array.prototype.slice.call(list.querySelectorAll("[data-item]")) : []; }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function countSelected() {
    var n = list ? list.querySelectorAll("input[name=items]:checked").length : 0;
    var out = document.querySelector("[data-selected]");
    if (out) out.textContent = String(n);
    return n;
  }

  function markDone(row) {
    if (!bulk || !row) return;
    post(bulk.action, { action: "done", items: row.dataset.item }).then(function (answer) {
      if (!answer.ok) { window.alert(answer.body.detail || "Could not mark it done."); return; }
      row.classList.add("done-now");
      row.setAttribute("data-done", "");
      var all = rows();
      var index = all.indexOf(row);
      row.remove();
      select(index);
    });
  }

  if (list) {
    list.addEventListener("change", countSelected);
    list.addEventListener("click", function (event) {
      var row = event.target.closest && event.target.closest("[data-item]");
      if (row && event.target.tagName !== "INPUT" && event.target.tagName !== "A") {
        select(rows().indexOf(row));
      }
    });
  }

  // The list refreshes itself every 10 s; when someone has selected items, it waits.
  function refresh() {
    if (!list || document.hidden) return;
    fetch(list.dataset.pollList, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var first = box.querySelector("[data-item]");
        var newest = first ? first.dataset.item : "0";
        if (newest === list.dataset.newest && box.querySelectorAll("[data-item]").length === rows().length) return;
        var swap = function () {
          var keep = current >= 0 && rows()[current] ? rows()[current].dataset.item : null;
          list.innerHTML = html;
          list.dataset.newest = newest;
          var fresh = document.querySelector("[data-fresh]");
          if (fresh) fresh.hidden = true;
          var again = rows().findIndex(function (row) { return row.dataset.item === keep; });
          if (again >= 0) select(again);
        };
        if (countSelected() === 0) { swap(); return; }
        var banner = document.querySelector("[data-fresh]");
        if (banner) { banner.hidden = false; banner.querySelector("button").onclick = swap; }
      })
      .catch(function () {});
  }
  if (list) window.setInterval(refresh, 10000);

  // --- the unread count in the navigation ----------------------------------------------------
  var badge = document.querySelector("[data-unread]");
  if (badge && badge.dataset.unreadUrl) {
    window.setInterval(function () {
      if (document.hidden) return;
      fetch(badge.dataset.unreadUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (j) { badge.textContent = j.unread ? String(j.unread) : ""; badge.hidden = !j.unread; })
        .catch(function () {});
    }, 15000);
  }

  // --- one item ------------------------------------------------------------------------------
  var page = document.querySelector("[data-item-page]");
  var replyForm = document.querySelector("[data-reply-form]");
  var replyBox = replyForm ? replyForm.querySelector("textarea") : null;
  var started = false;

  function startReply() {
    if (!replyBox) return;
    replyBox.focus();
    var end = replyBox.value.length;
    replyBox.setSelectionRange(end, end);
    if (started) return;
    started = true;
    post(replyForm.dataset.startUrl, { action: "start_reply" }).then(function (answer) {
      // Someone else is replying: say so above the box.
      if (answer.ok && answer.body && answer.body.warning) {
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = answer.body.warning;
        replyForm.parentNode.insertBefore(note, replyForm);
      }
    });
  }

  if (replyBox) {
    replyBox.addEventListener("focus", startReply);
    var counter = replyForm.querySelector("[data-counter]");
    var limit = counter ? parseInt(counter.dataset.limit, 10) : NaN;
    var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter() : null;
    var count = function () {
      if (!counter || isNaN(limit)) return;
      var text = replyBox.value;
      var n = counter.dataset.counting === "graphemes" && segmenter
        ? Array.from(segmenter.segment(text)).length : Array.from(text).length;
      counter.textContent = n + " / " + limit;
      counter.classList.toggle("error", n > limit);
    };
    replyBox.addEventListener("input", count);
    count();
    var saved = document.querySelector("[data-saved-replies]");
    if (saved) saved.addEventListener("change", function () {
      if (!saved.value) return;
      replyBox.value = (replyBox.value.trim() ? replyBox.value.replace(/\s*$/, " ") : "") + saved.value;
      replyBox.dispatchEvent(new Event("input"));
      replyBox.focus();
    });
    if (window.location.hash === "#reply") {
      // Forget the fragment first: scrolling to it would move the focus to its section
      // after load, and a reload or the redirect after sending would open the box again.
      history.replaceState(null, "", window.location.pathname + window.location.search);
      startReply();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var key = event.key;
    if (list) {
      var all = rows();
      if (key === "j") { select(current + 1); }
      else if (key === "k") { select(current < 0 ? 0 : current - 1); }
      else if (key === "x" && all[current]) {
        var box = all[current].querySelector("input[name=items]");
        if (box) { box.checked = !box.checked; countSelected(); }
      } else if ((key === "Enter" || key === "o") && all[current]) { window.location = all[current].dataset.url; }
      else if (key === "e" && all[current]) { markDone(all[current]); }
      else if (key === "r" && all[current]) { window.location = all[current].dataset.url + "#reply"; }
      else if (key === "a") {
        if (all[current]) {
          var check = all[current].querySelector("input[name=items]");
          if (check && !check.checked) { check.checked = true; countSelected(); }
        }
        var assign = document.getElementById("bulk-assignee");
        if (assign) assign.focus();
      } else if (key === "/") {
        var search = document.querySelector(".inbox-filters input[name=q]");
        if (search) search.focus();
      } else { return; }
      event.preventDefault();
    } else if (page) {
      if (key === "j" && page.dataset.next) { window.location = page.dataset.next; }
      else if (key === "k" && page.dataset.previous) { window.location = page.dataset.previous; }
      else if (key === "e") { var done = document.querySelector("[data-done]"); if (done) done.click(); }
      else if (key === "r") { startReply(); }
      else if (key === "a") { var who = document.getElementById("assignee"); if (who) who.focus(); }
      else if (key === "u") { window.location = page.dataset.listUrl; }
      else { return; }
      event.preventDefault();
    }
  });
})();
