// The console's own script (no inline script: the pages' CSP allows only the gateway's files).
// 1. A form with data-confirm asks before it is sent (replay, discard, retry, compensate).
// 2. <time data-relative datetime=...> shows "3m 04s ago" and keeps it current.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  function age(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (seconds < 60) return seconds + "s";
    if (seconds < 3600) return Math.floor(seconds / 60) + "m " + two(seconds % 60) + "s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + "h " + two(Math.floor(seconds % 3600 / 60)) + "m";
    return Math.floor(seconds / 86400) + "d " + two(Math.floor(seconds % 86400 / 3600)) + "h";
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll("time[data-relative]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) el.textContent = age((now - at) / 1000) + " ago";
    });
  }
  setInterval(refresh, 5000);

  // 3. A <div data-chart> (the dashboard's sagas per bucket) is drawn with the vendored uPlot,
  //    again after htmx swapped a live summary in, and resized with the window.
  function drawCharts() {
    if (!window.uPlot) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn === el.dataset.chart) return;
      var data = JSON.parse(el.dataset.chart);
      el.textContent = "";
      el.dataset.drawn = el.dataset.chart;
      // data: {"x": [epoch s], "series": [{"label", "color", "values"}]}; a null value is a gap.
      var series = [{}];
      var columns = [data.x];
      data.series.forEach(function (s) {
        // A series with gaps (times of the buckets where sagas ended) marks its points: an
        // isolated bucket would otherwise draw nothing.
        series.push({label: s.label, stroke: s.color, width: 2, points: {show: !!s.points, size: 6, fill: s.color}, spanGaps: false});
        columns.push(s.values);
      });
      el._plot = new window.uPlot({
        width: Math.max(200, el.clientWidth),
        height: 180,
        legend: {show: false},
        // The page's times are UTC: so are the axis's.
        tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
        cursor: {show: false},
        series: series,
        axes: [{stroke: "#4b5563"}, {stroke: "#4b5563"}]
      }, columns, el);
    });
  }
  document.addEventListener("DOMContentLoaded", drawCharts);
  document.addEventListener("htmx:afterSettle", drawCharts);
  // 4. The service worker of the installable console (Web Push for staff, gateway.push):
  //    /ops/sw.js with the scope /ops/, on every console page.
  if ("serviceWorker" in navigator && window.location.pathname.indexOf("/ops/") === 0) {
    navigator.serviceWorker.register("/ops/sw.js", {scope: "/ops/"}).catch(function (error) {
      console.warn("service worker not registered: " + error.message);
    });
  }
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el._plot) el._plot.setSize({width: Math.max(200, el.clientWidth), height: 180});
    });
  });
})();
