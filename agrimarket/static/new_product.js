/* A new product typed without a signal (issue #22): kept in the outbox with its photos, resized
 * here first (at most 1600 px on the long side, JPEG), so a queued product is a few hundred KB and
 * not the phone camera's 12 MB. Sent again by outbox.js like the one-tap writes, with its
 * Idempotency-Key (POST /products/new honours it; the multipart boundary is not compared).
 * With a signal the form posts as it always did: the server resizes the photos itself.
 */
"use strict";

(function () {
  const form = document.querySelector('form[action="/products/new"]');
  const user = document.body.dataset.user || "";
  if (!form || !user || !window.Outbox) {
    return;
  }
  const LONGEST = 1600;
  const QUALITY = 0.85;

  /** The photo drawn again at most LONGEST px on its long side, as JPEG. */
  async function resized(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    return { blob: blob, filename: file.name.replace(/\.[^.]*$/, "") + ".jpg" };
  }

  async function keep(formData) {
    const parts = [];
    const fields = {};
    for (const [name, value] of formData.entries()) {
      if (name === "_csrf_token") {
        continue; // sent as a header
      }
      if (value instanceof File) {
        if (value.size > 0) {
          parts.push(Object.assign({ name: name }, await resized(value)));
        }
      } else {
        parts.push({ name: name, value: value });
        fields[name] = value;
      }
    }
    const photos = parts.filter((part) => part.blob).length;
    const english = document.documentElement.lang === "en";
    const title = english ? "New product" : "Sản phẩm mới";
    await window.Outbox.add({
      key: window.Outbox.newKey(),
      user: user,
      url: "/products/new",
      parts: parts,
      csrf: String(formData.get("_csrf_token") || ""),
      label: title + ": " + (fields.name || "") + (photos ? " · 📷 " + photos : ""),
      target: "",
      fields: fields,
    });
    window.dispatchEvent(new CustomEvent("outbox-kept"));
  }

  form.addEventListener("submit", (event) => {
    if (navigator.onLine) {
      return;
    }
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    keep(data)
      .then(() => {
        form.reset();
        form.dataset.kept = "true"; // for the browser test
      })
      .finally(() => (button.disabled = false));
  });
})();

/* The marketplaces' questions (issue #24): only those the chosen category needs are shown. */
(function () {
  const category = document.getElementById("category");
  const fields = document.querySelectorAll(".marketplace-field[data-categories]");
  const fieldset = document.getElementById("marketplace-fields");
  if (!category || !fields.length) {
    return;
  }
  function show() {
    let shown = 0;
    fields.forEach((field) => {
      const wanted = field.dataset.categories.split(" ").includes(category.value);
      field.hidden = !wanted;
      shown += wanted ? 1 : 0;
    });
    fieldset.hidden = shown === 0;
  }
  category.addEventListener("change", show);
  show();
})();
