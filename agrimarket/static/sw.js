/* agrimarket's service worker, served at /sw.js (scope "/") by agrimarket/web/service_worker.py.
 *
 * Today it does one job: Web Push. A message the webpush channel sends
 * (integrations/channels/webpush.py: {"title", "body", "url", "id"}) is shown as a notification,
 * and a tap on it opens its page, in a tab of ours when one is open.
 *
 * Kept small, hand-written and in sections on purpose: the offline app (issue #22: app-shell
 * caching, background sync) adds its own "install"/"activate"/"fetch"/"sync" handlers below, in
 * this same file, as a browser runs one service worker per scope. The handlers stay one line
 * each; their logic lives in named functions (global in this classic worker script), which the
 * browser tests call directly: a synthetic event cannot call waitUntil().
 */
"use strict";

const FALLBACK_TITLE = "Chợ Nông Sản";
const FALLBACK_URL = "/messages";

/* ---- life cycle: take over open pages at once, so a page that just subscribed is ours. ---- */

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/* ---- Web Push ---- */

/** The notification a push payload asks for; a payload that is not our JSON still shows something. */
function notificationFor(text) {
  let data = {};
  try {
    data = JSON.parse(text || "{}") || {};
  } catch (error) {
    data = { body: String(text || "") };
  }
  return {
    title: String(data.title || FALLBACK_TITLE),
    options: {
      body: String(data.body || ""),
      // One notification per message: a repeat of the same message replaces it.
      tag: data.id ? "message-" + data.id : undefined,
      lang: "vi",
      data: { url: ourUrl(data.url) },
    },
  };
}

/** A link of ours, made same-origin: a tap never opens another site. */
function ourUrl(link) {
  try {
    const url = new URL(link || FALLBACK_URL, self.location.origin);
    return new URL(url.pathname + url.search + url.hash, self.location.origin).href;
  } catch (error) {
    return new URL(FALLBACK_URL, self.location.origin).href;
  }
}

function showPush(text) {
  const wanted = notificationFor(text);
  return self.registration.showNotification(wanted.title, wanted.options);
}

/** Focus a tab already on the link; else bring one of our tabs to it; else open a new one. */
async function openLink(url) {
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = tabs.find((tab) => tab.url === url);
  if (same) {
    return same.focus().catch(() => same);
  }
  for (const tab of tabs) {
    // navigate() works on the tabs this worker controls; the others are left alone.
    const moved = await tab.navigate(url).catch(() => null);
    if (moved) {
      return moved.focus().catch(() => moved);
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener("push", (event) => event.waitUntil(showPush(event.data ? event.data.text() : "")));

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openLink(ourUrl((event.notification.data || {}).url)));
});

/* ---- #22 (offline app): app-shell caching and background sync handlers go here. ---- */
