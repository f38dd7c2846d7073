/* The gate page without the server (issue #12.3): the bundle of
   GET /api/gate/bundle kept in localStorage (sealed: the key is in the
   page, not in the storage), the local verdict (the same as
   olympix/gate/offline.py's), and the journal of what was judged offline,
   uploaded to POST /api/gate/sync when the server answers again.
   window.OlympixGateOffline(desk dataset) -> {refresh, judge, sync, ready}. */
(function () {
  "use strict";
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var subtle = window.crypto && window.crypto.subtle;
  var enc = new TextEncoder();

  function b64bytes(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function b32bytes(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      value = (value << 5) | B32.indexOf(text[i]);
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xFF); bits -= 8; }
    }
    return new Uint8Array(out);
  }

  function bigEndian(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) { n = n * 256 + bytes[i]; }
    return n;
  }

  function serialBytes(serial) {
    var out = new Uint8Array(6);
    for (var i = 5; i >= 0; i--) { out[i] = serial % 256; serial = Math.floor(serial / 256); }
    return out;
  }

  // One AES block decrypted with WebCrypto, which has no ECB: CBC with a
  // zero IV over the block and a second block made so that the padding
  // checks out (the second decrypts to sixteen 0x10 bytes).
  function aesDecryptBlock(key, block) {
    var pad = new Uint8Array(16).fill(16), zero = new Uint8Array(16), x = new Uint8Array(16);
    for (var i = 0; i < 16; i++) { x[i] = pad[i] ^ block[i]; }
    return subtle.encrypt({name: "AES-CBC", iv: zero}, key, x).then(function (out) {
      var both = new Uint8Array(32);
      both.set(block, 0);
      both.set(new Uint8Array(out).slice(0, 16), 16);
      return subtle.decrypt({name: "AES-CBC", iv: zero}, key, both);
    }).then(function (plain) { return new Uint8Array(plain); });
  }

  function concat(parts) {
    var length = parts.reduce(function (n, p) { return n + p.length; }, 0), out = new Uint8Array(length), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    var diff = 0;
    for (var i = 0; i < a.length; i++) { diff |= a[i] ^ b[i]; }
    return diff === 0;
  }

  window.OlympixGateOffline = function (d) {
    var storeKey = "olympix.gate.bundle:" + d.gate, journalKey = "olympix.gate.journal:" + d.gate;
    var state = {bundle: null, printed: {}, rotKeys: {}, pageKey: null};

    function pageKey() {
      if (!state.pageKey) {
        state.pageKey = subtle.importKey("raw", b64bytes(d.bundleKey), "AES-GCM", false, ["decrypt"]);
      }
      return state.pageKey;
    }

    function open(sealed) {
      return pageKey().then(function (key) {
        return subtle.decrypt({name: "AES-GCM", iv: b64bytes(sealed.nonce),
                               additionalData: enc.encode("olympix-gate-bundle:" + sealed.gate)},
                              key, b64bytes(sealed.ciphertext));
      }).then(function (plain) {
        var bundle = JSON.parse(new TextDecoder().decode(plain));
        var printed = {}, keys = {};
        Object.keys(bundle.tickets).forEach(function (serial) { printed[bundle.tickets[serial][4]] = serial; });
        return Promise.all(Object.keys(bundle.rot_keys).map(function (id) {
          return subtle.importKey("raw", b64bytes(bundle.rot_keys[id]), "AES-CBC", false, ["encrypt", "decrypt"])
            .then(function (key) { keys[id] = key; });
        })).then(function () {
          state.bundle = bundle; state.printed = printed; state.rotKeys = keys;
          return bundle;
        });
      });
    }

    function journal() {
      try { return JSON.parse(localStorage.getItem(journalKey) || "[]"); } catch (e) { return []; }
    }

    function saveJournal(entries) { localStorage.setItem(journalKey, JSON.stringify(entries)); }

    function refresh() {
      return fetch(d.bundleUrl + "?gate=" + encodeURIComponent(d.gate), {
        credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (sealed) {
        return open(sealed).then(function () {
          try { localStorage.setItem(storeKey, JSON.stringify(sealed)); } catch (e) { /* full: keep it in memory */ }
        });
      });
    }

    function sync() {
      var entries = journal();
      if (!entries.length) { return Promise.resolve(0); }
      return fetch(d.syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": d.csrf},
        body: JSON.stringify({gate: d.gate, scans: entries})
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function () {
        var sent = {};
        entries.forEach(function (e) { sent[e.nonce] = true; });
        saveJournal(journal().filter(function (e) { return !sent[e.nonce]; }));
        return entries.length;
      });
    }

    function admittedHere() {
      var seen = {};
      journal().forEach(function (e) { if (e.verdict === "admit" && e.serial) { seen[e.serial] = true; } });
      return seen;
    }

    function decide(code, at) {
      var bundle = state.bundle;
      var answer = {verdict: "deny", reason: "unreadable", serial: null, holder: null, event: null};
      if (!(code.length === 29 && (code.slice(0, 2) === "OX" || code.slice(0, 2) === "OT") &&
            /^[A-Z2-7]+$/.test(code.slice(3)))) {
        return Promise.resolve(answer);
      }
      answer.reason = "unknown_or_forged";
      var rotating = code.slice(0, 2) === "OT", stamp = Math.floor(at / 1000);
      var found;
      if (rotating) {
        var key = state.rotKeys[code[2]];
        if (!key) { return Promise.resolve(answer); }
        found = aesDecryptBlock(key, b32bytes(code.slice(3))).then(function (block) {
          var serial = bigEndian(block.slice(0, 6)), window_ = bigEndian(block.slice(6, 10));
          var entry = bundle.tickets[String(serial)];
          if (!entry) { return null; }
          return subtle.importKey("raw", b64bytes(entry[3]), {name: "HMAC", hash: "SHA-256"}, false, ["sign"])
            .then(function (hkey) {
              var message = concat([enc.encode("olympix-rotating-proof"), serialBytes(serial), block.slice(6, 10)]);
              return subtle.sign("HMAC", hkey, message);
            }).then(function (mac) {
              if (!equal(new Uint8Array(mac).slice(0, 6), block.slice(10, 16))) { return null; }
              return {serial: serial, entry: entry, age: Math.floor(stamp / bundle.step) - window_};
            });
        });
      } else {
        found = subtle.digest("SHA-256", enc.encode(code)).then(function (digest) {
          var serial = state.printed[hex(digest)];
          return serial ? {serial: Number(serial), entry: bundle.tickets[serial], age: 0} : null;
        });
      }
      return found.then(function (hit) {
        if (!hit || hit.age < -bundle.drift) { return answer; }
        var entry = hit.entry, event = bundle.events[String(entry[0])];
        answer.serial = hit.serial; answer.holder = entry[1]; answer.event = event ? event.title : null;
        if (hit.age > bundle.drift) { answer.reason = "stale_code"; }
        else if (!rotating && event && event.phone_only) { answer.reason = "printed_phone_only"; }
        else if (entry[2] === "deactivated" || bundle.revoked.indexOf(hit.serial) >= 0) { answer.reason = "deactivated"; }
        else if (entry[2] === "scanned" || admittedHere()[hit.serial]) { answer.reason = "already_scanned"; }
        else if (!event) { answer.reason = "wrong_event_or_day"; }
        else if (stamp > event.ends) { answer.reason = "expired"; }
        else if (stamp < event.opens) { answer.reason = "wrong_event_or_day"; }
        else { answer.verdict = "admit"; answer.reason = "admitted"; }
        return answer;
      });
    }

    function nonce() {
      var bytes = new Uint8Array(12);
      window.crypto.getRandomValues(bytes);
      return hex(bytes);
    }

    /* The verdict without the server, written to the journal. */
    function judge(code) {
      if (!state.bundle) { return Promise.reject(new Error("no bundle")); }
      var started = performance.now(), at = Date.now();
      return decide(code, at).then(function (answer) {
        var entries = journal();
        entries.push({nonce: nonce(), code: code, at: new Date(at).toISOString(), verdict: answer.verdict,
                      reason: answer.reason, serial: answer.serial});
        saveJournal(entries);
        answer.ms = performance.now() - started;
        return answer;
      });
    }

    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { stored = null; }
    var ready = stored ? open(stored).catch(function () { return null; }) : Promise.resolve(null);
    return {refresh: refresh, judge: judge, sync: sync, ready: ready,
            pending: function () { return journal().length; }, hasBundle: function () { return !!state.bundle; }};
  };
})();
