/* The gate page without the server (issue #12.3): the bundle of
   GET /api/gate/bundle kept on the device (gate-store.js: IndexedDB, sealed:
   the key is in the page, not in the storage), the local verdict (the same
   as olympix/gate/offline.py's), and the journal of what was judged
   offline, uploaded to POST /api/gate/sync when the server answers again.
   window.OlympixGateOffline(desk dataset) -> {refresh, judge, sync, ready,
   pending, refused, hasBundle, storage}. */
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

  // POST /api/gate/sync takes at most 500 scans an upload (gate/sync.py).
  var SYNC_BATCH = 500;

  window.OlympixGateOffline = function (d) {
    var state = {bundle: null, printed: new Map(), revoked: new Set(), rotKeys: {}, pageKey: null,
                 journal: [], admitted: new Set(), synced: new Map(), store: null, kept: null, syncing: null,
                 // The scans the server refused are set apart: sent once more
                 // by the page's first upload (a supervisor may have set the
                 // device's clock right and reloaded), not at every upload.
                 retryRefused: true};
    var storeReady = window.OlympixGateStore(d.gate).then(function (store) { state.store = store; return store; });

    function pageKey() {
      if (!state.pageKey) {
        state.pageKey = subtle.importKey("raw", b64bytes(d.bundleKey), "AES-GCM", false, ["decrypt"]);
      }
      return state.pageKey;
    }

    // The indexes are built once per bundle, so that a verdict over a
    // stadium's 80,000 tickets is a few lookups, not a walk through them.
    function open(sealed) {
      var started = performance.now();
      return pageKey().then(function (key) {
        return subtle.decrypt({name: "AES-GCM", iv: b64bytes(sealed.nonce),
                               additionalData: enc.encode("olympix-gate-bundle:" + sealed.gate)},
                              key, b64bytes(sealed.ciphertext));
      }).then(function (plain) {
        var bundle = JSON.parse(new TextDecoder().decode(plain));
        var printed = new Map(), keys = {};
        Object.keys(bundle.tickets).forEach(function (serial) { printed.set(bundle.tickets[serial][4], serial); });
        return Promise.all(Object.keys(bundle.rot_keys).map(function (id) {
          return subtle.importKey("raw", b64bytes(bundle.rot_keys[id]), "AES-CBC", false, ["encrypt", "decrypt"])
            .then(function (key) { keys[id] = key; });
        })).then(function () {
          // The one kept on the device may open after a fresher download.
          if (state.bundle && state.bundle.generated_at > bundle.generated_at) { return state.bundle; }
          state.bundle = bundle; state.printed = printed; state.rotKeys = keys;
          state.revoked = new Set(bundle.revoked);
          d.bundleLoaded = String(bundle.generated_at);
          d.bundleOpenMs = (performance.now() - started).toFixed(0);
          return bundle;
        });
      });
    }

    // The journal as the store has it, plus what was judged since it was
    // read (its write may not have been committed when the store was read).
    function remember(entries) {
      var known = new Set(entries.map(function (e) { return e.nonce; }));
      state.journal.forEach(function (e) { if (!known.has(e.nonce)) { entries.push(e); } });
      state.journal = entries;
      state.admitted = new Set();
      entries.forEach(function (e) { if (e.verdict === "admit" && e.serial) { state.admitted.add(e.serial); } });
    }

    function refresh() {
      var asked = performance.now();
      return fetch(d.bundleUrl + "?gate=" + encodeURIComponent(d.gate), {
        credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (sealed) {
        return open(sealed).then(function () {
          // Admissions synced before this bundle was asked for are in it
          // (as scanned): the page no longer needs to remember them.
          state.synced.forEach(function (at, serial) { if (at < asked) { state.synced.delete(serial); } });
          return storeReady.then(function (store) {
            return store.putBundle(sealed).then(function () {
              state.kept = store.kind;
              d.bundleStored = String(sealed.generated_at);
              d.storage = store.kind;
            });
          }).catch(function () {
            // Not kept (a private mode's small quota): this bundle lives in
            // memory until the next one, and the page says so.
            state.kept = d.storage = "memory";
          });
        });
      });
    }

    function upload(batch) {
      return fetch(d.syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": d.csrf},
        body: JSON.stringify({gate: d.gate, scans: batch})
      }).then(function (response) {
        if (response.status === 400) {
          // The server read the upload and refused it (a scan too old, a bad
          // entry): the scans stay here, and the page must say so.
          return response.json().catch(function () { return {}; }).then(function (answer) {
            var error = new Error("refused");
            error.refused = answer.error || "";
            throw error;
          });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        // A 2xx says of each scan sent: applied now ("results"), had been
        // before ("replayed"), or refused with its reason ("refused", by its
        // index in the upload). Anything else, only "results" is sure.
        var refused = Array.isArray(answer.refused) ? answer.refused : [], out = new Map();
        var refusedAt = new Set(refused.map(function (r) { return r.index; }));
        if (answer.applied + answer.replayed + refused.length !== batch.length) {
          return {acknowledged: (answer.results || []).map(function (r) { return r.nonce; }), refused: []};
        }
        refused.forEach(function (r) {
          var e = batch[r.index];
          if (e && e.nonce) { out.set(e.nonce, {nonce: e.nonce, refused: String(r.error || "?")}); }
        });
        return {acknowledged: batch.filter(function (e, i) { return !refusedAt.has(i); })
                  .map(function (e) { return e.nonce; }),
                refused: Array.from(out.values())};
      });
    }

    function syncOnce() {
      var count = 0, retry = state.retryRefused;
      return storeReady.then(function (store) {
        return store.entries().then(function (entries) {
          remember(entries);
          var sending = entries.filter(function (e) { return retry || !e.refused; }), batches = [];
          for (var i = 0; i < sending.length; i += SYNC_BATCH) { batches.push(sending.slice(i, i + SYNC_BATCH)); }
          return batches.reduce(function (previous, batch) {
            return previous.then(function () { return upload(batch); }).then(function (answer) {
              var gone = new Set(answer.acknowledged), now = performance.now(), marked = new Map();
              answer.refused.forEach(function (m) { marked.set(m.nonce, m.refused); });
              batch.forEach(function (e) {
                if (gone.has(e.nonce) && e.verdict === "admit" && e.serial) { state.synced.set(e.serial, now); }
              });
              count += answer.acknowledged.length;
              return store.remove(answer.acknowledged).then(function () {
                return store.mark(answer.refused);
              }).then(function () {
                // Only what the server acknowledged leaves the journal; an
                // entry judged while the upload was on its way stays.
                state.journal = state.journal.filter(function (e) { return !gone.has(e.nonce); });
                state.journal.forEach(function (e) { if (marked.has(e.nonce)) { e.refused = marked.get(e.nonce); } });
                remember([]);
              });
            });
          }, Promise.resolve());
        });
      }).then(function () { state.retryRefused = false; return count; });
    }

    // One upload at a time: two overlapping ones would send the same scans.
    function sync() {
      if (!state.syncing) {
        state.syncing = syncOnce().then(function (n) { state.syncing = null; return n; },
                                        function (e) { state.syncing = null; throw e; });
      }
      return state.syncing;
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
          var serial = state.printed.get(hex(digest));
          return serial ? {serial: Number(serial), entry: bundle.tickets[serial], age: 0} : null;
        });
      }
      return found.then(function (hit) {
        if (!hit || hit.age < -bundle.drift) { return answer; }
        var entry = hit.entry, event = bundle.events[String(entry[0])];
        answer.serial = hit.serial; answer.holder = entry[1]; answer.event = event ? event.title : null;
        if (hit.age > bundle.drift) { answer.reason = "stale_code"; }
        else if (!rotating && event && event.phone_only) { answer.reason = "printed_phone_only"; }
        else if (entry[2] === "deactivated" || state.revoked.has(hit.serial)) { answer.reason = "deactivated"; }
        else if (entry[2] === "scanned" || state.admitted.has(hit.serial) || state.synced.has(hit.serial)) {
          answer.reason = "already_scanned";
        }
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

    /* The verdict without the server; it resolves once the scan is in the
       journal on the device, so that an admission shown survives a crash.
       ms: the verification alone; msJournal: writing it down. */
    function judge(code) {
      if (!state.bundle) { return Promise.reject(new Error("no bundle")); }
      var started = performance.now(), at = Date.now();
      return decide(code, at).then(function (answer) {
        var decided = performance.now();
        var entry = {nonce: nonce(), code: code, at: new Date(at).toISOString(), verdict: answer.verdict,
                     reason: answer.reason, serial: answer.serial};
        state.journal.push(entry);
        if (entry.verdict === "admit" && entry.serial) { state.admitted.add(entry.serial); }
        answer.ms = decided - started;
        return storeReady.then(function (store) { return store.add(entry); }).then(function () {
          answer.msJournal = performance.now() - decided;
          return answer;
        }, function () {
          // Nowhere to write it (both storages full): the scan stays in the
          // page's journal, uploaded at the next sync unless the page is
          // reloaded first; the verdict is shown all the same.
          answer.unsaved = true;
          return answer;
        });
      });
    }

    var ready = storeReady.then(function (store) {
      d.storage = store.kind;
      return store.entries().then(remember).then(function () { return store.getBundle(); });
    }).then(function (stored) {
      return stored ? open(stored).catch(function () { return null; }) : null;
    }).catch(function () { return null; });  // nothing kept: the page waits for a download
    return {refresh: refresh, judge: judge, sync: sync, ready: ready,
            pending: function () { return state.journal.filter(function (e) { return !e.refused; }).length; },
            // The scans the server refused, kept apart: {count, reasons (each once)}.
            refused: function () {
              var apart = state.journal.filter(function (e) { return e.refused; });
              return {count: apart.length, reasons: Array.from(new Set(apart.map(function (e) { return e.refused; })))};
            },
            hasBundle: function () { return !!state.bundle; },
            storage: function () { return state.kept || (state.store ? state.store.kind : null); }};
  };
})();
