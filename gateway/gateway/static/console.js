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
})();
