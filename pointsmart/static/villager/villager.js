// Villager pages: a larger-text switch (remembered on this phone) and reading the balance and
// the last entries aloud in Chinese with the browser's own speech synthesis.
(function () {
  "use strict";
  var KEY = "pointsmart-larger-text";

  function setLarger(on) {
    document.body.classList.toggle("larger", on);
    var button = document.getElementById("bigger-text");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function readAloud() {
    var parts = [];
    document.querySelectorAll("[data-speak]").forEach(function (el) {
      parts.push(el.getAttribute("data-speak"));
    });
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(parts.join("。"));
    utterance.lang = "zh-CN";
    utterance.rate = 0.85;
    window.speechSynthesis.speak(utterance);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stored = null;
    try { stored = window.localStorage.getItem(KEY); } catch (e) { /* private mode */ }
    if (stored === "1") setLarger(true);
    var bigger = document.getElementById("bigger-text");
    if (bigger) {
      bigger.addEventListener("click", function () {
        setLarger(!document.body.classList.contains("larger"));
      });
    }
    var speak = document.getElementById("read-aloud");
    if (speak && "speechSynthesis" in window && window.SpeechSynthesisUtterance) {
      speak.hidden = false;
      speak.addEventListener("click", readAloud);
    }
  });
})();
