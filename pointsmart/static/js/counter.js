/*
 * counter.js: the counter's sale form and the print buttons. Progressive enhancement only:
 * without it the quantity fields still work and the server adds up and refuses.
 *
 * <form data-counter data-balance="300" data-pin-above="100"> with rows
 * <li class="goods-row" data-price="20" data-stock="10"> holding a number input, two
 * [data-step] buttons and a [data-dear] note (a sold-out row has none of them);
 * <output data-total>, <output data-after>, [data-over], [data-pin-field] and [data-confirm]
 * show the total, the balance after, a warning when it is not enough, the PIN field when the
 * total needs it, and enable the confirm button. A row whose one more would cost more than
 * is left is marked "not enough points" (when none is picked) and its + does nothing; - does
 * nothing at zero and + at the stock.
 * When the page comes back (Back after a lost connection, from the browser's memory or with
 * the fields the browser refilled) the figures are counted again and the button is enabled.
 * Any [data-print] button prints the page.
 */
(function () {
  "use strict";

  function whole(value) {
    var number = parseInt(value, 10);
    return isNaN(number) || number < 0 ? 0 : number;
  }

  function setupCounter(form) {
    var balance = whole(form.getAttribute("data-balance"));
    var pinAbove = form.getAttribute("data-pin-above");
    var rows = form.querySelectorAll(".goods-row");
    var total = form.querySelector("[data-total]");
    var after = form.querySelector("[data-after]");
    var over = form.querySelector("[data-over]");
    var pinField = form.querySelector("[data-pin-field]");
    var confirm = form.querySelector("[data-confirm]");

    function update() {
      var sum = 0;
      for (var i = 0; i < rows.length; i += 1) {
        var input = rows[i].querySelector("input");
        if (input) sum += whole(rows[i].getAttribute("data-price")) * whole(input.value);
      }
      if (total) total.textContent = String(sum);
      if (after) after.textContent = String(balance - sum);
      var tooMuch = sum > balance;
      if (over) over.hidden = !tooMuch;
      if (pinField) pinField.hidden = !(pinAbove !== "" && sum > whole(pinAbove));
      if (confirm) confirm.disabled = sum === 0 || tooMuch;
      Array.prototype.forEach.call(rows, function (row) {
        markRow(row, balance - sum);
      });
    }

    function markRow(row, left) {
      var input = row.querySelector("input");
      if (!input) return; // sold out
      var quantity = whole(input.value);
      var dear = whole(row.getAttribute("data-price")) > left;
      var stock = whole(row.getAttribute("data-stock"));
      var note = row.querySelector("[data-dear]");
      row.classList.toggle("unaffordable", dear && quantity === 0);
      if (note) note.hidden = !(dear && quantity === 0);
      Array.prototype.forEach.call(row.querySelectorAll("[data-step]"), function (button) {
        var up = parseInt(button.getAttribute("data-step"), 10) > 0;
        button.disabled = up ? dear || quantity >= stock : quantity === 0;
      });
    }

    Array.prototype.forEach.call(rows, function (row) {
      var input = row.querySelector("input");
      if (!input) return; // sold out: nothing to pick
      var stock = whole(row.getAttribute("data-stock"));
      Array.prototype.forEach.call(row.querySelectorAll("[data-step]"), function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var next = whole(input.value) + parseInt(button.getAttribute("data-step"), 10);
          input.value = String(Math.max(0, Math.min(stock, next)));
          update();
        });
      });
      input.addEventListener("input", update);
    });

    // The pick page is the answer to the scan's POST; give its history entry the address
    // that shows it again by GET, so that Back to it (or a reload) never re-sends the scan.
    var pickUrl = form.getAttribute("data-pick-url");
    if (pickUrl && window.location.pathname !== pickUrl) {
      window.history.replaceState(window.history.state, "", pickUrl);
    }

    // Back after a lost connection: the page comes from the browser's memory with the button
    // still "busy", or is loaded again and the browser refills the fields after this script
    // ran. Either way, count again and let the shopkeeper confirm.
    window.addEventListener("pageshow", function () {
      form.removeAttribute("aria-busy");
      update();
    });

    form.addEventListener("submit", function (event) {
      // No network: offline-counter.js keeps the sale on the phone instead.
      var offline = window.PointsmartOffline;
      if (offline && offline.interceptSale && offline.interceptSale(form, event)) return;
      // The one-time form key already makes a second tap harmless; this just says "busy".
      window.setTimeout(function () {
        if (confirm) confirm.disabled = true;
        form.setAttribute("aria-busy", "true");
      }, 0);
    });
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-counter]"), setupCounter);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
