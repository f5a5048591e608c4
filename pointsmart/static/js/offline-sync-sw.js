/*
 * offline-sync-sw.js: the service worker's part of the offline counter. The service worker
 * (counter-light's sw.js) loads it with importScripts('/static/js/offline-sync-sw.js'); on
 * the Background Sync event "pointsmart-offline-sales", which the counter page registers
 * when it keeps a sale offline, it sends the waiting sales (offline-sync.js). Browsers
 * without Background Sync send them from the page instead (on reconnect, on page load).
 */
/* global importScripts */
importScripts("/static/js/offline-store.js", "/static/js/offline-sync.js");

self.addEventListener("sync", function (event) {
  if (event.tag === "pointsmart-offline-sales") {
    event.waitUntil(self.PointsmartOffline.sync());
  }
});
