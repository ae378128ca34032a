// The gold rate history chart of the rate board page (Chart.js, vendored).
// Data comes from the json_script element #rate-history-data.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("rate-history");
    var source = document.getElementById("rate-history-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var colours = ["#b45309", "#d97706", "#ca8a04", "#a16207", "#78716c"];
    data.datasets.forEach(function (set, i) {
      set.borderColor = colours[i % colours.length];
      set.backgroundColor = colours[i % colours.length];
      set.spanGaps = true;
      set.pointRadius = 0;
      set.tension = 0.2;
    });
    var rtl = document.documentElement.dir === "rtl";
    var lang = document.documentElement.lang || undefined;
    new window.Chart(canvas, {
      type: "line",
      data: data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        locale: lang,
        plugins: { legend: { rtl: rtl, position: "bottom" }, tooltip: { rtl: rtl } },
        scales: { x: { reverse: rtl, ticks: { maxTicksLimit: 8 } }, y: { position: rtl ? "right" : "left" } }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
