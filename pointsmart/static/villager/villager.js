// Villager pages: a larger-text switch (remembered on this phone) and reading the balance and
// the last entries aloud with the browser's own speech synthesis.
//
// The voice is chosen by the page's language (<html lang>): a Chinese page is read by a Chinese
// voice, an English page by an English one, never the other way round. A phone without such a
// voice (or without speech at all) says so in words on the page instead of staying silent.
(function () {
  "use strict";
  var KEY = "pointsmart-larger-text";
  var VOICE_WAIT_MS = 1500; // voices load late on some phones ("voiceschanged")

  function setLarger(on) {
    document.body.classList.toggle("larger", on);
    var button = document.getElementById("bigger-text");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function pageLanguage() {
    return (document.documentElement.getAttribute("lang") || "zh-CN").replace("_", "-");
  }

  // The best voice for the language: the same language and region (zh-CN), else the same
  // language (zh-TW, zh-HK); null when the phone has none.
  function voiceFor(language, voices) {
    var wanted = language.toLowerCase();
    var primary = wanted.split("-")[0];
    var same = null;
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").replace("_", "-").toLowerCase();
      if (lang === wanted) return voices[i];
      if (!same && lang.split("-")[0] === primary) same = voices[i];
    }
    return same;
  }

  function withVoices(callback) {
    var synth = window.speechSynthesis;
    var voices = synth.getVoices();
    if (voices.length) { callback(voices); return; }
    var done = false;
    function finish() {
      if (done) return;
      done = true;
      callback(synth.getVoices());
    }
    if (synth.addEventListener) {
      synth.addEventListener("voiceschanged", finish);
    } else {
      synth.onvoiceschanged = finish; // older browsers: speechSynthesis is no EventTarget
    }
    window.setTimeout(finish, VOICE_WAIT_MS);
  }

  function tell(message) {
    var notice = document.getElementById("read-aloud-notice");
    if (!notice) return;
    notice.textContent = message;
    notice.hidden = false;
  }

  function readAloud(button) {
    var parts = [];
    document.querySelectorAll("[data-speak]").forEach(function (el) {
      parts.push(el.getAttribute("data-speak"));
    });
    var noVoice = button.getAttribute("data-no-voice");
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) {
      tell(noVoice);
      return;
    }
    var language = pageLanguage();
    withVoices(function (voices) {
      var voice = voiceFor(language, voices);
      if (!voice) { tell(noVoice); return; }
      window.speechSynthesis.cancel();
      // Every part is a whole sentence with its own full stop.
      var utterance = new window.SpeechSynthesisUtterance(parts.join(" "));
      utterance.voice = voice;
      utterance.lang = voice.lang || language;
      utterance.rate = 0.85;
      window.speechSynthesis.speak(utterance);
    });
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
    if (speak) {
      speak.hidden = false; // a phone that cannot speak is told so when the button is pressed
      speak.addEventListener("click", function () { readAloud(speak); });
    }
  });
})();
