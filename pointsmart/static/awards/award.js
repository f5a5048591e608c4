// The award form: show the points the chosen rule and quantity come to while typing.
// Only a hint: the server works the points out again and shows them before anything is saved.
(function () {
  "use strict";
  var form = document.getElementById("award-form");
  if (!form) {
    return;
  }
  var rule = form.querySelector("#rule_id");
  var quantity = form.querySelector("#quantity");
  var output = form.querySelector("[data-live-points]");
  var template = form.getAttribute("data-points-template") || "{points}";

  function update() {
    var option = rule.options[rule.selectedIndex];
    var perUnit = option ? parseInt(option.getAttribute("data-points"), 10) : NaN;
    var hundredths = Math.round(parseFloat(quantity.value) * 100);
    if (isNaN(perUnit) || isNaN(hundredths) || hundredths <= 0) {
      output.hidden = true;
      return;
    }
    // quantity x points, rounded half up (away from zero), as the server does
    var points = Math.floor((hundredths * Math.abs(perUnit) + 50) / 100);
    var signed = perUnit < 0 ? "-" + points : "+" + points;
    output.textContent = template.replace("{points}", signed);
    output.hidden = false;
  }

  rule.addEventListener("change", update);
  quantity.addEventListener("input", update);
  update();
})();
