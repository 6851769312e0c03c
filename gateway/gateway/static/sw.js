// The console's service worker, served as /ops/sw.js (scope /ops/) by gateway.push.routes.
// It makes the console installable and shows the gateway's Web Push notifications for staff:
// each push is the JSON of gateway.push.delivery.notification (title, body, url, tag),
// decrypted by the browser; a click opens (or focuses) that console page.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Only pages of the console (under /ops/) are ever opened from a notification.
function consolePage(url) {
  try {
    var target = new URL(url || "/ops/start", self.location.origin);
    if (target.origin === self.location.origin && target.pathname.indexOf("/ops/") === 0) {
      return target.href;
    }
  } catch (e) { /* not a URL: the home page */ }
  return new URL("/ops/start", self.location.origin).href;
}

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {body: event.data ? event.data.text() : ""};
  }
  var title = data.title || "Booking platform";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: {url: consolePage(data.url), event_id: data.event_id || null}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = consolePage(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
    }
    for (var j = 0; j < windows.length; j++) {
      if ("navigate" in windows[j] && new URL(windows[j].url).pathname.indexOf("/ops/") === 0) {
        return windows[j].navigate(url).then(function (client) { return client && client.focus(); });
      }
    }
    return self.clients.openWindow(url);
  }));
});
