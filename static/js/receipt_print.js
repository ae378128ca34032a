// Receipt page: the Print button, and ?print=1 opens the print dialog once loaded.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (new URLSearchParams(window.location.search).get("print") === "1" && !window.__receiptPrinted) {
    window.__receiptPrinted = true;
    window.addEventListener("load", function () { window.print(); });
  }
})();
