// The paper code's Print button (no inline script: the page keeps a strict CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
