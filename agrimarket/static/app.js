/* Every page's small script (issue #22): the installable app and the offline writes.
 *
 * - Registers the site's one service worker (/sw.js) on signed-in pages; push.js waits for it.
 * - Offers "Thêm vào màn hình chính" once (beforeinstallprompt; the answer is kept in localStorage).
 * - The one-tap writes (stock ±, price, diary entries) go out with an Idempotency-Key made here;
 *   without a signal (or when the request fails on the network) the write is kept in the outbox
 *   (outbox.js, IndexedDB) and sent again, in order, on "online", on the next page load, and by
 *   Background Sync in the worker where the browser has it.
 * - Draws "Hàng chờ gửi": each queued write and its fate.
 * - Puts the page's CSRF token (<meta name="csrf-token">) on every htmx request.
 * No inline script (the CSP allows none): texts come from here, in the page's language.
 */
"use strict";

(function () {
  const body = document.body;
  const user = body.dataset.user || "";
  const english = document.documentElement.lang === "en";
  const t = (vi, en) => (english ? en : vi);
  // The routes whose writes may wait for a signal; each honours Idempotency-Key on the server.
  const QUEUEABLE = [/^\/products\/\d+\/(stock|price)$/, /^\/batches\/\d+\/events$/];
  const INSTALL_ASKED = "install-offered";
  // Where a desk tap sent from the queue lands: its action's state, followed until the marketplace
  // has answered (below).
  const DESK_ACTION = /\/orders\/\d+\/actions\/\d+$/;
  const FOLLOW_EVERY_MS = 3000;
  let following = null;

  /* ---- CSRF: every htmx request carries the page's token ---- */

  // The page names its token in <meta name="csrf-token"> (hx-headers is no valid attribute of
  // <body>). Registered first, so the outbox's listener below finds the header already set.
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  body.addEventListener("htmx:configRequest", (event) => {
    if (csrfMeta && csrfMeta.content) {
      event.detail.headers["x-csrftoken"] = csrfMeta.content;
    }
  });

  /* ---- the service worker ---- */

  if (user && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type === "outbox-done") {
        settled(data.item, data.html);
        follow(); // a desk tap the worker sent: its marketplace answer is followed from here
      }
    });
  }

  /* ---- "Thêm vào màn hình chính", offered once ---- */

  const installButton = document.getElementById("install");
  window.addEventListener("beforeinstallprompt", (event) => {
    if (!installButton || localStorage.getItem(INSTALL_ASKED)) {
      return; // the browser's own mini bar may show; we do not ask again
    }
    event.preventDefault();
    installButton.hidden = false;
    installButton.addEventListener(
      "click",
      async () => {
        installButton.hidden = true;
        localStorage.setItem(INSTALL_ASKED, "1");
        event.prompt();
        await event.userChoice.catch(() => null);
      },
      { once: true }
    );
  });
  window.addEventListener("appinstalled", () => localStorage.setItem(INSTALL_ASKED, "1"));

  if (!user || !window.Outbox) {
    return; // signed out: nothing to queue
  }
  const Outbox = window.Outbox;

  /* ---- the forms: a key on every queueable write; queued when there is no signal ---- */

  const queueable = (config) =>
    config && config.verb === "post" && QUEUEABLE.some((route) => route.test(config.path));

  body.addEventListener("htmx:configRequest", (event) => {
    const config = event.detail;
    if (!queueable(config)) {
      return;
    }
    config.headers["Idempotency-Key"] = Outbox.newKey();
    if (!navigator.onLine) {
      event.preventDefault(); // not sent: kept, and sent when the signal returns
      keep(config);
    }
  });

  // The order desk's forms post without htmx: offline, they are kept the same way instead of failing
  // to load, each with its own key (the page's form key is the same for every tap on a kept copy).
  // The ship form is chosen from the options its kept copy shows (sw.js keeps /orders/{id}/ship).
  const DESK_FORM = /^\/orders\/\d+\/(confirm|cancel|cancellation|ship)$/;
  body.addEventListener("submit", (event) => {
    const form = event.target;
    const path = new URL(form.action, location.href).pathname;
    if (navigator.onLine || form.method !== "post" || !DESK_FORM.test(path)) {
      return;
    }
    event.preventDefault();
    const formData = new FormData(form, event.submitter);
    const headers = { "Idempotency-Key": Outbox.newKey(), "x-csrftoken": formData.get("_csrf_token") || "" };
    keep({ path: path, formData: formData, headers: headers, target: null, elt: event.submitter || form }, form);
    if (panel) {
      panel.open = true; // no card to mark: the queue itself shows the farmer it is kept
    }
  });

  // Sent but no answer: it may or may not have arrived, so it is kept with the same key.
  body.addEventListener("htmx:sendError", (event) => {
    const config = event.detail.requestConfig;
    if (queueable(config) && config.headers["Idempotency-Key"]) {
      keep(config);
    }
  });

  /** What was typed, without the CSRF field (the token goes in a header). */
  function typed(formData) {
    const fields = {};
    for (const [name, value] of formData.entries()) {
      if (name !== "_csrf_token" && typeof value === "string") {
        fields[name] = value;
      }
    }
    return fields;
  }

  /** A line the farmer recognises: "Cà chua · Thêm 1", "Cà chua · Đổi giá: 25000". */
  function describe(element, fields) {
    const card = element.closest("[data-product-id]");
    const product = card ? card.querySelector("h2") : null;
    const submit = element.tagName === "FORM" ? element.querySelector("[type=submit]") : null;
    const action = (element.getAttribute("aria-label") || (submit || element).textContent || "").trim();
    const shown = Object.entries(fields)
      .filter(([name]) => !["kind", "delta", "key", "accept"].includes(name))
      .map(([, value]) => value)
      .filter(Boolean);
    return [product ? product.textContent.trim() : "", action + (shown.length ? ": " + shown.join(", ") : "")]
      .filter(Boolean)
      .join(" · ");
  }

  /** A desk action as the farmer chose it: "Voso · VS0000001 · Xác nhận gửi hàng: 08:00–12:00 …",
   * the chosen radios by their words (a slot, a post office, a reason), not their codes. */
  function describeDesk(form, submitter) {
    const order = form.closest("[data-order-label]");
    const action = ((submitter && submitter.textContent) || "").trim();
    const chosen = Array.from(form.querySelectorAll("input[type=radio]:checked"), (radio) =>
      (radio.closest("label") || radio).textContent.replace(/\s+/g, " ").trim()
    ).filter(Boolean);
    return [order ? order.dataset.orderLabel : "", action + (chosen.length ? ": " + chosen.join(", ") : "")]
      .filter(Boolean)
      .join(" · ");
  }

  async function keep(config, deskForm) {
    const fields = typed(config.formData);
    const target = config.target && config.target.id ? "#" + config.target.id : "";
    const item = await Outbox.add({
      key: config.headers["Idempotency-Key"],
      user: user,
      url: config.path,
      body: new URLSearchParams(fields).toString(),
      csrf: config.headers["x-csrftoken"] || "",
      label: deskForm ? describeDesk(deskForm, config.elt) : describe(config.elt, fields),
      target: target,
      fields: fields,
    });
    noteOn(item);
    await draw();
    askForSync();
  }

  function askForSync() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready
        .then((registration) => registration.sync && registration.sync.register("outbox"))
        .catch(() => {}); // no Background Sync: "online" and the next page load send the queue
    }
  }

  /* ---- on the page: a queued write's note on its card or diary ---- */

  function noteOn(item) {
    const target = item.target && document.querySelector(item.target);
    if (!target) {
      return;
    }
    let notes = target.querySelector("[data-outbox-notes]");
    if (!notes) {
      notes = document.createElement("ul");
      notes.className = "queued";
      notes.dataset.outboxNotes = "";
      target.appendChild(notes);
    }
    const note = document.createElement("li");
    note.dataset.outboxNote = String(item.id);
    note.textContent = "⏳ " + t("Đang chờ gửi", "Waiting to send") + ": " + item.label;
    notes.appendChild(note);
  }

  /** A write's answer arrived: the card or diary is drawn again from it, and a refused write
   * puts back what was typed, beside the server's reason, so it can be fixed and sent again. */
  function settled(item, html) {
    const target = item.target && document.querySelector(item.target);
    if (target && html && window.htmx) {
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      const fresh = holder.content.firstElementChild;
      if (fresh && fresh.id === target.id) {
        target.replaceWith(fresh);
        window.htmx.process(fresh);
        if (item.state === "refused") {
          putBack(fresh, item.fields);
        }
        for (const other of document.querySelectorAll("[data-outbox-note]")) {
          other.remove(); // drawn again below for the writes still waiting
        }
        Outbox.all().then((items) => items.filter((i) => i.state === "queued").forEach(noteOn));
      }
    }
    const form = !item.target && item.state === "refused" && document.querySelector(`form[action="${item.url}"]`);
    if (form) {
      putBack(form, item.fields); // a refused new product: typed again for the farmer to fix
    }
    draw();
  }

  function putBack(element, fields) {
    for (const [name, value] of Object.entries(fields || {})) {
      const named = `[name="${CSS.escape(name)}"]`;
      // A radio (a slot, a post office, a reason) is chosen again; a text field is typed again.
      const input =
        element.querySelector(`input[type=radio]${named}[value="${CSS.escape(value)}"]`) ||
        element.querySelector(`${named}:not([type=hidden]):not([type=radio])`);
      if (input) {
        if (input.type === "radio") {
          input.checked = true;
        } else {
          input.value = value;
        }
        const details = input.closest("details");
        if (details) {
          details.open = true;
        }
      }
    }
  }

  /* ---- "Hàng chờ gửi": the queue and each write's fate ---- */

  const panel = document.getElementById("outbox");

  function fate(item) {
    if (item.state === "sent" && awaitingMarket(item)) {
      return "✔ " + t("Đã gửi · chờ sàn trả lời…", "Sent · waiting for the marketplace…");
    }
    if (item.state === "sent") {
      return "✔ " + t("Đã gửi", "Sent") + (item.answered ? t(" · sàn đã nhận", " · the marketplace took it") : "");
    }
    if (item.state === "refused") {
      return "✖ " + t("Bị từ chối", "Refused") + ": " + item.reason;
    }
    return "⏳ " + t("Đang chờ gửi", "Waiting to send");
  }

  async function draw() {
    if (!panel) {
      return;
    }
    const items = (await Outbox.all()).filter((item) => item.user === user);
    items.sort((a, b) => a.id - b.id);
    panel.hidden = items.length === 0;
    panel.querySelector("[data-outbox-count]").textContent = String(
      items.filter((item) => item.state === "queued").length
    );
    const list = panel.querySelector("[data-outbox-list]");
    list.replaceChildren(
      ...items.map((item) => {
        const line = document.createElement("li");
        line.dataset.state = item.state;
        line.dataset.outboxItem = String(item.id);
        const what = document.createElement("span");
        what.textContent = item.label + " — " + fate(item);
        line.appendChild(what);
        if (item.state !== "queued") {
          const drop = document.createElement("button");
          drop.type = "button";
          drop.className = "secondary small";
          drop.textContent = t("Ẩn", "Hide");
          drop.addEventListener("click", () => Outbox.remove(item.id).then(draw));
          line.appendChild(drop);
        }
        return line;
      })
    );
    panel.dataset.ready = "true"; // for the browser test: the panel shows the stored queue
  }

  let replaying = null;
  function sendQueue() {
    if (!navigator.onLine) {
      return Promise.resolve(false);
    }
    if (!replaying) {
      replaying = Outbox.replay(settled)
        .catch(() => false)
        .finally(() => {
          replaying = null;
          draw().then(follow);
        });
    }
    return replaying;
  }

  /* ---- the order desk's taps, followed to the marketplace's answer ---- */

  // A desk tap sent from the queue lands on its action (/orders/{id}/actions/{id}, JSON): our server
  // took it, and the desk's outbox sends it on. The marketplace answers later and may refuse (a
  // pickup slot it no longer offers): that refusal is the tap's fate too, shown with what was chosen.
  function awaitingMarket(item) {
    return item.state === "sent" && !item.answered && DESK_ACTION.test(item.landed || "");
  }

  async function follow() {
    clearTimeout(following);
    if (!navigator.onLine) {
      return;
    }
    const waiting = (await Outbox.all()).filter((item) => item.user === user && awaitingMarket(item));
    for (const item of waiting) {
      const action = await fetch(item.landed, { credentials: "same-origin", headers: { accept: "application/json" } })
        .then((answer) => (answer.ok ? answer.json() : null))
        .catch(() => null);
      if (!action || !["done", "failed", "dead"].includes(action.status)) {
        continue; // still on its way: asked again below
      }
      item.answered = true;
      if (action.status !== "done") {
        item.state = "refused";
        item.reason = (english ? action.reason_en : action.reason_vi) || action.status_vi;
      }
      await Outbox.put(item);
    }
    await draw();
    if (waiting.some(awaitingMarket)) {
      following = setTimeout(follow, FOLLOW_EVERY_MS);
    }
  }

  window.addEventListener("online", sendQueue);
  // Another script kept a write (new_product.js): show it and ask for a sync.
  window.addEventListener("outbox-kept", () => {
    draw();
    askForSync();
    if (panel) {
      panel.open = true;
    }
  });
  Outbox.currentUser()
    .then((before) => {
      // Another farmer signed in without logging out (a session that expired): their kept pages go.
      if (before && before !== user && window.caches) {
        return caches.delete("pages");
      }
      return null;
    })
    .then(() => Outbox.setUser(user))
    .then(draw)
    .then(() => Outbox.all())
    .then((items) => {
      items.filter((i) => i.state === "queued" && i.user === user).forEach(noteOn);
      // A refused desk tap: its choice selected again on its form (the slot, post office, reason).
      for (const item of items.filter((i) => i.state === "refused" && i.user === user)) {
        const form = DESK_FORM.test(item.url) && document.querySelector(`form[action="${item.url}"]`);
        if (form) {
          putBack(form, item.fields);
        }
      }
    })
    .then(sendQueue)
    .catch(() => {});
})();
