/*
 * offline-store.js: what the counter keeps on the phone to sell without network, in
 * IndexedDB (database "pointsmart-offline"), for pages and the service worker alike.
 *
 * - "snapshots": one per shop (key shop_id): the households, goods and offline limit the
 *   server sent (see /shops/<id>/counter/offline-snapshot), with when it was fetched.
 *   Cleared at sign-out.
 * - "sales": every sale made offline (key: its Idempotency-Key, made on the phone), with
 *   the time it was made and its state: "waiting" (not sent yet), "posted", "pending" (the
 *   server kept it for the committee) or "failed" (refused for another reason). A sale is
 *   never deleted before it is answered; answered ones are kept two days (the offline
 *   limit counts the day's sales).
 *
 * Plain IndexedDB: the few calls below are the whole use, and the page must read the queue
 * itself (workbox-background-sync keeps its queue to the service worker).
 * Exposes self.PointsmartOffline.store.
 */
(function (root) {
  "use strict";

  var NAME = "pointsmart-offline";
  var VERSION = 1;
  var KEEP_ANSWERED_MS = 2 * 24 * 3600 * 1000;
  var opening = null;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var req = root.indexedDB.open(NAME, VERSION);
        req.onupgradeneeded = function () {
          var db = req.result;
          if (!db.objectStoreNames.contains("snapshots")) {
            db.createObjectStore("snapshots", { keyPath: "shop_id" });
          }
          if (!db.objectStoreNames.contains("sales")) {
            var sales = db.createObjectStore("sales", { keyPath: "key" });
            sales.createIndex("made", ["made_ms", "seq"]);
          }
        };
        req.onsuccess = function () {
          var db = req.result;
          // Another tab upgrading later: let it.
          db.onversionchange = function () { db.close(); opening = null; };
          resolve(db);
        };
        req.onerror = function () { opening = null; reject(req.error); };
      });
    }
    return opening;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        Promise.resolve(work(tx.objectStore(storeName))).then(function (value) { result = value; });
      });
    });
  }

  var store = {
    saveSnapshot: function (snapshot) {
      return run("snapshots", "readwrite", function (s) { s.put(snapshot); });
    },
    snapshot: function (shopId) {
      return run("snapshots", "readonly", function (s) { return request(s.get(shopId)); });
    },
    clearSnapshots: function () {
      return run("snapshots", "readwrite", function (s) { s.clear(); });
    },
    addSale: function (sale) {
      return run("sales", "readwrite", function (s) { s.add(sale); });
    },
    /* All kept sales, oldest made first. */
    sales: function () {
      return run("sales", "readonly", function (s) { return request(s.index("made").getAll()); });
    },
    /* Change a sale's fields, in one transaction (it reads the stored sale first). */
    updateSale: function (key, changes) {
      return run("sales", "readwrite", function (s) {
        return request(s.get(key)).then(function (sale) {
          if (!sale) return null;
          Object.keys(changes).forEach(function (name) { sale[name] = changes[name]; });
          s.put(sale);
          return sale;
        });
      });
    },
    /* Forget answered sales older than two days; waiting ones stay whatever their age. */
    prune: function (now) {
      return store.sales().then(function (all) {
        var old = all.filter(function (sale) {
          return sale.state !== "waiting" && sale.state !== "failed" &&
            now - sale.made_ms > KEEP_ANSWERED_MS;
        });
        if (!old.length) return 0;
        return run("sales", "readwrite", function (s) {
          old.forEach(function (sale) { s.delete(sale.key); });
        }).then(function () { return old.length; });
      });
    }
  };

  root.PointsmartOffline = root.PointsmartOffline || {};
  root.PointsmartOffline.store = store;
})(self);
