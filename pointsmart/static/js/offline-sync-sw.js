/*
 * offline-sync-sw.js: the service worker's part of the offline counter. The service worker
 * (counter-light's) loads it with importScripts('/static/js/offline-sync-sw.js').
 *
 * - On the Background Sync event "pointsmart-offline-sales", which the counter page registers
 *   when it keeps a sale offline, it sends the waiting sales (offline-sync.js). Browsers
 *   without Background Sync send them from the page instead (on reconnect, on page load).
 * - When the staff member signs out (the form POST to /logout, from any page) it clears the
 *   snapshot of households and balances from the phone; it does not answer the request (the
 *   network does) and never touches the waiting sales, which are sent at the next sign-in.
 */
/* global importScripts */
importScripts("/static/js/offline-store.js", "/static/js/offline-sync.js");

self.addEventListener("sync", function (event) {
  if (event.tag === "pointsmart-offline-sales") {
    event.waitUntil(self.PointsmartOffline.sync());
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method === "POST" && new URL(request.url).pathname === "/logout") {
    event.waitUntil(self.PointsmartOffline.store.clearSnapshots().catch(function () {
      return null;
    }));
  }
});
