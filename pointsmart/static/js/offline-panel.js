/*
 * offline-panel.js: the goods-picking panel of a sale made without network, built from the
 * snapshot (the rows look like the online counter's, counter.css). offline-counter.js calls
 * PointsmartOffline.showPanel(ctx, household) after reading the card; ctx carries the
 * snapshot, the words (say), the household's allowance and the goods' stock left, and
 * keep(lines, panel), which keeps the sale.
 */
(function () {
  "use strict";

  var NS = window.PointsmartOffline;
  if (!NS) return;

  NS.showPanel = function (ctx, household) {
    var say = ctx.say;
    var el = ctx.el;
    var snapshot = ctx.snapshot;
    var old = document.querySelector("[data-offline-panel]");
    if (old) old.parentNode.removeChild(old);
    var left = ctx.allowance(household, ctx.sales);
    var panel = el("section", { class: "offline-panel", "data-offline-panel": "",
      "aria-label": say("offline_sale") });
    panel.appendChild(el("p", { class: "offline-flag", text: say("offline_sale") }));
    panel.appendChild(el("section", { class: "customer" }, [
      el("p", { class: "customer-who" }, [
        el("span", { text: say("household") + " " }, [
          el("strong", { "data-testid": "household-number", text: household.number })]),
        el("span", { text: " " + household.name })]),
      el("p", { class: "customer-balance" }, [
        el("span", { text: say("balance") + " " }),
        el("strong", { "data-testid": "offline-balance", text: String(left.balance) }),
        el("span", { text: " " + say("as_of", { time: ctx.clock(snapshot.fetched_ms) }) })]),
      el("p", { class: "muted", text: say("limit_left", { n: left.limitLeft }) })
    ]));
    var list = el("ul", { class: "goods-picker" });
    var rows = [];
    var total = el("output", { "data-testid": "offline-total", text: "0" });
    var confirm = el("button", { type: "button", class: "button confirm-button",
      "data-testid": "offline-confirm", text: say("confirm") });

    function lines() {
      var picked = [];
      rows.forEach(function (row) {
        var quantity = Math.min(row.stock, Math.max(0, parseInt(row.input.value, 10) || 0));
        if (quantity > 0) {
          picked.push({ product_id: row.product.id, name: row.product.name, quantity: quantity,
            points_price: row.product.points_price,
            points: quantity * row.product.points_price });
        }
      });
      return picked;
    }

    var warning = el("p", { class: "summary-warning", "data-testid": "offline-over" });
    warning.hidden = true;

    function update() {
      var sum = lines().reduce(function (s, line) { return s + line.points; }, 0);
      total.textContent = String(sum);
      confirm.disabled = sum === 0 || sum > Math.min(left.balance, left.limitLeft);
      // Say why the button does not work: the points, or the day's offline limit.
      if (sum > left.balance) warning.textContent = say("not_enough", { n: left.balance });
      else if (sum > left.limitLeft) warning.textContent = say("over_limit", { n: left.limitLeft });
      warning.hidden = sum <= Math.min(left.balance, left.limitLeft);
    }

    snapshot.goods.forEach(function (product) {
      var stock = ctx.stockLeft(product, ctx.sales);
      var id = "offline-qty-" + product.id;
      var input = el("input", { type: "number", min: "0", max: String(stock), value: "0",
        inputmode: "numeric", id: id });
      var stepper = el("div", { class: "stepper" });
      if (stock > 0) {
        var less = el("button", { type: "button", class: "step", text: "−",
          "aria-label": say("one_less", { name: product.name }) });
        var more = el("button", { type: "button", class: "step", text: "+",
          "aria-label": say("one_more", { name: product.name }) });
        [[less, -1], [more, 1]].forEach(function (pair) {
          pair[0].addEventListener("click", function () {
            var next = (parseInt(input.value, 10) || 0) + pair[1];
            input.value = String(Math.max(0, Math.min(stock, next)));
            update();
          });
        });
        stepper.appendChild(less);
        stepper.appendChild(input);
        stepper.appendChild(more);
      } else {
        // Sold out (by the snapshot less the waiting sales): shown, but nothing to press.
        input.setAttribute("readonly", "");
        stepper.appendChild(input);
      }
      input.addEventListener("input", update);
      rows.push({ product: product, input: input, stock: stock });
      list.appendChild(el("li", { class: "goods-row" + (stock === 0 ? " sold-out" : "") }, [
        el("label", { class: "goods-label", for: id }, [
          el("span", { class: "goods-name", text: product.name }),
          el("span", { class: "goods-price", text: say("points_each", { n: product.points_price }) }),
          el("span", { class: "goods-stock",
            text: stock === 0 ? say("sold_out") : say("in_stock", { n: stock }) })]),
        stepper
      ]));
    });
    panel.appendChild(list);
    panel.appendChild(el("div", { class: "sale-summary", "aria-live": "polite" }, [
      el("p", {}, [el("span", { text: say("total") + " " }), total]), warning]));
    panel.appendChild(confirm);
    var cancel = el("button", { type: "button", class: "button button-secondary",
      text: say("cancel") });
    panel.appendChild(cancel);

    confirm.addEventListener("click", function () {
      confirm.disabled = true;
      ctx.keep(lines(), panel);
    });
    cancel.addEventListener("click", function () {
      panel.parentNode.removeChild(panel);
      var cardInput = document.getElementById("card");
      if (cardInput) { cardInput.value = ""; cardInput.focus(); }
    });
    update();
    ctx.box.appendChild(panel);
    var first = panel.querySelector(".step");
    if (first) first.focus();
  };
})();
