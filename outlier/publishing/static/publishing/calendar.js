// The calendar: remember the browser's time zone, and move posts by drag and drop.
// A month cell takes the card to that day at the same time; a week slot to that day and hour
// (same minutes). The server checks the move again; a refused move puts the card back.
(function () {
  "use strict";
  var COOKIE = "outlier_tz";
  var cal = document.querySelector(".cal");
  var shown = document.querySelector("[data-tz]");
  var zone = window.Intl ? Intl.DateTimeFormat().resolvedOptions().timeZone : "";
  if (zone && shown && shown.dataset.tzExplicit !== "1" && document.cookie.indexOf(COOKIE + "=") === -1) {
    // IANA names are letters, digits and "_/+-": safe in a cookie as they are.
    document.cookie = COOKIE + "=" + zone + "; path=/; max-age=31536000; samesite=lax";
    if (shown.dataset.tz !== zone) { location.reload(); return; }
  }
  if (!cal) return;

  var status = document.getElementById("cal-status");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var week = cal.dataset.view === "week";
  var dragged = null, origin = null;

  function say(message, kind) {
    status.textContent = message;
    status.className = "cal-status " + (kind || "");
  }
  function cellOf(node) { return node.closest ? node.closest("[data-day]") : null; }
  function place(card, cell) {
    var time = card.dataset.time;
    var after = Array.from(cell.querySelectorAll(".card")).find(function (other) {
      return other !== card && other.dataset.time > time;
    });
    cell.insertBefore(card, after || null);
    cell.classList.remove("empty");
  }
  function findCell(day, time) {
    var sel = '[data-day="' + day + '"]';
    if (week) sel += '[data-hour="' + parseInt(time.slice(0, 2), 10) + '"]';
    return cal.querySelector(sel);
  }

  cal.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[draggable=true]");
    if (!card) return;
    dragged = card;
    origin = { parent: card.parentNode, next: card.nextSibling };
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.post);
  });
  cal.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    cal.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  cal.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cal.querySelectorAll(".drop-target").forEach(function (c) { if (c !== cell) c.classList.remove("drop-target"); });
    cell.classList.add("drop-target");
  });
  cal.addEventListener("dragleave", function (event) {
    var cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-target");
  });
  cal.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !cell) return;
    event.preventDefault();
    cell.classList.remove("drop-target");
    var card = dragged, back = origin;
    dragged = null;
    var time = card.dataset.time;
    if (week) time = ("0" + cell.dataset.hour).slice(-2) + time.slice(2);
    if (cell === back.parent && time === card.dataset.time) return;
    move(card, back, cell, time);
  });

  function move(card, back, cell, time) {
    var before = card.dataset.time;
    card.dataset.time = time;
    place(card, cell);
    card.classList.add("saving");
    say("Moving…");
    var body = new URLSearchParams({ day: cell.dataset.day, time: time, tz: cal.dataset.tz });
    fetch(card.dataset.move, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "fetch" },
      body: body,
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { ok: false, error: "The server answered " + response.status + "." };
        });
      })
      .then(function (answer) {
        card.classList.remove("saving");
        if (!answer.ok) throw new Error(answer.error || "The move was refused.");
        card.dataset.time = answer.time;
        card.querySelector(".card-time").textContent = answer.time;
        var right = findCell(answer.day, answer.time);
        if (right && right !== card.parentNode) place(card, right);
        say("Moved: " + answer.when + "." + (answer.note ? " " + answer.note : ""), "ok");
      })
      .catch(function (error) {
        card.classList.remove("saving");
        card.dataset.time = before;
        back.parent.insertBefore(card, back.next && back.next.parentNode === back.parent ? back.next : null);
        card.classList.add("refused");
        setTimeout(function () { card.classList.remove("refused"); }, 600);
        say("Not moved: " + error.message, "error");
      });
  }
})();
