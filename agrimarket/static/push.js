/* "Bật thông báo trên điện thoại này" on /messages: with /sw.js (registered by app.js), asks for permission,
 * subscribes with our VAPID public key and hands the subscription to the server (the page's twin
 * of POST /api/v1/push-subscriptions, as a page signs in by cookie); "Tắt" undoes both.
 * The box (#push) carries the key, the CSRF token and the texts in data-* attributes: the CSP
 * allows no inline script.
 */
"use strict";

(function () {
  const box = document.getElementById("push");
  if (!box) {
    return;
  }
  const on = box.querySelector("[data-push-on]");
  const off = box.querySelector("[data-push-off]");
  const status = box.querySelector("[data-push-status]");
  const text = (name) => box.dataset[name] || "";

  function show(subscribed, message) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    status.textContent = message;
  }

  /** The VAPID public key (base64url, as the settings hold it) as the bytes subscribe() takes. */
  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function tell(path, fields) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      form.append(name, value);
    }
    const answer = await fetch(path, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "x-csrftoken": text("csrf") },
    });
    if (!answer.ok) {
      throw new Error("HTTP " + answer.status);
    }
  }

  async function subscribe(registration) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show(false, text("denied"));
      return;
    }
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(text("key")),
    });
    const json = subscription.toJSON();
    await tell("/messages/push-subscription", {
      endpoint: json.endpoint,
      p256dh: json.keys.p256dh,
      auth: json.keys.auth,
    });
    show(true, text("subscribed"));
  }

  async function unsubscribe(registration) {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await tell("/messages/push-subscription/remove", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false, text("unsubscribed"));
  }

  async function start() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      status.textContent = text("unsupported");
      return;
    }
    // app.js registers /sw.js on every signed-in page; ready is its active registration.
    const registration = await navigator.serviceWorker.ready;
    const current = await registration.pushManager.getSubscription();
    show(Boolean(current) && Notification.permission === "granted", "");
    const failed = () => (status.textContent = text("failed"));
    on.addEventListener("click", () => subscribe(registration).catch(failed));
    off.addEventListener("click", () => unsubscribe(registration).catch(failed));
    box.dataset.ready = "true"; // for the browser test: the buttons are wired
  }

  start().catch(() => (status.textContent = text("unsupported")));
})();
