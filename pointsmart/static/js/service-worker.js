/*
 * service-worker.js: what pointsmart's service worker does, with Workbox. It runs inside
 * /sw.js (webapp/views.py), which first sets self.POINTSMART and imports the Workbox modules:
 *
 *   self.POINTSMART = {version, static_prefix, precache: [urls], offline_pages: [regexps],
 *                      sign_out: [paths]}
 *
 * - The assets of the pages that must open with no network (the counter, the villager's
 *   pages, the camera's decoder, the offline sales' modules) are kept in advance, by their
 *   hashed names (precache).
 * - Every other static file is kept when it is first loaded: a hashed name cache-first (its
 *   content never changes), an unhashed one (development) network-first.
 * - The counter's scan page, /me and the card page: network first, and after a few seconds
 *   without an answer, or with no network, the copy kept at the last visit, marked as such:
 *   its <html data-page-source="network"> reads "kept", so the page can say that what it
 *   shows is from the time it was kept (installable.js). A redirect (to sign in) or an error
 *   page is never kept.
 * - Signing out (staff or villager) forgets the kept pages.
 * - A page loaded before this worker controlled it asks it to keep that page and its assets
 *   (message {type: "pointsmart:keep", pages, assets}, sent by installable.js), so one visit
 *   is enough for the page to open offline; the worker answers {type: "pointsmart:kept",
 *   whole: true when everything was kept}.
 *
 * The offline sales' Background Sync handler is offline-sync-sw.js, imported after this.
 */
(function () {
  "use strict";

  var settings = self.POINTSMART;
  var workbox = self.workbox;
  var PAGES = "pointsmart-pages";
  // One cache for all versions: a page kept before an update names the files of its own
  // version, which must still open with no network; the cache stays bounded by its size.
  var STATIC = "pointsmart-static";
  var HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;
  var offlinePages = settings.offline_pages.map(function (source) {
    return new RegExp(source);
  });

  workbox.core.setCacheNameDetails({ prefix: "pointsmart" });
  self.skipWaiting();
  workbox.core.clientsClaim();

  workbox.precaching.cleanupOutdatedCaches();
  workbox.precaching.precacheAndRoute(
    settings.precache.map(function (url) {
      return { url: url, revision: null }; // the hash in the name is the revision
    })
  );

  var onlyWholeAnswers = {
    cacheWillUpdate: function (params) {
      var response = params.response;
      var whole = response && response.status === 200 && !response.redirected;
      return Promise.resolve(whole ? response : null);
    },
  };

  var SOURCE = 'data-page-source="network"';

  function marked(kept) {
    return kept.text().then(function (html) {
      var headers = new Headers(kept.headers);
      headers.delete("Content-Length"); // the body is no longer the one it measured
      return new Response(html.replace(SOURCE, 'data-page-source="kept"'), {
        status: kept.status,
        statusText: kept.statusText,
        headers: headers,
      });
    });
  }

  var markedKept = {
    cachedResponseWillBeUsed: function (params) {
      return params.cachedResponse ? marked(params.cachedResponse) : Promise.resolve(null);
    },
  };

  var pages = new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 6,
    matchOptions: { ignoreVary: true },
    plugins: [
      onlyWholeAnswers,
      markedKept,
      new workbox.expiration.ExpirationPlugin({ maxEntries: 20 }),
    ],
  });
  var staticForever = new workbox.strategies.CacheFirst({
    cacheName: STATIC,
    plugins: [
      onlyWholeAnswers,
      new workbox.expiration.ExpirationPlugin({ maxEntries: 120, purgeOnQuotaError: true }),
    ],
  });
  var staticFresh = new workbox.strategies.NetworkFirst({
    cacheName: STATIC,
    networkTimeoutSeconds: 6,
    plugins: [onlyWholeAnswers],
  });

  function ours(url) {
    return url.origin === self.location.origin;
  }

  function isOfflinePage(url) {
    return (
      ours(url) &&
      offlinePages.some(function (pattern) {
        return pattern.test(url.pathname);
      })
    );
  }

  function isStatic(url) {
    return ours(url) && url.pathname.indexOf(settings.static_prefix) === 0;
  }

  function staticStrategy(url) {
    return HASHED.test(url.pathname) ? staticForever : staticFresh;
  }

  workbox.routing.registerRoute(function (options) {
    return options.request.mode === "navigate" && isOfflinePage(options.url);
  }, pages);
  workbox.routing.registerRoute(
    function (options) {
      return isStatic(options.url);
    },
    function (options) {
      return staticStrategy(options.url).handle(options);
    }
  );

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "POST") return;
    var url = new URL(request.url);
    if (ours(url) && settings.sign_out.indexOf(url.pathname) !== -1) {
      event.waitUntil(caches.delete(PAGES));
    }
  });

  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "pointsmart:keep") return;
    // handle() answers as soon as the response is there, before the copy is written (and
    // before the expiration plugin reopens the cache); "kept" must mean written, or a
    // sign-out right after could be undone by a write still under way.
    function keep(strategy, url) {
      var done = strategy.handleAll({ event: event, request: new Request(url.href) });
      return Promise.all(done).then(function (both) {
        return both[0];
      });
    }
    var kept = [];
    (data.pages || []).forEach(function (address) {
      var url = new URL(address, self.location.href);
      if (isOfflinePage(url)) {
        kept.push(keep(pages, url));
      }
    });
    (data.assets || []).forEach(function (address) {
      var url = new URL(address, self.location.href);
      if (isStatic(url)) {
        kept.push(keep(staticStrategy(url), url));
      }
    });
    event.waitUntil(
      Promise.all(
        kept.map(function (answer) {
          return answer.catch(function () {
            return null; // nothing to keep with no network; the next visit keeps it
          });
        })
      ).then(function (answers) {
        var whole = answers.every(Boolean);
        if (event.source) event.source.postMessage({ type: "pointsmart:kept", whole: whole });
      })
    );
  });
})();
