// The dashboard's 30-day sales chart (Chart.js, vendored). Data: #sales-30d-data.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("sales-30d");
    var source = document.getElementById("sales-30d-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var rtl = document.documentElement.dir === "rtl";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: "#d97706" }] },
      options: {
        responsive: true, maintainAspectRatio: false,
        locale: document.documentElement.lang || undefined,
        plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
        scales: { x: { reverse: rtl, ticks: { maxTicksLimit: 8 } }, y: { position: rtl ? "right" : "left" } }
      }
    });
  }
  function load(src, then) {
    if (typeof window.Chart !== "undefined") return then();
    var s = document.createElement("script");
    s.src = src; s.onload = then; document.head.appendChild(s);
  }
  function start() {
    var canvas = document.getElementById("sales-30d");
    if (canvas) load(canvas.dataset.chartjs, draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
