// Behaviour of the page shell (templates/base.html). Loaded with `defer` before
// Alpine, so the components exist when Alpine starts. Everything here is an
// enhancement: each control is a plain form that works without JavaScript.
document.addEventListener("alpine:init", () => {
  // Light/dark switch: flip the page at once, then tell the server (which sets
  // the cookie and saves the choice on the user) in the background.
  window.Alpine.data("themeToggle", () => ({
    dark: document.documentElement.classList.contains("dark"),

    toggle() {
      this.dark = !this.dark;
      document.documentElement.classList.toggle("dark", this.dark);
      const form = this.$root;
      const data = new FormData(form);
      data.set("theme", this.dark ? "dark" : "light");
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        // HX-Request: the view answers 204 with the cookie instead of a redirect.
        headers: { "HX-Request": "true" },
      });
    },
  }));

  // A flash message the user can close.
  window.Alpine.data("dismissible", () => ({
    open: true,
    dismiss() {
      this.open = false;
    },
  }));
});

// Numbers typed on a Persian or Arabic keyboard. A type=number input drops ۰-۹ (and
// the decimal sign ٫), so the page's number inputs become text inputs with a numeric
// keyboard (inputmode), left to right, and what is typed turns into ASCII digits as it
// is typed. The register's money and quantity inputs are text inputs from the server
// already (tenants.money.DecimalInput) and their fields read Persian digits themselves.
(() => {
  const TYPED = /[\u06F0-\u06F9\u0660-\u0669\u066B\u066C]/g;
  const HAS_TYPED = /[\u06F0-\u06F9\u0660-\u0669\u066B\u066C]/;
  function ascii(text) {
    return text.replace(TYPED, (c) => {
      const code = c.charCodeAt(0);
      if (code === 0x066b) return ".";
      if (code === 0x066c) return "";
      return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
    });
  }
  function soften(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("input[type=number]").forEach((input) => {
      const step = input.getAttribute("step") || "1";
      input.type = "text";
      if (!input.getAttribute("inputmode")) {
        input.setAttribute("inputmode", /^\d+$/.test(step) ? "numeric" : "decimal");
      }
      input.setAttribute("dir", "ltr");
      input.setAttribute("autocomplete", "off");
      input.dataset.number = "";
    });
  }
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && "number" in input.dataset
        && HAS_TYPED.test(input.value)) {
      input.value = ascii(input.value);
    }
  });
  // Also for the register's change due (static/js/register.js).
  window.zargarAsciiDigits = ascii;
  document.addEventListener("DOMContentLoaded", () => soften(document));
  document.addEventListener("htmx:load", (event) => soften(event.detail.elt));
})();
