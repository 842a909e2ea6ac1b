// The agenda: select every task shown, close a panel, show the fields of the chosen call outcome.
(function () {
  "use strict";

  function showOutcomeFields(form) {
    var chosen = form.querySelector("input[name=outcome]:checked");
    var value = chosen ? chosen.value : "";
    form.querySelectorAll("[data-for]").forEach(function (block) {
      block.hidden = block.getAttribute("data-for").split(" ").indexOf(value) === -1;
    });
  }

  function prepare(root) {
    root.querySelectorAll("form.call-form").forEach(showOutcomeFields);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=ids][form=bulk-form]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches("form.call-form input[name=outcome]")) {
      showOutcomeFields(target.form);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close]");
    if (button) {
      var cell = button.closest("td[id^=panel-]");
      if (cell) { cell.innerHTML = ""; }
    }
  });

  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:afterSwap", function (event) { prepare(event.detail.target); });
})();
