/*
 * offline-sync.js: send the sales made offline, in the order they were made, each once.
 * Runs in pages (on reconnect, on every page load) and in the service worker (the
 * Background Sync "sync" event, see offline-sync-sw.js). Needs offline-store.js.
 *
 * Exactly once: each sale carries its own Idempotency-Key, made on the phone when the sale
 * was made. The server posts a key once and answers a repeated key with its first answer,
 * so a reply lost on the way back, a reload, a second tab or a phone restart cannot post a
 * sale twice: whoever sends it again gets the same answer. Sending is also serialised across
 * tabs with the Web Locks API where the browser has it, so two tabs do not both send.
 *
 * For each shop with waiting sales it first fetches the shop's snapshot: that gives the
 * signed-in user (a sale is sent only by the user who made it: its key is that user's) and
 * a fresh CSRF token. Then it sends the user's waiting sales one by one; it stops at the
 * first network failure (the rest wait for the next try) and at a signed-out answer.
 * Exposes self.PointsmartOffline.sync(options) -> Promise<{sent, pending, failed, waiting}>.
 */
(function (root) {
  "use strict";

  var LOCK = "pointsmart-offline-sync";
  var NS = root.PointsmartOffline;

  function snapshotUrl(shopId) { return "/shops/" + shopId + "/counter/offline-snapshot"; }
  function salesUrl(shopId) { return "/shops/" + shopId + "/counter/offline-sales"; }

  /*
   * The shop's snapshot with the signed-in user and a fresh CSRF token. The stored snapshot's
   * ETag goes along: when nothing changed the server answers a bodiless 304 and the stored
   * snapshot is used, with the token and the user from the answer's headers.
   */
  function fetchSnapshot(shopId) {
    return NS.store.snapshot(shopId).catch(function () { return null; }).then(function (held) {
      var headers = { Accept: "application/json" };
      if (held && held.http_etag) headers["If-None-Match"] = held.http_etag;
      return root.fetch(snapshotUrl(shopId), {
        credentials: "same-origin",
        headers: headers,
        cache: "no-store"
      }).then(function (response) {
        if (response.status === 304 && held) {
          held.csrf_token = response.headers.get("X-CSRF-Token");
          held.user_id = parseInt(response.headers.get("X-User-Id"), 10);
          return held;
        }
        if (!response.ok) {
          var error = new Error("snapshot " + response.status);
          error.status = response.status;
          throw error;
        }
        return response.json().then(function (fresh) {
          fresh.http_etag = response.headers.get("ETag");
          return fresh;
        });
      });
    });
  }

  function send(sale, csrf) {
    return root.fetch(salesUrl(sale.shop_id), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": sale.key,
        "X-CSRFToken": csrf
      },
      body: JSON.stringify(sale.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function answerOf(reply) {
    if (reply.status === 201) {
      return { state: "posted", redemption_id: reply.body.id, answered_ms: Date.now(),
        balance_after: reply.body.balance_after };
    }
    if (reply.status === 202) {
      return { state: "pending", pending_id: reply.body.id, reason: reply.body.reason,
        detail: reply.body.detail, answered_ms: Date.now() };
    }
    return { state: "failed", code: reply.body.code || String(reply.status),
      detail: reply.body.detail || reply.body.title || "", answered_ms: Date.now() };
  }

  function syncShop(shopId, sales, result, onSnapshot) {
    return fetchSnapshot(shopId).then(function (snapshot) {
      var mine = sales.filter(function (sale) { return sale.user_id === snapshot.user_id; });
      var chain = Promise.resolve();
      var stopped = false;
      mine.forEach(function (sale) {
        chain = chain.then(function () {
          if (stopped) return null;
          return send(sale, snapshot.csrf_token).then(function (reply) {
            if (reply.status === 401 || reply.status === 400 || reply.status >= 500) {
              // Signed out, a stale CSRF token, or a server in trouble: try again later.
              stopped = true;
              return null;
            }
            var answer = answerOf(reply);
            result[answer.state] += 1;
            return NS.store.updateSale(sale.key, answer);
          }, function () {
            stopped = true; // the network is gone again: the rest wait
          });
        });
      });
      return chain.then(function () {
        // The answers changed balances and stock: take a fresh snapshot for the counter.
        return fetchSnapshot(shopId).then(function (fresh) {
          return onSnapshot ? onSnapshot(fresh) : null;
        }, function () { return null; });
      });
    }, function () { return null; });
  }

  function syncAll(options) {
    options = options || {};
    var result = { posted: 0, pending: 0, failed: 0, waiting: 0 };
    return NS.store.sales().then(function (all) {
      var waiting = all.filter(function (sale) { return sale.state === "waiting"; });
      var shops = [];
      waiting.forEach(function (sale) {
        if (shops.indexOf(sale.shop_id) < 0) shops.push(sale.shop_id);
      });
      var chain = Promise.resolve();
      shops.forEach(function (shopId) {
        chain = chain.then(function () {
          var ofShop = waiting.filter(function (sale) { return sale.shop_id === shopId; });
          return syncShop(shopId, ofShop, result, options.onSnapshot);
        });
      });
      return chain;
    }).then(function () {
      return NS.store.prune(Date.now());
    }).then(function () {
      return NS.store.sales();
    }).then(function (all) {
      result.waiting = all.filter(function (sale) { return sale.state === "waiting"; }).length;
      return result;
    });
  }

  NS.sync = function (options) {
    var locks = root.navigator && root.navigator.locks;
    if (locks && locks.request) {
      return locks.request(LOCK, function () { return syncAll(options); });
    }
    return syncAll(options);
  };
  NS.fetchSnapshot = fetchSnapshot;
})(self);
