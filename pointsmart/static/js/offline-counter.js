/*
 * offline-counter.js: the counter keeps selling when the network is gone.
 * Needs offline-store.js and offline-sync.js; the page holds
 * <div data-offline-counter data-shop="ID" data-words="{...}"> (the words, translated by
 * the server; see offline/_counter.html).
 *
 * Online, it keeps the shop's snapshot fresh (on every counter page, so after every sale,
 * and every few minutes) and sends waiting sales (on load and on reconnect).
 * Offline (navigator.onLine false, or the server did not answer the last refresh), the card
 * form and the sale form are kept from submitting: the card is read from the snapshot (a card older than the snapshot's version
 * is refused; a newer one, issued since, is taken), goods are picked from the snapshot, and a sale is allowed within the
 * household's snapshot balance less its waiting sales and within the village's offline limit
 * for the day; it is kept in IndexedDB with its own Idempotency-Key and the time it was made.
 * A banner says plainly how many sales are offline and waiting. Signing out here sends the
 * user's waiting sales first (only the user who made a sale sends it); any still waiting
 * (no network) are counted and the shopkeeper is asked before leaving.
 * Exposes PointsmartOffline.interceptSale(form, event) for counter.js's submit path.
 */
(function () {
  "use strict";

  var NS = window.PointsmartOffline;
  var REFRESH_MS = 3 * 60 * 1000;
  var box = document.querySelector("[data-offline-counter]");
  if (!NS || !NS.store || !box) return;
  var shopId = parseInt(box.getAttribute("data-shop"), 10);
  var words = JSON.parse(box.getAttribute("data-words"));
  var banner = null;
  var snapshot = null;
  // The server did not answer the last refresh although the phone says it is online (a weak
  // network that carries nothing): sell offline until an answer comes again.
  var unreachable = false;

  function isOffline() { return !navigator.onLine || unreachable; }

  function say(name, values) {
    var text = words[name] || name;
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return "offline-" + window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "offline-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function nextSeq() {
    var seq = parseInt(window.localStorage.getItem("pointsmart-offline-seq") || "0", 10) + 1;
    window.localStorage.setItem("pointsmart-offline-seq", String(seq));
    return seq;
  }

  function localDay(ms, timezone) {
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(new Date(ms));
    } catch (error) {
      return new Date(ms).toDateString();
    }
  }

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // --- the snapshot -------------------------------------------------------------------------

  function keep(fresh) {
    fresh.fetched_ms = Date.now();
    snapshot = fresh;
    return NS.store.saveSnapshot(fresh);
  }

  function refresh() {
    if (!navigator.onLine) return Promise.resolve();
    return NS.fetchSnapshot(shopId).then(function (fresh) {
      unreachable = false;
      return keep(fresh);
    }, function (error) {
      unreachable = !error.status;
      // Signed out or no longer this shop's keeper: nothing may stay on the phone.
      if (error.status === 401 || error.status === 403) {
        snapshot = null;
        return NS.store.clearSnapshots();
      }
      return render();
    });
  }

  function syncNow() {
    if (!navigator.onLine) return Promise.resolve();
    return NS.sync({ onSnapshot: function (fresh) {
      return fresh.shop_id === shopId ? keep(fresh) : NS.store.saveSnapshot(fresh);
    } }).then(render, render);
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("pointsmart-offline-sales");
      return null;
    }).catch(function () { return null; });
  }

  // --- what a household may still spend offline -------------------------------------------

  function allowance(household, sales) {
    var mine = sales.filter(function (sale) {
      return sale.household_id === household.id && sale.shop_id === shopId;
    });
    var held = 0;
    mine.forEach(function (sale) {
      // Waiting sales are not in the snapshot's balance yet; nor is a sale posted since it
      // was taken.
      if (sale.state === "waiting" ||
          (sale.state === "posted" && sale.answered_ms > snapshot.fetched_ms)) {
        held += sale.total;
      }
    });
    var today = localDay(Date.now(), snapshot.timezone);
    var spentToday = 0;
    mine.forEach(function (sale) {
      if (sale.state !== "failed" && localDay(sale.made_ms, snapshot.timezone) === today) {
        spentToday += sale.total;
      }
    });
    return {
      balance: household.balance - held,
      limitLeft: Math.max(0, snapshot.offline_limit - spentToday)
    };
  }

  function stockLeft(product, sales) {
    var taken = 0;
    sales.forEach(function (sale) {
      if (sale.state !== "waiting" || sale.shop_id !== shopId) return;
      sale.body.items.forEach(function (item) {
        if (item.product_id === product.id) taken += item.quantity;
      });
    });
    return Math.max(0, product.stock - taken);
  }

  // --- reading a card from the snapshot -----------------------------------------------------

  function cardHousehold(text) {
    text = (text || "").trim();
    var match = /\/c\/([A-Za-z0-9_\-.]+)\/?$/.exec(text);
    var token = match ? match[1] : (text.indexOf(".") >= 0 ? text : null);
    if (!token) return { problem: say("code_offline") };
    var payload = token.split(".")[0];
    var data = null;
    try {
      var b64 = payload.replace(/-/g, "+").replace(/_/g, "/");
      data = JSON.parse(window.atob(b64 + "===".slice((b64.length + 3) % 4)));
    } catch (error) {
      data = null;
    }
    if (!data || data.length !== 2) return { problem: say("card_unknown") };
    var household = null;
    snapshot.households.forEach(function (h) { if (h.id === data[0]) household = h; });
    if (!household) return { problem: say("card_unknown") };
    // An older card than the snapshot's was replaced; a newer one was issued after the
    // snapshot was taken (the household's old card lost): it is the good one, and the server
    // checks every card again when the sale reaches it.
    if (data[1] < household.card_version) return { problem: say("card_replaced") };
    return { household: household, card: text };
  }

  // --- keeping a sale -----------------------------------------------------------------------

  function check(household, lines, sales) {
    var total = lines.reduce(function (sum, line) { return sum + line.points; }, 0);
    if (snapshot.offline_limit <= 0) return { problem: say("offline_off") };
    if (total <= 0) return { problem: say("pick_goods") };
    if (snapshot.pin_required_above !== null && total > snapshot.pin_required_above) {
      return { problem: say("pin_offline") };
    }
    var short = null;
    lines.forEach(function (line) {
      snapshot.goods.forEach(function (product) {
        if (product.id !== line.product_id || short) return;
        var inStock = stockLeft(product, sales);
        if (line.quantity > inStock) short = say("stock_left", { name: product.name, n: inStock });
      });
    });
    if (short) return { problem: short };
    var left = allowance(household, sales);
    if (total > left.balance) return { problem: say("not_enough", { n: left.balance }) };
    if (total > left.limitLeft) return { problem: say("over_limit", { n: left.limitLeft }) };
    return { total: total };
  }

  function keepSale(household, card, lines) {
    return NS.store.sales().then(function (sales) {
      var checked = check(household, lines, sales);
      if (checked.problem) return checked;
      var now = Date.now();
      var madeAt = new Date(now).toISOString();
      var sale = {
        key: newKey(),
        shop_id: shopId,
        user_id: snapshot.user_id,
        household_id: household.id,
        household_number: household.number,
        household_name: household.name,
        total: checked.total,
        lines: lines.map(function (line) {
          return { name: line.name, quantity: line.quantity, points: line.points };
        }),
        made_ms: now,
        seq: nextSeq(),
        state: "waiting",
        body: {
          card_token: card,
          items: lines.map(function (line) {
            // The price shown is the price agreed: the server charges no more than it.
            return { product_id: line.product_id, quantity: line.quantity,
              points_price: line.points_price };
          }),
          made_at: madeAt
        }
      };
      return NS.store.addSale(sale).then(function () {
        askBackgroundSync();
        return { sale: sale };
      });
    });
  }

  function kept(result, where) {
    if (result.problem) {
      showProblem(result.problem, where);
      var again = where && where.querySelector("[data-offline-confirm], [data-testid=offline-confirm]");
      if (again) again.disabled = false;
      return;
    }
    var sale = result.sale;
    var goods = sale.lines.map(function (l) { return l.name + " ×" + l.quantity; }).join("、");
    var note = el("p", { class: "notice notice-success offline-kept", role: "status",
      "data-testid": "offline-kept",
      text: say("kept", { number: sale.household_number, goods: goods, n: sale.total }) });
    var panel = document.querySelector("[data-offline-panel]");
    if (panel) panel.parentNode.removeChild(panel);
    Array.prototype.forEach.call(box.querySelectorAll(".offline-kept"), function (old) {
      old.parentNode.removeChild(old);
    });
    box.insertBefore(note, box.firstChild);
    var cardInput = document.getElementById("card");
    if (cardInput) {
      cardInput.value = "";
      cardInput.focus();
    }
    render();
  }

  function showProblem(text, where) {
    var old = (where || box).querySelector(".offline-problem");
    if (old) old.parentNode.removeChild(old);
    var node = el("p", { class: "refusal offline-problem", role: "alert",
      "data-testid": "offline-problem", text: text });
    (where || box).insertBefore(node, (where || box).firstChild);
  }

  function showPanel(household, card) {
    NS.store.sales().then(function (sales) {
      NS.showPanel({
        box: box, snapshot: snapshot, say: say, el: el, sales: sales,
        allowance: allowance, stockLeft: stockLeft, clock: clock,
        keep: function (lines, panel) {
          return keepSale(household, card, lines).then(function (result) { kept(result, panel); });
        }
      }, household);
    });
  }

  function withSnapshot(then, where) {
    if (snapshot && snapshot.user_id) return then();
    showProblem(say("no_snapshot"), where);
    return null;
  }

  function interceptCard(form, event) {
    if (!isOffline()) return false;
    event.preventDefault();
    withSnapshot(function () {
      var found = cardHousehold(form.querySelector("[name=card]").value);
      if (found.problem) showProblem(found.problem);
      else showPanel(found.household, found.card);
    });
    return true;
  }

  /* counter.js calls this from the sale form's submit: true when it kept the sale offline. */
  NS.interceptSale = function (form, event) {
    if (!isOffline() || !box) return false;
    event.preventDefault();
    // One sale per form: a second tap while the first is kept (or after) keeps nothing more,
    // as the form's one-time key makes it harmless online.
    if (form.getAttribute("data-offline-keeping")) return true;
    form.setAttribute("data-offline-keeping", "1");
    var again = function () { form.removeAttribute("data-offline-keeping"); };
    var started = withSnapshot(function () {
      var found = cardHousehold(form.querySelector("[name=card]").value);
      if (found.problem) return showProblem(found.problem, form); // nothing kept: again
      var picked = [];
      snapshot.goods.forEach(function (product) {
        var input = form.querySelector("[name=qty-" + product.id + "]");
        var quantity = input ? parseInt(input.value, 10) || 0 : 0;
        if (quantity > 0) {
          picked.push({ product_id: product.id, name: product.name, quantity: quantity,
            points_price: product.points_price, points: quantity * product.points_price });
        }
      });
      return keepSale(found.household, found.card, picked).then(function (result) {
        kept(result, form);
        if (!result.problem) form.hidden = true;
        else again();
      }, again);
    }, form);
    if (!started) again(); // no snapshot, or the card was refused
    return true;
  };

  // --- the banner: offline, and what waits ---------------------------------------------------

  function unsentOfMine() {
    return NS.store.sales().then(function (sales) {
      return sales.filter(function (sale) {
        return sale.state === "waiting" && snapshot && sale.user_id === snapshot.user_id;
      }).length;
    });
  }

  function render() {
    return NS.store.sales().then(function (sales) {
      var mine = sales.filter(function (sale) { return sale.shop_id === shopId; });
      var waiting = mine.filter(function (sale) { return sale.state === "waiting"; });
      var failed = mine.filter(function (sale) { return sale.state === "failed"; });
      var refused = mine.filter(function (sale) {
        return sale.state === "pending" && Date.now() - sale.answered_ms < 24 * 3600 * 1000;
      });
      var next = el("div", { class: "offline-banner", role: "status", "aria-live": "polite",
        "data-testid": "offline-banner" });
      if (isOffline()) {
        next.appendChild(el("p", { class: "offline-flag", text: say("no_network") }));
      }
      if (waiting.length) {
        next.appendChild(el("p", { "data-testid": "offline-waiting",
          text: say("waiting", { n: waiting.length }) }));
        var list = el("ul", { class: "offline-waiting-list" });
        waiting.forEach(function (sale) {
          list.appendChild(el("li", { text: clock(sale.made_ms) + " · " +
            sale.household_number + " · " + say("points", { n: sale.total }) }));
        });
        next.appendChild(list);
      }
      if (refused.length) {
        next.appendChild(el("p", { "data-testid": "offline-refused" }, [
          el("span", { text: say("refused", { n: refused.length }) + " " }),
          el("a", { href: "/shops/" + shopId + "/needs-attention", text: say("needs_attention") })
        ]));
      }
      if (failed.length) {
        next.appendChild(el("p", { class: "summary-warning",
          text: say("failed", { n: failed.length }) }));
      }
      if (banner) banner.parentNode.removeChild(banner);
      banner = next.childNodes.length ? next : null;
      if (banner) box.insertBefore(banner, box.firstChild);
    });
  }

  // --- wiring ---------------------------------------------------------------------------------

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form.scan-form"), function (form) {
      form.addEventListener("submit", function (event) { interceptCard(form, event); });
    });
    Array.prototype.forEach.call(
      document.querySelectorAll("form[action$='/logout']"),
      function (form) {
        form.addEventListener("submit", function (event) {
          if (form.getAttribute("data-cleared")) return;
          event.preventDefault();
          var go = function () { form.setAttribute("data-cleared", "1"); form.submit(); };
          var leave = function () { NS.store.clearSnapshots().then(go, go); };
          // Sales wait to be sent by whoever made them: signed out, they wait for that
          // person's next sign-in on this phone. Send them first; ask before leaving any.
          syncNow().then(unsentOfMine).then(function (count) {
            if (count && !window.confirm(say("sign_out_waiting", { n: count }))) return;
            leave();
          }, leave);
        });
      }
    );
    window.addEventListener("online", function () { refresh().then(syncNow); render(); });
    window.addEventListener("offline", render);
    // Settles once the stored snapshot is read and what waits is shown, and, online, the
    // snapshot refreshed and the queue sent.
    NS.ready = NS.store.snapshot(shopId).then(function (stored) {
      snapshot = stored || null;
      return render();
    }).then(function () {
      return refresh().then(syncNow);
    }).catch(render);
    window.setInterval(function () { refresh().then(syncNow); }, REFRESH_MS);
  }

  init();
})();
