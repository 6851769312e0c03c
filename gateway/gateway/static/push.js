// The "Notifications on this device" panel of /ops/push (gateway.push.routes):
// subscribes this browser with the Push API to the gateway's VAPID key and registers the
// subscription with the gateway (a JSON POST with the page's CSRF token in X-CSRF-Token), or
// turns it off again. The service worker itself is registered by console.js on every page.
(function () {
  "use strict";

  function b64urlToBytes(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (problem) {
          throw new Error(problem.code || ("HTTP " + response.status));
        });
      }
      return response.status === 204 ? null : response.json();
    });
  }

  // Registers a PushSubscription (or its JSON) with the gateway; answers the stored id.
  function register(subscription, csrf, label) {
    var json = typeof subscription.toJSON === "function" ? subscription.toJSON() : subscription;
    return post("/ops/push/subscriptions", {endpoint: json.endpoint, keys: json.keys, label: label || ""}, csrf);
  }
  window.consolePush = {register: register};

  function start() {
    var panel = document.getElementById("push-panel");
    if (!panel) return;
    var status = document.getElementById("push-status");
    var on = document.getElementById("push-on");
    var off = document.getElementById("push-off");
    var csrf = panel.dataset.csrf;
    var key = panel.dataset.vapidKey;

    function say(text) { status.textContent = text; }
    function shown(subscribed) {
      on.hidden = subscribed;
      off.hidden = !subscribed;
    }

    if (!key) { say("Push notifications are not configured on this gateway."); return; }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("This browser cannot receive push notifications.");
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      shown(Boolean(subscription));
      say(subscription ? "Notifications are on for this device." : "Notifications are off for this device.");
      on.disabled = false;
      off.disabled = false;
    });

    on.addEventListener("click", function () {
      on.disabled = true;
      say("Asking for permission ...");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") throw new Error("permission " + permission);
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: b64urlToBytes(key)});
      }).then(function (subscription) {
        return register(subscription, csrf, navigator.userAgent.slice(0, 120));
      }).then(function () {
        shown(true);
        say("Notifications are on for this device. Reload to see it in the list.");
      }).catch(function (error) {
        say("Could not turn notifications on: " + error.message);
      }).then(function () { on.disabled = false; });
    });

    off.addEventListener("click", function () {
      off.disabled = true;
      navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription();
      }).then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return post("/ops/push/subscriptions/unsubscribe", {endpoint: endpoint}, csrf);
        });
      }).then(function () {
        shown(false);
        say("Notifications are off for this device.");
      }).catch(function (error) {
        say("Could not turn notifications off: " + error.message);
      }).then(function () { off.disabled = false; });
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
