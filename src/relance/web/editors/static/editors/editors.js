/* The editors' small behaviours: insert a hashtag at the cursor, pick a customer, confirm deletions. */
(function () {
  "use strict";
  var lastField = null;

  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches(".template-form textarea, .template-form input[name=subject]")) lastField = el;
  });

  function insertAt(field, text) {
    if (field.tagName === "INPUT") text = text.trim();  // blocks only make sense in the body
    var start = field.selectionStart != null ? field.selectionStart : field.value.length;
    var end = field.selectionEnd != null ? field.selectionEnd : start;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    var caret = start + text.length;
    field.focus();
    field.setSelectionRange(caret, caret);
    field.dispatchEvent(new Event("input", { bubbles: true }));  // the preview follows
  }

  document.addEventListener("click", function (event) {
    var tag = event.target.closest("button[data-insert]");
    if (tag) {
      var field = lastField || document.querySelector(".template-form textarea");
      if (field) insertAt(field, tag.getAttribute("data-insert"));
      return;
    }
    var pick = event.target.closest("button[data-pick-customer]");
    if (pick) {
      var picker = pick.closest(".customer-picker") || document;
      choose(picker, pick.getAttribute("data-pick-customer"), pick.getAttribute("data-label"));
      return;
    }
    var clear = event.target.closest("button[data-clear-customer]");
    if (clear) {
      var box = clear.closest(".customer-picker");
      choose(box, "", clear.getAttribute("data-sample-label") || box.querySelector(".picked").dataset.sample);
      return;
    }
    var confirmButton = event.target.closest("button[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) event.preventDefault();
  });

  function choose(picker, id, label) {
    var hidden = picker.querySelector("#picked-customer");
    var shown = picker.querySelector(".picked");
    if (shown && shown.dataset.sample === undefined) shown.dataset.sample = shown.textContent;
    hidden.value = id;
    if (shown) shown.textContent = label || "";
    var results = picker.querySelector("#customer-results");
    if (results) results.innerHTML = "";
    if (window.htmx) {
      window.htmx.trigger(hidden, "change");
      window.htmx.trigger(document.body, "customer-picked");
    }
  }
})();
