// A form sent back with errors: a phone shows its top, and the field to fix may be screens
// below (the commitments at the end of the declaration). Bring the first one into view and
// give it focus. Loaded by templates/alipay/errors.html, only on a page that has errors.
(function () {
  var box = document.querySelector(".field.has-error");
  if (!box) return;
  var control = box.querySelector("input:not([type=hidden]), select, textarea");
  box.scrollIntoView({ block: "center" });
  if (control) control.focus({ preventScroll: true });
})();
