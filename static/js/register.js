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
    // Persian/Arabic digits and separators as ASCII (static/js/shell.js), no grouping.
    const text = window.zargarAsciiDigits(String(value || "")).replace(/[,\s]/g, "");
    // Plain numbers only, as the server reads them (tenants/money.py): "1e99" is no
    // amount, and parseFloat would read it as one.
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(text)) {
      return 0;
    }
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
    // What the customer pays: the total less any old gold credited to the sale.
    const total = toNumber(cart.dataset.due !== undefined ? cart.dataset.due : cart.dataset.total);
    let other = 0;
    for (const name of ["card", "store_credit", "gift_card", "points"]) {
      const field = form.elements.namedItem(name);
      if (field) {
        other += toNumber(field.value);
      }
    }
    const cashField = form.elements.namedItem("cash");
    const cash = cashField ? toNumber(cashField.value) : 0;
    // Only cash gives change (as pos.carts.cart_complete decides): the other tenders
    // pay first, and change is the cash over what they leave due. A card overpayment
    // is refused by the server, never handed back in cash.
    const change = Math.max(0, cash - Math.max(0, total - other));
    // As the server shows money (tenants/money.py): the currency's decimals, grouped,
    // Persian digits and separators in Persian.
    const places = Number(cart.dataset.places || 2);
    const persian = document.documentElement.lang === "fa";
    const format = new Intl.NumberFormat(persian ? "fa-IR" : "en-US", {
      minimumFractionDigits: places, maximumFractionDigits: places,
    });
    out.textContent = cash > 0 ? format.format(change) : format.format(0);
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

  // Open a panel (Return, Old gold) and put the cursor in its first field.
  function openPanel(id) {
    const panel = document.getElementById(id);
    if (!panel) {
      return;
    }
    panel.open = true;
    panel.querySelector("input:not([type=hidden]), select, textarea")?.focus();
  }

  // After a panel's answer: a field with an error takes the cursor; a new form (the
  // sale's return form) its first field; done, the scanner is ready again.
  function afterPanel(panel) {
    const invalid = panel.querySelector(".field-invalid input, .field-invalid select");
    if (invalid) {
      invalid.focus();
    } else if (panel.querySelector("[role=status]")) {
      focusScanner();
    } else if (panel.id === "return" && panel.querySelector("form[method=post]")) {
      panel.querySelector("form[method=post] input:not([type=hidden])")?.focus();
    }
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && (target.id === "cart" || target.id === "held") && !typingElsewhere()) {
      focusScanner();
    }
    updateChange();
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    if (target && (target.id === "return" || target.id === "old-gold")) {
      const panel = document.getElementById(target.id);
      if (panel) {
        afterPanel(panel);
      }
    } else if (target && target.id === "customer-new") {
      // The quick-create form came back refused: the cursor stays in it, on the field
      // with the error (else its first field), not in the scanner.
      const form = document.getElementById("customer-new");
      const field = form?.querySelector(".field-invalid input, .field-invalid select") ||
        form?.querySelector("input:not([type=hidden])");
      field?.focus();
    }
  });
  document.addEventListener("htmx:oobAfterSwap", updateChange);
  document.addEventListener("input", (event) => {
    if (event.target.form && event.target.form.id === "payment") {
      updateChange();
    }
  });

  const keys = {
    F2: focusScanner,
    F3: () => document.getElementById("item-q")?.focus(),
    F4: () => document.getElementById("customer-q")?.focus(),
    F6: () => openPanel("return-panel"),
    F7: () => openPanel("old-gold-panel"),
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
    // A page drawn again with an error (a refused shift close, payment): its field,
    // else the scanner.
    const invalid = document.querySelector("main .field-invalid input, main .field-invalid select");
    if (invalid) {
      invalid.focus();
      invalid.scrollIntoView({ block: "center" });
    } else {
      focusScanner();
    }
    updateChange();
  });
})();
