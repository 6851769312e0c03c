// The statistics page's chart (gateway.pages.stats): the figures per local day, drawn with the
// vendored uPlot from the data-stats-chart attribute (no inline script under the console's CSP).
// Revenue on the left axis, bookings confirmed and cancelled on the right one. The same
// figures are in the page's per-day table, for screen readers and without JavaScript.
(function () {
  "use strict";
  var HEIGHT = 220;

  function width(el) { return Math.max(240, el.clientWidth); }

  function draw() {
    if (!window.uPlot) return;
    document.querySelectorAll("[data-stats-chart]").forEach(function (el) {
      var data = JSON.parse(el.dataset.statsChart);
      el.textContent = "";
      function series(label, color, scale, fill) {
        return {label: label, stroke: color, width: 2, scale: scale, fill: fill, points: {show: data.x.length < 40}};
      }
      el._plot = new window.uPlot({
        width: width(el),
        height: HEIGHT,
        legend: {show: false},
        cursor: {show: true, drag: {x: false, y: false}},
        // x is each local day's date at 00:00 UTC: drawn in UTC, the labels are the local dates.
        tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
        scales: {x: {time: true}, money: {auto: true}, count: {auto: true}},
        series: [
          {},
          series("revenue", "#0b57b0", "money", "rgba(11,87,176,0.12)"),
          series("confirmed", "#1e7b34", "count"),
          series("cancelled", "#b3261e", "count")
        ],
        axes: [
          {stroke: "#4b5563"},
          {stroke: "#0b57b0", scale: "money"},
          {stroke: "#1e7b34", scale: "count", side: 1, grid: {show: false}}
        ]
      }, [data.x, data.revenue, data.confirmed, data.cancelled], el);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-stats-chart]").forEach(function (el) {
      if (el._plot) el._plot.setSize({width: width(el), height: HEIGHT});
    });
  });
})();
