// Print every collapsed 예산사업 개요 too, then restore what the reader had open.
(function () {
  "use strict";
  let opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.from(document.querySelectorAll("details:not([open])"));
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();

// A submit button with data-confirm asks first (native confirm(): reachable by keyboard, mouse and
// screen reader alike); Enter in a field submits through the form's first button, which never asks.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
