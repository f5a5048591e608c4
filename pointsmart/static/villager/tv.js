// The service hall's TV page: show one panel at a time, each for data-panel-seconds, and fetch
// the page again every data-refresh-seconds to put the current figures in place (a failed
// fetch keeps the last figures on screen and tries again next time). Without this script every
// panel shows at once.
(function () {
  "use strict";

  function start(screen) {
    var seconds = parseInt(screen.getAttribute("data-panel-seconds"), 10) || 15;
    var refresh = parseInt(screen.getAttribute("data-refresh-seconds"), 10) || 300;
    var current = 0;

    function panels() {
      return screen.querySelectorAll(".tv-panel");
    }

    function show(index) {
      var all = panels();
      if (all.length === 0) return;
      current = index % all.length;
      all.forEach(function (panel, i) {
        panel.hidden = i !== current;
      });
      screen.setAttribute("data-current-panel", all[current].id);
    }

    function update() {
      window.fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var fresh = new window.DOMParser().parseFromString(html, "text/html").getElementById("tv");
          if (!fresh) return;
          screen.innerHTML = fresh.innerHTML;
          screen.setAttribute("data-updated", String(Date.now()));
          show(current);
        })
        .catch(function () { /* keep the last figures; try again at the next refresh */ });
    }

    screen.classList.add("rotating");
    show(0);
    window.setInterval(function () { show(current + 1); }, seconds * 1000);
    window.setInterval(update, refresh * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.getElementById("tv");
    if (screen) start(screen);
  });
})();
