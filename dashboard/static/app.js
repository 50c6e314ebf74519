// masspay dashboard: live progress of unfinished mass payments, by short polling of
// /dashboard/progress. No inline script: the page's Content-Security-Policy allows only this file.
(function () {
  "use strict";
  var interval = parseInt(document.body.getAttribute("data-poll"), 10) || 1000;
  var live = { pending: true, processing: true };

  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function pct(part, whole) { return whole > 0 ? Math.floor(part * 1000 / whole) / 10 : 0; }

  function watched() {
    var ids = [];
    document.querySelectorAll(".progress[data-mp]").forEach(function (el) {
      if (live[el.getAttribute("data-status")] && ids.indexOf(el.getAttribute("data-mp")) < 0) {
        ids.push(el.getAttribute("data-mp"));
      }
    });
    return ids;
  }

  function update(p) {
    document.querySelectorAll('.progress[data-mp="' + p.id + '"]').forEach(function (el) {
      el.setAttribute("data-status", p.status);
      el.querySelector('[data-count="success"]').textContent = group(p.success);
      el.querySelector('[data-count="failed"]').textContent = group(p.failed);
      el.querySelector('[data-count="pending"]').textContent = group(p.pending);
      var ok = pct(p.success, p.items), bad = pct(p.failed, p.items);
      el.querySelector(".bar-ok").setAttribute("width", ok);
      var r = el.querySelector(".bar-bad");
      r.setAttribute("x", ok);
      r.setAttribute("width", bad);
      var bar = el.querySelector(".bar");
      bar.setAttribute("aria-valuenow", p.success + p.failed);
      bar.setAttribute("aria-valuetext", group(p.success + p.failed) + " of " + group(p.items) + " items done");
    });
    document.querySelectorAll('[data-mp-status="' + p.id + '"] [data-field="status"]').forEach(function (b) {
      b.textContent = p.status;
      b.className = "badge badge-" + p.status;
    });
    if (!live[p.status]) {
      document.querySelectorAll('[data-done-for="' + p.id + '"]').forEach(function (n) { n.hidden = false; });
    }
  }

  function poll() {
    var ids = watched();
    if (ids.length === 0) { return; }
    var q = ids.map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
    fetch("/dashboard/progress?" + q, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 401) { window.location.reload(); throw new Error("signed out"); }
        if (!res.ok) { throw new Error("progress: HTTP " + res.status); }
        return res.json();
      })
      .then(function (body) { body.massPayments.forEach(update); })
      .catch(function () { /* try again at the next tick */ })
      .then(function () { if (watched().length) { window.setTimeout(poll, interval); } });
  }

  if (watched().length) { window.setTimeout(poll, interval); }
})();
