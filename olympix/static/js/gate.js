/* olympix gate page: a keyboard-wedge scanner types the code then Enter into
   the focused input; we send it to the JSON API and show the verdict over
   the page, with the input still focused for the next code (no click).
   Without this script the forms post to @@scan, which answers a full-screen
   verdict page. */
(function () {
  "use strict";
  var desk = document.getElementById("gate-desk");
  if (!desk || !window.fetch) { return; }
  var d = desk.dataset;
  var scanInput = document.getElementById("scan-code");
  var status = document.getElementById("gate-status");
  var overlay = document.getElementById("gate-verdict");
  var field = function (name) { return overlay.querySelector('[data-v="' + name + '"]'); };
  var hideTimer = null;
  var pending = 0;
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "fr")
    : {select: function (n) { return n === 1 ? "one" : "other"; }};
  // Offline (gate-offline.js): the bundle refreshed every minute, the
  // local verdict when the server does not answer, the journal synced back.
  var offline = window.OlympixGateOffline && window.OlympixGateStore && window.crypto && window.crypto.subtle &&
    d.bundleUrl ? window.OlympixGateOffline(d) : null;
  var texts = JSON.parse(d.texts || "{}");
  var isOffline = false;
  var offlineCount = 0;

  function keepFocus() {
    var a = document.activeElement;
    // Leave the focus where the agent put it on purpose (manual field,
    // event list, a link or button they tabbed to); otherwise take it back.
    if (!a || a === document.body || a === overlay || overlay.contains(a) && a.tagName !== "A") {
      scanInput.focus();
    }
  }

  function hideVerdict() {
    overlay.hidden = true;
    if (hideTimer) { clearTimeout(hideTimer); hideTimer = null; }
    keepFocus();
  }

  function setText(name, text) { field(name).textContent = text || ""; }

  function showVerdict(data) {
    var admit = data.verdict === "admit";
    overlay.className = "gate-overlay " + (admit ? "verdict-admit" : "verdict-deny");
    setText("word", data.verdict_text);
    setText("reason", data.reason_text);
    setText("holder", data.holder && data.holder.name);
    setText("buyer", data.buyer ? d.tBuyer + " " + data.buyer.name : "");
    setText("event", data.event ? data.event.title + (data.event.starts_local ? " · " + data.event.starts_local +
            " (" + d.tZone + ")" : "") : "");
    setText("state", data.ticket ? data.ticket.state_line : "");
    var deactivate = field("deactivate");
    if (data.ticket && (data.ticket.state === "paid" || data.ticket.state === "delivered")) {
      deactivate.hidden = false;
      deactivate.href = d.ticketUrl + "?q=" + encodeURIComponent(data.ticket.serial);
    } else {
      deactivate.hidden = true;
    }
    overlay.dataset.verdict = data.verdict;
    overlay.dataset.scan = data.scan ? data.scan.id : "";
    overlay.dataset.offline = data.offline ? "1" : "";
    overlay.dataset.ms = data.ms !== undefined ? data.ms.toFixed(1) : "";
    overlay.dataset.msJournal = data.msJournal !== undefined ? data.msJournal.toFixed(1) : "";
    overlay.classList.toggle("is-offline", !!data.offline);
    overlay.hidden = false;
    if (hideTimer) { clearTimeout(hideTimer); }
    hideTimer = setTimeout(hideVerdict, admit ? 5000 : 9000);
    scanInput.focus();
  }

  function setStatus(text, busy) {
    status.textContent = text;
    status.classList.toggle("is-busy", !!busy);
  }

  function readyText() {
    if (!isOffline && navigator.onLine !== false) { return d.tReady; }
    var count = offline.pending();
    // "1 scan", "2 scans"; in French "0 scan" too: the page's language says which.
    var one = plural.select(count) === "one" && d.tOfflineStatusOne;
    return (one ? d.tOfflineStatusOne : d.tOfflineStatus).replace("%(count)s", String(count));
  }

  function judgeOffline(code) {
    return offline.judge(code).then(function (a) {
      offlineCount += 1;
      showVerdict({verdict: a.verdict, offline: true, ms: a.ms, msJournal: a.msJournal,
                   scan: {id: "offline-" + offlineCount},
                   verdict_text: (a.verdict === "admit" ? d.tAdmit : d.tDeny) + " · " + d.tOffline,
                   reason_text: (texts[a.reason] || a.reason) + " (" + d.tOffline + ")",
                   holder: a.holder ? {name: a.holder} : null, event: a.event ? {title: a.event} : null});
    });
  }

  function serverDown(error) {
    return !error || error.network || error.name === "AbortError" || error instanceof TypeError;
  }

  function send(code) {
    var body = {code: code, gate: d.gate};
    if (d.event) { body.event = parseInt(d.event, 10); }
    pending += 1;
    setStatus(d.tChecking, true);
    var done = function () {
      pending -= 1;
      if (!pending) { setStatus(readyText(), false); }
    };
    if (offline && offline.hasBundle() && (isOffline || navigator.onLine === false)) {
      judgeOffline(code).then(done, done);
      return;
    }
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 2500) : null;
    fetch(d.api, {
      method: "POST", credentials: "same-origin", signal: abort ? abort.signal : undefined,
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": d.csrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500) { var down = new Error(String(response.status)); down.network = true; throw down; }
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || response.status); }
        return data;
      });
    }).then(function (data) {
      showVerdict(data);
    }).catch(function (error) {
      if (offline && offline.hasBundle() && serverDown(error)) {
        isOffline = true;
        return judgeOffline(code);
      }
      showVerdict({verdict: "deny", verdict_text: d.tDeny,
                   reason_text: (error && error.message && !/^\d+$/.test(error.message) && error.message !== "Failed to fetch")
                     ? error.message : d.tNetwork});
    }).then(function () { if (timer) { clearTimeout(timer); } }).then(done, done);
  }

  // Every 10 s while offline (is the server back?), every minute online:
  // a fresh bundle, then the journal uploaded.
  var ticks = 0;
  function background() {
    ticks += 1;
    if (!offline || (!isOffline && ticks % 6 !== 1)) { return; }
    offline.refresh().then(function () {
      isOffline = false;
      return offline.sync();
    }).then(function () {
      storageNote();
      refusedNote();
      if (!pending) { setStatus(readyText(), false); }
    }).catch(function (error) {
      if (error && error.refused !== undefined) { refusedNote(error.refused); }
      else if (serverDown(error)) { isOffline = true; }
      if (!pending) { setStatus(readyText(), false); }
    });
  }
  // Scans the server refused stay on this device (nothing is lost) and the
  // agent is told to call a supervisor: the whole upload (a 400, ``whole``
  // its reason), or some of its scans, set apart with their reasons.
  function refusedNote(whole) {
    var note = document.getElementById("gate-sync-refused");
    if (!note) { return; }
    var apart = offline.refused(), count = whole !== undefined ? offline.pending() + apart.count : apart.count;
    var why = whole !== undefined ? [whole].concat(apart.reasons) : apart.reasons;
    note.hidden = !count;
    if (count) {
      note.textContent = d.tSyncRefused.replace("%(count)s", String(count)) +
        why.filter(Boolean).map(function (w) { return " " + w; }).join("");
    }
  }
  // Without IndexedDB the bundle only lives in this page (or in
  // localStorage while it fits): the agent should know a reload offline
  // may leave the gate without it.
  function storageNote() {
    var note = document.getElementById("gate-storage");
    if (note) { note.hidden = offline.storage() === "indexeddb"; }
  }
  if (offline) {
    offline.ready.then(function () {
      storageNote();
      refusedNote();  // what an earlier page set apart, before this one's upload
      if (!pending) { setStatus(readyText(), false); }
      background();
    });
    setInterval(background, 10000);
    window.addEventListener("online", function () { ticks = 0; isOffline = true; background(); });
  }

  function onSubmit(event) {
    event.preventDefault();
    var input = event.target.querySelector("input[name=code]");
    var code = input.value.trim();
    input.value = "";
    if (code) { send(code); }
    scanInput.focus();
  }

  document.getElementById("scan-form").addEventListener("submit", onSubmit);
  document.getElementById("manual-form").addEventListener("submit", onSubmit);
  field("close").addEventListener("click", hideVerdict);
  overlay.addEventListener("click", function (event) {
    if (event.target === overlay) { hideVerdict(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !overlay.hidden) { hideVerdict(); }
  });
  scanInput.addEventListener("blur", function () { setTimeout(keepFocus, 0); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { keepFocus(); } });
  scanInput.focus();
})();
