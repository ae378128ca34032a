// The register (pos/templates/pos/register.html): keep the scanner field focused,
// keyboard shortcuts, and the change due as the cashier types. Everything is an
// enhancement: the forms work without JavaScript.
(function () {
  "use strict";

  function scanner() {
    return document.querySelector("[data-scanner]");
  }

  function focusScanner() {
    const field = scanner();
    if (field) {
      field.focus();
      field.select();
    }
  }

  // Amounts may be typed with Persian or Arabic digits.
  function toNumber(value) {
    const text = String(value || "")
      .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
      .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
      .replace(/[,\u066C\s]/g, "")
      .replace(/\u066B/g, ".");
    const n = parseFloat(text);
    return Number.isFinite(n) ? n : 0;
  }

  function updateChange() {
    const cart = document.getElementById("cart");
    const out = document.getElementById("change-due");
    const form = document.getElementById("payment");
    if (!cart || !out || !form) {
      return;
    }
    const total = toNumber(cart.dataset.total);
    let other = 0;
    for (const name of ["card", "store_credit", "gift_card", "points"]) {
      const field = form.elements.namedItem(name);
      if (field) {
        other += toNumber(field.value);
      }
    }
    const cashField = form.elements.namedItem("cash");
    const cash = cashField ? toNumber(cashField.value) : 0;
    const change = Math.max(0, cash + other - total);
    let text = cash > 0 ? change.toFixed(2).replace(/\.00$/, "") : "0";
    if (document.documentElement.lang === "fa") {
      text = text.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)))
        .replace(".", "\u066B");
    }
    out.textContent = text;
  }

  // After a cart change the scanner takes the focus back, unless the cashier is
  // typing in another field (a payment, a search) meanwhile.
  function typingElsewhere() {
    const el = document.activeElement;
    if (!el || el === document.body || !document.body.contains(el) || el.closest("#cart")) {
      return false;
    }
    return el.matches("textarea, select, input:not([type=hidden]):not([type=submit])" +
                      ":not([type=button]):not([type=checkbox]):not([type=radio])");
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && (target.id === "cart" || target.id === "held") && !typingElsewhere()) {
      focusScanner();
    }
    updateChange();
  });
  document.addEventListener("input", (event) => {
    if (event.target.form && event.target.form.id === "payment") {
      updateChange();
    }
  });

  const keys = {
    F2: focusScanner,
    F3: () => document.getElementById("item-q")?.focus(),
    F4: () => document.getElementById("customer-q")?.focus(),
    F8: () => document.querySelector("#payment input[name=cash]")?.focus(),
    F9: () => document.getElementById("payment")?.requestSubmit(),
  };
  document.addEventListener("keydown", (event) => {
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  // A page restored from the back/forward cache would carry a used sale key.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      window.location.reload();
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    focusScanner();
    updateChange();
  });
})();
