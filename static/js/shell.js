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
