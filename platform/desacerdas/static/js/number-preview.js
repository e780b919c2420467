/* Letter settings: live preview of the letter-number format while typing. Without JavaScript the
   Preview button does the same. A static file (not an inline script): the Content-Security-Policy
   allows scripts from this site only. */
(function () {
  var input = document.getElementById("number_format"), out = document.getElementById("number-preview");
  if (!input || !out || !out.dataset.url || !window.fetch) return;
  var timer;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(out.dataset.url + "?format=" + encodeURIComponent(input.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (d) { out.textContent = d.preview || d.error; });
    }, 250);
  });
})();
