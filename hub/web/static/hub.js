/* Collections Hub admin: live sync progress (polls the progress endpoint; no external libraries). */
(function () {
  "use strict";
  var box = document.getElementById("sync-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector(".progress-text");
  var after = box.getAttribute("data-after");
  var waiting = after !== null && after !== "";
  function render(data) {
    var run = data.run;
    if (waiting && (!run || run.id <= parseInt(after, 10))) {
      text.textContent = "Sync queued, waiting for a worker…";
      return true;
    }
    if (!run) { text.textContent = "No sync has run yet."; return false; }
    var fetched = run.fetched || 0;
    var pct = run.done ? 100 : Math.min(95, 5 + Math.round(Math.log(1 + fetched) * 12));
    bar.style.width = pct + "%";
    bar.className = "progress-bar" + (run.done ? (run.status === "succeeded" ? " bg-success" : " bg-danger") : " progress-bar-striped progress-bar-animated");
    text.textContent = "Run #" + run.id + ": " + run.status + " - " + fetched + " records fetched" +
      (run.stream ? " (" + run.stream + ")" : "");
    box.setAttribute("data-status", run.status);
    box.setAttribute("data-done", run.done ? "1" : "0");
    return !run.done;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) { if (render(data)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
/* Reminder templates: live preview while editing (posts the draft with the page's CSRF token). */
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) { return; }
  var timer = null;
  var error = document.getElementById("preview-error");
  function refresh() {
    fetch(form.getAttribute("data-preview"), {method: "POST", credentials: "same-origin", body: new FormData(form)})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { error.textContent = data.error; error.classList.remove("d-none"); return; }
        error.classList.add("d-none");
        document.getElementById("preview-subject").textContent = data.subject;
        document.getElementById("preview-text").textContent = data.text;
        document.getElementById("preview-sms").textContent = data.sms;
      });
  }
  document.getElementById("intro").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
