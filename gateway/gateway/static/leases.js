// The console's leases (gateway.leases), on the calendar pages:
// 1. The booking form of a free cell holds its period (the server took the lease when it
//    rendered the page): renewed every data-heartbeat seconds, released when the page goes
//    (pagehide: navigator.sendBeacon), whether by booking, cancelling, leaving or closing the tab.
// 2. On the day view, opening a booking's "Cancel..." holds the booking's period; another's
//    hold closes it again with the refusal naming the holder; closing it releases.
// What the others hold is shown live by the day view's SSE (htmx's sse extension).
(function () {
  "use strict";

  function form(csrf, extra) {
    var body = new URLSearchParams();
    body.append("csrf_token", csrf);
    Object.keys(extra || {}).forEach(function (name) { if (extra[name]) body.append(name, extra[name]); });
    return body;
  }

  function post(url, body, keepalive) {
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", keepalive: !!keepalive});
  }

  function beacon(url, csrf) {
    var body = form(csrf);
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    post(url, body, true).catch(function () {});
  }

  // Renews a lease until it is released; `lost` is called when the server says it is gone.
  function keep(renewUrl, releaseUrl, csrf, seconds, lost) {
    var done = false;
    var timer = setInterval(function () {
      post(renewUrl, form(csrf)).then(function (reply) {
        if (reply.status === 410 || reply.status === 404) { stop(); lost(); }
      }).catch(function () {});
    }, Math.max(2, seconds) * 1000);
    function stop() { done = true; clearInterval(timer); }
    function release() {
      if (done) return;
      stop();
      beacon(releaseUrl, csrf);
    }
    window.addEventListener("pagehide", release);
    return release;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var mine = document.getElementById("lease");
    if (!mine) return;
    keep(mine.dataset.renewUrl, mine.dataset.releaseUrl, mine.dataset.csrf, Number(mine.dataset.heartbeat) || 10,
      function () {
        var status = mine.querySelector(".lease-status");
        if (status) status.textContent = "Your hold has lapsed: booking may now be refused if someone else took the period.";
      });
  });

  function say(details, text) {
    var card = details.closest(".booking-card") || details.parentNode;
    var old = card.querySelector(".lease-refused");
    if (old) old.remove();
    if (!text) return;
    var p = document.createElement("p");
    p.className = "notice notice-error lease-refused";
    p.setAttribute("role", "alert");
    p.textContent = text;
    details.parentNode.insertBefore(p, details);
  }

  // `toggle` does not bubble: listened to while it is captured.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.dataset.leaseBooking) return;
    var day = document.getElementById("day-live");
    if (!day) return;
    if (!details.open) {
      if (details._release) { details._release(); details._release = null; }
      return;
    }
    if (details._release || details._asking) return;
    details._asking = true;
    var body = form(day.dataset.csrf, {booking_id: details.dataset.leaseBooking, company_id: day.dataset.company});
    post(day.dataset.leasesUrl, body).then(function (reply) {
      return reply.json().then(function (answer) { return {ok: reply.ok, answer: answer}; });
    }).then(function (result) {
      details._asking = false;
      if (!result.ok) {
        details.open = false;
        say(details, "Refused: " + (result.answer.detail || "another staff member holds this booking."));
        return;
      }
      say(details, "");
      var lease = result.answer;
      details._release = keep(lease.renew_url, lease.release_url, day.dataset.csrf, lease.heartbeat_seconds,
        function () { details._release = null; });
      if (!details.open) { details._release(); details._release = null; }
    }).catch(function () { details._asking = false; });
  }, true);
})();
