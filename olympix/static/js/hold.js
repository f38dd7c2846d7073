/* The held order's countdown (templates/booking/order.jinja2). The page says
   the end time in words; this shows the minutes and seconds left, counted
   from the server's figure (data-seconds), so a wrong phone clock does not
   matter. No inline script: a CSP forbids them. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var timer = document.querySelector(".hold-timer");
    if (!timer) { return; }
    var left = timer.querySelector(".hold-left");
    var ends = Date.now() + 1000 * parseInt(timer.getAttribute("data-seconds"), 10);
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
      left.textContent = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
      if (seconds === 0) {
        timer.textContent = timer.getAttribute("data-ended");
        timer.setAttribute("role", "status");
        return;
      }
      window.setTimeout(tick, 1000 - (Date.now() % 1000));
    }
    timer.hidden = false;
    tick();
  });
})();
