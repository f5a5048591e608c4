// The scoring grid's "all compliant" shortcut: tick every compliance item (a tick box that
// gives points) not yet scored this month, for every household of the grid; the leader then
// unticks those who did not comply and saves. Nothing is saved by the shortcut itself. Without
// this script the button stays hidden and each box is ticked by hand.
(function () {
  "use strict";
  var button = document.getElementById("all-compliant");
  var status = document.getElementById("scoring-status");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var ticked = 0;
    document.querySelectorAll(".scoring-form input[type=checkbox][data-compliance]")
      .forEach(function (box) {
        if (!box.checked) {
          box.checked = true;
          ticked += 1;
        }
      });
    if (status) {
      status.textContent = (button.getAttribute("data-done") || "").replace("{n}", ticked);
    }
  });
})();
