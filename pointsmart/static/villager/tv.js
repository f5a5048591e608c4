// The service hall's TV page: show one panel at a time, each for data-panel-seconds, and
// reload the page every data-refresh-seconds so the figures stay current. Without this script
// every panel shows at once.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.getElementById("tv");
    if (!screen) return;
    var panels = screen.querySelectorAll(".tv-panel");
    var seconds = parseInt(screen.getAttribute("data-panel-seconds"), 10) || 15;
    var refresh = parseInt(screen.getAttribute("data-refresh-seconds"), 10) || 300;
    var current = 0;

    function show(index) {
      panels.forEach(function (panel, i) {
        panel.hidden = i !== index;
      });
      screen.setAttribute("data-current-panel", panels[index].id);
    }

    if (panels.length > 0) {
      screen.classList.add("rotating");
      show(current);
      window.setInterval(function () {
        current = (current + 1) % panels.length;
        show(current);
      }, seconds * 1000);
    }
    window.setTimeout(function () {
      window.location.reload();
    }, refresh * 1000);
  });
})();
