/* Desa Cerdas: upload with progress, as progressive enhancement of a form marked data-upload.
   Without this script (or without XHR/FormData) the form posts normally. The same form, with its
   csrf_token field, is sent with XMLHttpRequest asking for JSON; the server answers {"url": ...}
   on success or {"error": {"message": ...}} on failure. Messages come from the page's data-msg-*
   attributes, so they are translated on the server. No framework, no CDN. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest || !("upload" in new XMLHttpRequest())) return;
  var msg = form.dataset;
  var box = form.querySelector(".upload-progress");
  var bar = box.querySelector("progress");
  var status = box.querySelector(".upload-status");
  var alertBox = form.querySelector(".upload-error");
  var submit = form.querySelector("button[type=submit]");
  var cancel = form.querySelector("[data-cancel]");
  var lang = document.documentElement.lang || undefined;
  var current = null;

  function size(n) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toLocaleString(lang, { maximumFractionDigits: i ? 1 : 0 }) + " " + units[i];
  }

  function fill(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function busy(on) {
    submit.disabled = on;
    cancel.hidden = !on;
    box.hidden = !on;
  }

  function fail(message) {
    current = null;
    busy(false);
    alertBox.textContent = message;
    alertBox.hidden = false;
  }

  /* The server's own words: JSON from our views, else the heading of an HTML error page. */
  function serverMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    try {
      if (type.indexOf("json") !== -1) {
        var body = JSON.parse(xhr.responseText);
        if (body && body.error && body.error.message) return body.error.message;
      } else if (type.indexOf("html") !== -1 && window.DOMParser) {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var node = page.querySelector(".oops h1, [role=alert]");
        if (node && node.textContent.trim()) return node.textContent.trim();
      }
    } catch (e) { /* fall through to the generic message */ }
    return fill(msg.msgFailed, { status: xhr.status || "?" });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (current) return;
    alertBox.hidden = true;
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    var max = parseInt(msg.maxBytes, 10);
    if (file && max && file.size > max) { fail(msg.msgTooLarge); return; }  // spare a slow line

    var xhr = current = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded * 100) / e.total);
      bar.value = percent;
      status.textContent = fill(msg.msgProgress, {
        percent: percent + "%", done: size(e.loaded), total: size(e.total)
      });
    };
    xhr.upload.onload = function () {
      bar.removeAttribute("value");  // indeterminate while the server checks and stores
      status.textContent = msg.msgProcessing;
    };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        // JSON names the new document; a page instead (after a redirect) is the sign-in page
        // of an expired session: go there too.
        var target = (body && body.url) || (xhr.responseURL !== form.action && xhr.responseURL);
        if (target) {
          status.textContent = msg.msgDone;
          window.location.assign(target);
          return;
        }
      }
      fail(serverMessage(xhr));
    };
    xhr.onerror = function () { fail(msg.msgOffline); };
    xhr.onabort = function () { fail(msg.msgCancelled); };
    bar.value = 0;
    status.textContent = "";
    busy(true);
    xhr.send(new FormData(form));
  });

  cancel.addEventListener("click", function () { if (current) current.abort(); });
})();
