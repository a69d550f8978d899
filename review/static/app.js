// Keyboard shortcuts of the review app: an element with data-key="k" is clicked when k is
// pressed, one with data-focus-key="k" is focused. Keys typed into a field stay in the field;
// Escape leaves it. A page marked data-refresh="N" reloads every N seconds (batch progress).
"use strict";

(function () {
  function typing(target) {
    if (!target || !target.tagName) return false;
    const tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    const focus = document.querySelector('[data-focus-key="' + CSS.escape(key) + '"]');
    if (focus) {
      event.preventDefault();
      focus.focus();
      return;
    }
    const target = document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (target) {
      event.preventDefault();
      if (target.form) target.form.requestSubmit(target);
      else target.click();
    }
  });

  // A form submits once: a second press while the first is on its way does nothing.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.submitted === "yes") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "yes";
  });

  const refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    const seconds = parseInt(refresh.getAttribute("data-refresh"), 10) || 5;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
