// The dashboard's 30-day sales chart (Chart.js, vendored). Data: #sales-30d-data.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("sales-30d");
    var source = document.getElementById("sales-30d-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var rtl = document.documentElement.dir === "rtl";
    var locale = document.documentElement.lang || undefined;
    // Phones get fewer day labels (kept horizontal) and short amounts ("1.2M", "۱٫۲ میلیون").
    function dayTicks(width) { return width < 400 ? 4 : width < 640 ? 6 : 10; }
    function narrow(width) { return width < 640; }
    var width = canvas.parentNode.clientWidth;
    var compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
    var full = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: "#d97706" }] },
      options: {
        responsive: true, maintainAspectRatio: false,
        locale: locale,
        plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
        scales: {
          x: { reverse: rtl, ticks: { maxTicksLimit: dayTicks(width), maxRotation: 0, autoSkip: true } },
          y: { position: rtl ? "right" : "left",
               ticks: { maxTicksLimit: narrow(width) ? 4 : 6,
                        callback: function (value) {
                          return (narrow(chart ? chart.width : width) ? compact : full).format(value);
                        } } }
        },
        onResize: function (c, size) {
          c.options.scales.x.ticks.maxTicksLimit = dayTicks(size.width);
          c.options.scales.y.ticks.maxTicksLimit = narrow(size.width) ? 4 : 6;
        }
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
