/*
 * installable.js: registers the service worker (/sw.js, see service-worker.js) on the pages
 * that must open with no network: the counter and the villager's pages.
 *
 *   <script src="/static/js/installable.<hash>.js" data-service-worker="/sw.js" defer></script>
 *
 * The worker is registered after the page has loaded, so it never competes with the page on a
 * weak network. When this page was loaded before a worker controlled it (the first visit),
 * the worker is asked to keep this page and the static files it used, so the next visit opens
 * even with no network.
 *
 * [data-offline-note] elements (hidden; "no network: the points as they were at 14:32") are
 * shown while the phone has no network, or when the page is the copy the worker kept
 * (<html data-page-source="kept">), and hidden again when a fresh page is back online.
 */
(function () {
  "use strict";

  function showOfflineNotes() {
    var kept = document.documentElement.getAttribute("data-page-source") === "kept";
    var offline = navigator.onLine === false;
    var notes = document.querySelectorAll("[data-offline-note]");
    for (var i = 0; i < notes.length; i += 1) notes[i].hidden = !(kept || offline);
  }

  showOfflineNotes();
  window.addEventListener("online", showOfflineNotes);
  window.addEventListener("offline", showOfflineNotes);
  window.addEventListener("pageshow", showOfflineNotes);

  var script = document.currentScript;
  var address = script && script.getAttribute("data-service-worker");
  if (!address || !("serviceWorker" in navigator)) return;
  var container = navigator.serviceWorker;
  var controlled = Boolean(container.controller);

  function sameSite(url) {
    return url.indexOf(location.origin + "/") === 0;
  }

  function keepThisPage(registration) {
    if (controlled || !registration.active) return;
    var assets = [];
    if (window.performance && performance.getEntriesByType) {
      performance.getEntriesByType("resource").forEach(function (entry) {
        if (sameSite(entry.name)) assets.push(entry.name);
      });
    }
    registration.active.postMessage({
      type: "pointsmart:keep",
      pages: [location.href],
      assets: assets,
    });
  }

  // The worker's answer to "keep this page": <html data-page-kept="true"> once this page
  // and its files are on the phone (what a test, or the offline sales, may wait for).
  container.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "pointsmart:kept") {
      document.documentElement.setAttribute("data-page-kept", data.whole ? "true" : "partly");
    }
  });

  function register() {
    container
      .register(address, { scope: "/" })
      .then(function () {
        return container.ready;
      })
      .then(keepThisPage)
      .catch(function (error) {
        // No worker (private window, storage full): the page still works online.
        if (window.console) console.warn("service worker", error);
      });
  }

  if (document.readyState === "complete") register();
  else window.addEventListener("load", register);
})();
