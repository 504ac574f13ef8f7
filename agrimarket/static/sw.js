/* agrimarket's service worker, served at /sw.js (scope "/") by agrimarket/web/service_worker.py.
 *
 * Two jobs: Web Push (below) and the offline app (issue #22, at the end).
 * Web Push: a message the webpush channel sends
 * (integrations/channels/webpush.py: {"title", "body", "url", "id"}) is shown as a notification,
 * and a tap on it opens its page, in a tab of ours when one is open.
 *
 * Kept small, hand-written and in sections on purpose: the offline app (app-shell caching, the
 * household's pages, background sync) has its own "install"/"activate"/"fetch"/"sync" handlers
 * below, in this same file, as a browser runs one service worker per scope. The handlers stay one line
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

/* ---- #22 (offline app): the app shell, the household's pages, and Background Sync ----
 *
 * Hand-written rather than Workbox: three small strategies (precache, network-first pages, a
 * sync that calls outbox.js) are fewer lines than vendoring and configuring Workbox, and the
 * offline banner and the logout purge are ours either way.
 *
 * The shell's versioned URLs are written into this script by the server (BUILD below, see
 * agrimarket/web/service_worker.py), not collected on first fetch: the page that registers the
 * worker has already loaded its CSS and JS before the worker runs, so caching on first fetch
 * would leave the shell out until a second visit. A changed file changes these bytes, so the
 * browser installs the new worker, which precaches the new shell and drops the old one.
 */

const BUILD = /*BUILD*/ { shell: [], cache: "shell-dev" };
const PAGES = "pages";
// The household's pages kept for reading offline (network first, the last copy when no signal).
const KEPT_PAGES = [
  /^\/products$/,
  /^\/products\/new$/,
  /^\/orders\/?$/,
  /^\/orders\/\d+$/,
  // The ship form as the marketplace last offered it (carrier, pickup slots, post offices): the
  // options are asked of the marketplace live, so its kept copy is what a farmer chooses from offline.
  /^\/orders\/\d+\/ship$/,
  /^\/batches\/\d+$/,
];

const outboxScript = BUILD.shell.find((url) => url.startsWith("/static/outbox.js"));
if (outboxScript) {
  importScripts(outboxScript); // self.Outbox: the same queue the pages keep
}

async function precacheShell() {
  const cache = await caches.open(BUILD.cache);
  await cache.addAll(BUILD.shell);
}

async function dropOldShells() {
  for (const name of await caches.keys()) {
    if (name.startsWith("shell-") && name !== BUILD.cache) {
      await caches.delete(name);
    }
  }
}

function cachedTime(date) {
  const two = (n) => String(n).padStart(2, "0");
  return two(date.getHours()) + ":" + two(date.getMinutes());
}

/** The kept copy with "Đang ngoại tuyến · dữ liệu lúc HH:MM" at the top of its <main>. */
async function offlineCopy(copy) {
  const html = await copy.text();
  const at = new Date(Number(copy.headers.get("x-cached-at")) || Date.now());
  const english = /<html lang="en"/.test(html);
  const text = english
    ? "Offline · data from " + cachedTime(at)
    : "Đang ngoại tuyến · dữ liệu lúc " + cachedTime(at);
  const banner = '<p class="offline-banner" role="status" data-offline-banner>' + text + "</p>";
  return new Response(html.replace("<main>", "<main>" + banner), {
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

function notKept() {
  const text =
    "Đang ngoại tuyến, và trang này chưa từng mở trên điện thoại này. " +
    "(Offline, and this page was not opened before on this phone.)";
  return new Response(
    '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
      '<p class="offline-banner" role="status" data-offline-banner>' + text + "</p>" +
      '<p><a href="/products">Sản phẩm của tôi</a></p>',
    { status: 503, headers: { "content-type": "text/html; charset=utf-8" } }
  );
}

/** Network first; a good answer is kept with the time it was kept; no network: the kept copy. */
async function pageNetworkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const answer = await fetch(request);
    const type = answer.headers.get("content-type") || "";
    if (answer.ok && !answer.redirected && type.startsWith("text/html")) {
      const headers = new Headers({ "content-type": type });
      headers.set("x-cached-at", String(Date.now()));
      const copy = new Response(await answer.clone().blob(), { status: answer.status, headers });
      await cache.put(request.url, copy);
    }
    return answer;
  } catch (error) {
    const copy = await cache.match(request.url);
    return copy ? offlineCopy(copy) : notKept();
  }
}

async function shellCacheFirst(request) {
  return (await caches.match(request, { cacheName: BUILD.cache })) || fetch(request);
}

/** Logging out forgets the pages kept for this user and stops sending their queue. */
async function logout(request) {
  await caches.delete(PAGES);
  if (self.Outbox) {
    await self.Outbox.setUser(null).catch(() => null);
  }
  return fetch(request);
}

function route(event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return null;
  }
  if (request.method === "POST" && url.pathname === "/logout") {
    return logout(request);
  }
  if (request.method !== "GET") {
    return null; // writes go to the network; the pages queue them when it fails (app.js)
  }
  if (request.mode === "navigate" && KEPT_PAGES.some((page) => page.test(url.pathname))) {
    return pageNetworkFirst(request);
  }
  if (BUILD.shell.includes(url.pathname + url.search)) {
    return shellCacheFirst(request);
  }
  return null;
}

/** Background Sync: the queue sent from the worker, each answer told to the open pages. */
async function syncOutbox() {
  if (!self.Outbox) {
    return;
  }
  const tabs = await self.clients.matchAll({ type: "window" });
  const done = await self.Outbox.replay((item, html) => {
    tabs.forEach((tab) => tab.postMessage({ type: "outbox-done", item: item, html: html }));
  });
  if (!done) {
    throw new Error("still queued"); // the browser tries the sync again later
  }
}

self.addEventListener("install", (event) => event.waitUntil(precacheShell()));
self.addEventListener("activate", (event) => event.waitUntil(dropOldShells()));
self.addEventListener("fetch", (event) => {
  const answer = route(event);
  if (answer) {
    event.respondWith(answer);
  }
});
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") {
    event.waitUntil(syncOutbox());
  }
});
