// The subscribe form: the browser's own time zone chosen when the list has it (else the
// list stays as it is), and the weekday shown only for weekly digests.
(function () {
  var form = document.querySelector("[data-subscribe]");
  if (!form) return;
  var select = form.querySelector("[data-browser-zone]");
  var zone = window.Intl ? Intl.DateTimeFormat().resolvedOptions().timeZone : "";
  if (select && zone && !form.querySelector(".error")) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; break; }
    }
  }
  var weekday = form.querySelector("[data-weekday]");
  function update() {
    var weekly = form.querySelector("input[name=frequency][value=weekly]");
    if (weekday && weekly) weekday.hidden = !weekly.checked;
  }
  form.addEventListener("change", update);
  update();
})();
