/* Where the gate page keeps its offline bundle and its journal (issue #12.3).

   IndexedDB: a stadium's bundle (80,000 tickets, about 17 MB sealed) is far
   past localStorage's quota (5 MiB of characters in Chromium), and the
   journal's entries are admissions not yet synced, so each one is written
   (its transaction complete) before the verdict is shown.

   Without IndexedDB (some private modes, or it refuses to open), the store
   falls back to what the page did before: the journal in localStorage, the
   bundle in localStorage if it fits, otherwise in memory only (a reload
   while offline loses it); `kind` says which, for the page to say so.

   A bundle or journal the old page left in localStorage is moved over once:
   the journal's entries are added (skipping nonces already there) and the
   old key is removed only after that transaction completed, so a crash in
   between repeats the move and loses nothing.

   An entry the server refused to take (POST /api/gate/sync's "refused")
   stays, marked with the server's reason (`refused`), for the page to set
   it apart.

   window.OlympixGateStore(gate) -> Promise of {kind, getBundle, putBundle,
   entries, add, remove, mark}. */
(function () {
  "use strict";
  var DB_NAME = "olympix-gate", VERSION = 1, OPEN_TIMEOUT_MS = 3000;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  // Resolves once the transaction is committed (not just once its requests
  // succeeded): only then is an entry on the disk.
  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = tx.onabort = function () { reject(tx.error || new Error("aborted")); };
    });
  }

  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var idb;
      try { idb = window.indexedDB; } catch (e) { idb = null; }
      if (!idb) { reject(new Error("no IndexedDB")); return; }
      var timer = setTimeout(function () { reject(new Error("IndexedDB does not open")); }, OPEN_TIMEOUT_MS);
      var req;
      try { req = idb.open(DB_NAME, VERSION); } catch (e) { clearTimeout(timer); reject(e); return; }
      req.onupgradeneeded = function () {
        var db = req.result;
        // bundles: {gate, sealed}; journal: {seq, gate, nonce, code, at, verdict, reason, serial, refused?}.
        db.createObjectStore("bundles", {keyPath: "gate"});
        var journal = db.createObjectStore("journal", {keyPath: "seq", autoIncrement: true});
        journal.createIndex("gate", "gate");
        journal.createIndex("nonce", "nonce", {unique: true});
      };
      req.onsuccess = function () { clearTimeout(timer); resolve(req.result); };
      req.onerror = function () { clearTimeout(timer); reject(req.error); };
      req.onblocked = function () { clearTimeout(timer); reject(new Error("IndexedDB blocked")); };
    });
  }

  function readLocal(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }

  function dropLocal(key) {
    try { localStorage.removeItem(key); } catch (e) { /* nothing to drop */ }
  }

  function strip(entry) {
    var row = {nonce: entry.nonce, code: entry.code, at: entry.at, verdict: entry.verdict,
               reason: entry.reason, serial: entry.serial};
    if (entry.refused) { row.refused = entry.refused; }
    return row;
  }

  // {nonce: reason} of the marks to set, from [{nonce, refused}].
  function marks(list) {
    var by = {};
    list.forEach(function (m) { by[m.nonce] = m.refused; });
    return by;
  }

  function indexedStore(db, gate, bundleKey, journalKey) {
    function entries() {
      var tx = db.transaction("journal", "readonly");
      return request(tx.objectStore("journal").index("gate").getAll(gate)).then(function (rows) {
        rows.sort(function (a, b) { return a.seq - b.seq; });
        return rows.map(strip);
      });
    }

    // Adds the entries whose nonce is not there yet, in one transaction.
    function addAll(list) {
      if (!list.length) { return Promise.resolve(); }
      // "strict": the commit waits for the disk, so an admission outlives a power cut too.
      var tx = db.transaction("journal", "readwrite", {durability: "strict"});
      var store = tx.objectStore("journal"), seen = {};
      list.forEach(function (entry) {
        if (seen[entry.nonce]) { return; }
        seen[entry.nonce] = true;
        var row = strip(entry);
        row.gate = gate;
        // Plain callbacks: the transaction stays active inside them.
        store.index("nonce").count(entry.nonce).onsuccess = function (event) {
          if (!event.target.result) { store.add(row); }
        };
      });
      return done(tx);
    }

    function remove(nonces) {
      if (!nonces.length) { return Promise.resolve(); }
      var tx = db.transaction("journal", "readwrite"), store = tx.objectStore("journal");
      nonces.forEach(function (nonce) {
        store.index("nonce").getKey(nonce).onsuccess = function (event) {
          if (event.target.result !== undefined) { store.delete(event.target.result); }
        };
      });
      return done(tx);
    }

    // The server refused these entries: each keeps the reason, in place.
    function mark(list) {
      if (!list.length) { return Promise.resolve(); }
      var tx = db.transaction("journal", "readwrite"), store = tx.objectStore("journal"), by = marks(list);
      Object.keys(by).forEach(function (nonce) {
        store.index("nonce").get(nonce).onsuccess = function (event) {
          var row = event.target.result;
          if (row) { row.refused = by[nonce]; store.put(row); }
        };
      });
      return done(tx);
    }

    function getBundle() {
      var tx = db.transaction("bundles", "readonly");
      return request(tx.objectStore("bundles").get(gate)).then(function (row) { return row ? row.sealed : null; });
    }

    function putBundle(sealed) {
      var tx = db.transaction("bundles", "readwrite");
      tx.objectStore("bundles").put({gate: gate, sealed: sealed});
      return done(tx);
    }

    function migrate() {
      var raw = null;
      try { raw = localStorage.getItem(journalKey); } catch (e) { raw = null; }
      var oldJournal = readLocal(journalKey, []), oldBundle = readLocal(bundleKey, null);
      var moved = addAll(Array.isArray(oldJournal) ? oldJournal : []).then(function () {
        // Unless an entry was added there meanwhile (then the next read moves it).
        if (raw !== null && localStorage.getItem(journalKey) === raw) { dropLocal(journalKey); }
      });
      return moved.then(function () {
        if (!oldBundle) { return null; }
        return getBundle().then(function (current) {
          var newer = !current || (oldBundle.generated_at || 0) > (current.generated_at || 0);
          return newer ? putBundle(oldBundle) : null;
        }).then(function () { dropLocal(bundleKey); });
      });
    }

    // An entry IndexedDB refused (its quota, a broken disk) goes where the
    // old page kept it, and moves over at the next read.
    function add(entry) {
      return addAll([entry]).catch(function () {
        var list = readLocal(journalKey, []);
        list.push(strip(entry));
        localStorage.setItem(journalKey, JSON.stringify(list));
      });
    }

    var store = {kind: "indexeddb", getBundle: getBundle, putBundle: putBundle, add: add, remove: remove,
                 mark: mark, entries: function () { return migrate().then(entries); }};
    return migrate().then(function () { return store; });
  }

  // What the page did before IndexedDB: the journal in localStorage, the
  // bundle there too when it fits, otherwise in memory (kind "memory").
  function localStore(bundleKey, journalKey) {
    var inMemory = null;
    var store = {kind: "local"};
    store.getBundle = function () { return Promise.resolve(inMemory || readLocal(bundleKey, null)); };
    store.putBundle = function (sealed) {
      inMemory = sealed;
      try {
        localStorage.setItem(bundleKey, JSON.stringify(sealed));
        store.kind = "local";
      } catch (e) {
        dropLocal(bundleKey);  // an older bundle there would come back after a reload
        store.kind = "memory";
      }
      return Promise.resolve();
    };
    store.entries = function () { return Promise.resolve(readLocal(journalKey, [])); };
    store.add = function (entry) {
      var list = readLocal(journalKey, []);
      list.push(strip(entry));
      try { localStorage.setItem(journalKey, JSON.stringify(list)); } catch (e) { return Promise.reject(e); }
      return Promise.resolve();
    };
    function rewrite(change) {
      var list = change(readLocal(journalKey, []));
      try { localStorage.setItem(journalKey, JSON.stringify(list)); } catch (e) { return Promise.reject(e); }
      return Promise.resolve();
    }
    store.remove = function (nonces) {
      var gone = {};
      nonces.forEach(function (n) { gone[n] = true; });
      return rewrite(function (list) { return list.filter(function (e) { return !gone[e.nonce]; }); });
    };
    store.mark = function (list) {
      var by = marks(list);
      return rewrite(function (entries) {
        entries.forEach(function (e) { if (by.hasOwnProperty(e.nonce)) { e.refused = by[e.nonce]; } });
        return entries;
      });
    };
    return store;
  }

  window.OlympixGateStore = function (gate) {
    var bundleKey = "olympix.gate.bundle:" + gate, journalKey = "olympix.gate.journal:" + gate;
    return openDatabase().then(function (db) {
      return indexedStore(db, gate, bundleKey, journalKey);
    }).catch(function () {
      return localStore(bundleKey, journalKey);
    });
  };
})();
