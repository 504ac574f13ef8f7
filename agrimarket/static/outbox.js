/* The queue of writes made without a signal ("Hàng chờ gửi", issue #22), in IndexedDB.
 *
 * Shared by the pages (a <script> in base.html) and the service worker (importScripts in sw.js,
 * for Background Sync): one implementation of how a queued write is kept and sent again.
 * It knows nothing of the page; app.js draws the queue and hooks the forms.
 *
 * Each write carries an idempotency key made on the phone, so sending it again (a reload in the
 * middle of the replay, a page and the worker replaying at once, an answer lost on the way back)
 * is applied once by the server (agrimarket/web/idempotency.py). Writes are sent in the order
 * they were made; a network error stops the replay and leaves the rest queued, in order.
 */
"use strict";

(function (scope) {
  const DB_NAME = "agrimarket-outbox";
  const WRITES = "writes";
  const META = "meta";
  const LOCK = "agrimarket-outbox";
  const KEEP_DONE_MS = 3 * 24 * 3600 * 1000; // like the server's keys: fates older than this go

  let opened = null;

  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore(WRITES, { keyPath: "id", autoIncrement: true });
          request.result.createObjectStore(META);
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }

  /** One request in its own transaction, resolved when the transaction has committed. */
  async function one(storeName, mode, makeRequest) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = makeRequest(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const all = () => one(WRITES, "readonly", (store) => store.getAll());
  const put = (item) => one(WRITES, "readwrite", (store) => store.put(item));
  const remove = (id) => one(WRITES, "readwrite", (store) => store.delete(id));

  /** The signed-in user the queue may be sent for: set by each signed-in page, cleared at logout,
   * so one farmer's queued writes are never sent with the next farmer's session. */
  const currentUser = () => one(META, "readonly", (store) => store.get("user"));
  const setUser = (user) =>
    one(META, "readwrite", (store) => (user ? store.put(String(user), "user") : store.delete("user")));

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) {
      return scope.crypto.randomUUID();
    }
    const bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Keep a write: {key, user, url, body (urlencoded) or parts, csrf, label, target, fields}. */
  async function add(write) {
    const item = Object.assign({ state: "queued", reason: "", queuedAt: Date.now() }, write);
    item.id = await put(item);
    return item;
  }

  /** The server's reason in a refused answer: the fragment's alert (card, diary, form) or the
   * error page's heading; else the HTTP status. Text only: no DOM in a worker. */
  function reasonIn(html, status) {
    const found =
      /role="alert"[^>]*>([\s\S]*?)<\/(p|div|span|section)>/i.exec(html) ||
      /class="[^"]*\berror\b[^"]*"[^>]*>([\s\S]*?)<\/(p|div|span)>/i.exec(html) ||
      /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
    const text = found
      ? found[1]
          .replace(/<[^>]*>/g, " ")
          .replace(/&#34;|&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&amp;/g, "&")
          .replace(/\s+/g, " ")
          .trim()
      : "";
    return text || "HTTP " + status;
  }

  /** The body to send: urlencoded text, or (a product with its photos) multipart rebuilt from the
   * kept parts; fetch then writes the multipart boundary and its content type itself. */
  function bodyOf(item) {
    if (!item.parts) {
      return { body: item.body, type: { "content-type": "application/x-www-form-urlencoded" } };
    }
    const form = new FormData();
    for (const part of item.parts) {
      if (part.blob) {
        form.append(part.name, part.blob, part.filename);
      } else {
        form.append(part.name, part.value);
      }
    }
    return { body: form, type: {} };
  }

  /** Send one write with its key. "sent" (2xx/3xx), "refused" (4xx), or null: still queued
   * (no network, or a 5xx, after which the server remembered nothing and the key may be reused). */
  async function send(item) {
    let answer;
    try {
      const sent = bodyOf(item);
      answer = await fetch(item.url, {
        method: "POST",
        body: sent.body,
        credentials: "same-origin",
        headers: {
          ...sent.type,
          "x-csrftoken": item.csrf,
          "idempotency-key": item.key,
          "hx-request": "true",
        },
      });
    } catch (error) {
      return { state: null, html: "" };
    }
    if (answer.status >= 500) {
      return { state: null, html: "" };
    }
    const html = await answer.text();
    const state = answer.status < 400 ? "sent" : "refused";
    // Where the answer came from after redirects: an order desk action's own state, to follow.
    return { state: state, status: answer.status, html: html, landed: answer.url };
  }

  /** Send the queued writes of the signed-in user, oldest first; onEach(item, html) after each.
   * One replay at a time across tabs and the worker (Web Locks); without locks a second replay
   * only repeats a key, which the server answers from its store. True when nothing is left. */
  async function replay(onEach) {
    const run = async () => {
      const user = await currentUser();
      if (!user) {
        return false;
      }
      const items = (await all()).filter((item) => item.state === "queued" && item.user === user);
      items.sort((a, b) => a.id - b.id);
      for (const item of items) {
        const result = await send(item);
        if (result.state === null) {
          return false;
        }
        item.state = result.state;
        item.status = result.status;
        item.reason = result.state === "refused" ? reasonIn(result.html, result.status) : "";
        item.landed = result.landed || "";
        item.doneAt = Date.now();
        await put(item);
        if (onEach) {
          onEach(item, result.html);
        }
      }
      await forgetOld();
      return true;
    };
    const locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(LOCK, run) : run();
  }

  async function forgetOld() {
    const now = Date.now();
    for (const item of await all()) {
      if (item.state !== "queued" && now - (item.doneAt || now) > KEEP_DONE_MS) {
        await remove(item.id);
      }
    }
  }

  scope.Outbox = { add, all, put, remove, replay, newKey, currentUser, setUser, reasonIn };
})(self);
