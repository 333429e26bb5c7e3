// Checks, in the visitor's own browser, that a ledger entry is in the
// public log: its leaf hash, its RFC 9162 §2.1.3.2 inclusion proof against
// the latest signed tree head, and that head's Ed25519 signature over the
// documented 64 bytes ("ChungTay-STH-v1\0", size and timestamp as u64
// big-endian, root hash). Plain language out; nothing sent anywhere.
(function () {
  'use strict';
  var box = document.getElementById('verify');
  if (!box) return;
  var out = document.getElementById('verify-result');
  var say = function (state, key, extra) {
    box.setAttribute('data-state', state);
    out.textContent = box.getAttribute('data-msg-' + key) + (extra ? ' ' + extra : '');
  };
  if (!window.crypto || !crypto.subtle) { say('partial', 'nocrypto'); return; }
  var hex = function (b) { return Array.prototype.map.call(new Uint8Array(b), function (x) { return ('0' + x.toString(16)).slice(-2); }).join(''); };
  var unhex = function (s) { var a = new Uint8Array(s.length / 2); for (var i = 0; i < a.length; i++) a[i] = parseInt(s.substr(2 * i, 2), 16); return a; };
  var unb64 = function (s) { var t = atob(s); var a = new Uint8Array(t.length); for (var i = 0; i < t.length; i++) a[i] = t.charCodeAt(i); return a; };
  var cat = function () { var n = 0, i; for (i = 0; i < arguments.length; i++) n += arguments[i].length; var a = new Uint8Array(n), o = 0; for (i = 0; i < arguments.length; i++) { a.set(arguments[i], o); o += arguments[i].length; } return a; };
  var sha = function (bytes) { return crypto.subtle.digest('SHA-256', bytes).then(function (d) { return new Uint8Array(d); }); };
  var leafHash = function (leaf) { return sha(cat(new Uint8Array([0]), leaf)); };
  var nodeHash = function (l, r) { return sha(cat(new Uint8Array([1]), l, r)); };
  var u64 = function (n) { var a = new Uint8Array(8), v = n; for (var i = 7; i >= 0; i--) { a[i] = v % 256; v = Math.floor(v / 256); } return a; };
  var getJson = function (path) { return fetch(path, { headers: { accept: 'application/json' } }).then(function (r) { if (!r.ok) throw new Error(path + ' ' + r.status); return r.json(); }); };

  // RFC 9162 §2.1.3.2.
  function verifyInclusion(index, size, hash, path, root) {
    if (index >= size) return Promise.resolve(false);
    var fn = index, sn = size - 1, r = Promise.resolve(hash), i = 0;
    function step(cur) {
      if (i === path.length) return sn === 0 && hex(cur) === hex(root);
      var p = path[i++];
      if (sn === 0) return false;
      var next;
      if (fn % 2 === 1 || fn === sn) {
        next = nodeHash(p, cur);
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        next = nodeHash(cur, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
      return next.then(step);
    }
    return r.then(step);
  }

  var index = Number(box.getAttribute('data-index'));
  var leaf = unb64(box.getAttribute('data-leaf'));
  say('running', 'running');
  Promise.all([getJson('/api/v1/ledger/sth'), getJson('/api/v1/ledger/key'), leafHash(leaf)]).then(function (got) {
    var sth = got[0], key = got[1], lh = got[2];
    if (index >= sth.tree_size) { say('partial', 'pending'); return; }
    return getJson('/api/v1/ledger/proof/inclusion?index=' + index + '&tree_size=' + sth.tree_size).then(function (proof) {
      var root = unhex(sth.root_hash);
      return verifyInclusion(index, sth.tree_size, lh, proof.audit_path.map(unhex), root).then(function (included) {
        if (!included) { say('fail', 'fail'); return; }
        var msg = cat(new TextEncoder().encode('ChungTay-STH-v1\u0000'), u64(sth.tree_size), u64(sth.timestamp), root);
        return crypto.subtle.importKey('raw', unb64(key.public_key), { name: 'Ed25519' }, false, ['verify'])
          .then(function (k) { return crypto.subtle.verify({ name: 'Ed25519' }, k, unb64(sth.signature), msg); })
          .then(function (ok) {
            if (ok) say('ok', 'ok', '(' + sth.tree_size + ', ' + sth.root_hash.slice(0, 16) + '…)');
            else say('fail', 'badsig');
          }, function () { say('partial', 'nosig'); });
      });
    });
  }).catch(function (e) { say('fail', 'error', String(e && e.message || e)); });
})();
