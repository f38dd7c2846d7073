/* The phone ticket's rotating code: the page carries the codes of the next
   hours (one per 30-second window, computed by the server under its key),
   and shows the current one, redrawn when the window changes, with a
   ticking clock and a moving band so that a screenshot is visibly still.
   It keeps working offline once opened.  The time is the server's (the
   page's "now" plus the time elapsed on this device), so a phone whose
   clock is wrong still shows the code the gate expects. */
(function () {
  "use strict";
  var live = document.getElementById("ticket-live");
  var data = document.getElementById("ticket-codes");
  if (!live || !data || !window.OlympixQR) { return; }
  var codes = JSON.parse(data.textContent);
  var qr = document.getElementById("ticket-qr");
  var text = document.getElementById("ticket-code");
  var clock = document.getElementById("ticket-clock");
  var stale = document.getElementById("ticket-stale");
  var offset = codes.now - Date.now();
  var lang = document.documentElement.lang || undefined;
  var shown = null;

  function tick() {
    var now = Date.now() + offset;
    var index = Math.floor(now / 1000 / codes.step) - codes.start;
    var code = index >= 0 && index < codes.codes.length ? codes.codes[index] : null;
    if (code !== shown) {
      shown = code;
      live.classList.toggle("is-stale", code === null);
      stale.hidden = code !== null;
      if (code !== null) {
        qr.innerHTML = window.OlympixQR.svg(code);
        text.textContent = code;
        live.dataset.code = code;
      }
    }
    clock.textContent = new Date(now).toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit", second: "2-digit"});
    clock.setAttribute("datetime", new Date(now).toISOString());
    // The band's position follows the seconds too (CSS animates between).
    live.style.setProperty("--ticket-phase", String((now / 1000) % codes.step / codes.step));
  }

  tick();
  setInterval(tick, 1000);
})();
