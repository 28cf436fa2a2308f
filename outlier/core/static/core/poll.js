// While a scoop is being fetched, ask for its card every second and swap it in when filled.
(function () {
  "use strict";
  function poll(card, tries) {
    if (tries > 120) return;
    setTimeout(function () {
      fetch(card.dataset.poll, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html.trim();
          var fresh = box.firstElementChild;
          if (!fresh || fresh.dataset.state === "fetching") return poll(card, tries + 1);
          if (card.closest("[data-reload-when-filled]")) return window.location.reload();
          card.replaceWith(fresh);
        })
        .catch(function () { poll(card, tries + 1); });
    }, 1000);
  }
  document.querySelectorAll("[data-poll]").forEach(function (card) { poll(card, 0); });
})();
