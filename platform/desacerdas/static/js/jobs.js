// Moves the progress bars of unfinished jobs between the page's own refreshes (it works without this).
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-job-url");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        var bar = box.querySelector("progress");
        if (bar && job.progress.percent !== null) { bar.value = job.progress.percent; bar.textContent = job.progress.percent + "%"; }
        var badge = box.querySelector(".badge");
        if (badge) { badge.textContent = job.state_label; badge.className = "badge job-" + job.state; }
        if (job.finished) { window.location.reload(); return; }
        window.setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () {});
  }
  document.querySelectorAll(".job-progress").forEach(function (box) {
    var state = box.getAttribute("data-job-state");
    if (state === "queued" || state === "running") { window.setTimeout(function () { poll(box); }, 1000); }
  });
})();
