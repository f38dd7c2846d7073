/* olympix — enhancements of the header menu (templates/layout.jinja2).
   The menu is a <details>: it opens and closes without this file. Here:
   wide screens keep it open (browsers without ::details-content), Escape or a
   click outside closes it on phones. No inline script: a CSP forbids them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.querySelector(".site-menu");
    if (!menu) { return; }
    var wide = window.matchMedia("(min-width: 48rem)");
    function follow() { menu.open = wide.matches; }
    follow();
    if (wide.addEventListener) { wide.addEventListener("change", follow); }
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (menu.open && !wide.matches && !menu.contains(e.target)) { menu.open = false; }
    });
  });
})();
