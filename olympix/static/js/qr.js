/* A small QR encoder for the phone ticket's rotating code (static/js/mticket.js).
   Exactly what the server draws (gate/barcode.py: level M, border 4, never
   Micro QR): alphanumeric mode, level M, the smallest version from 1 to 3
   that holds the text (up to 61 characters) (a 29-character code: version 2, 25x25), one block of
   Reed-Solomon codewords, mask 0.  No dependency; ISO/IEC 18004 as written
   up by Project Nayuki.  window.OlympixQR.svg(text) -> SVG markup. */
(function () {
  "use strict";
  var ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  // Level M, versions 1-3: [data codewords, EC codewords] (one block each;
  // version 4 and up split into blocks, which this encoder does not do).
  var CAPACITY = {1: [16, 10], 2: [28, 16], 3: [44, 26]};
  var ALIGN = {1: [], 2: [6, 18], 3: [6, 22]};

  function gfMul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11D);
      z ^= ((y >>> i) & 1) * x;
    }
    return z & 0xFF;
  }

  function rsDivisor(degree) {
    var result = [];
    for (var i = 0; i < degree - 1; i++) { result.push(0); }
    result.push(1);
    var root = 1;
    for (i = 0; i < degree; i++) {
      for (var j = 0; j < result.length; j++) {
        result[j] = gfMul(result[j], root);
        if (j + 1 < result.length) { result[j] ^= result[j + 1]; }
      }
      root = gfMul(root, 0x02);
    }
    return result;
  }

  function rsRemainder(data, divisor) {
    var result = divisor.map(function () { return 0; });
    data.forEach(function (b) {
      var factor = b ^ result.shift();
      result.push(0);
      divisor.forEach(function (coef, i) { result[i] ^= gfMul(coef, factor); });
    });
    return result;
  }

  function dataCodewords(text, version) {
    var bits = [];
    var put = function (value, length) {
      for (var i = length - 1; i >= 0; i--) { bits.push((value >>> i) & 1); }
    };
    put(2, 4);  // alphanumeric mode
    put(text.length, 9);
    for (var i = 0; i + 1 < text.length; i += 2) {
      put(ALNUM.indexOf(text[i]) * 45 + ALNUM.indexOf(text[i + 1]), 11);
    }
    if (text.length % 2) { put(ALNUM.indexOf(text[text.length - 1]), 6); }
    var capacity = CAPACITY[version][0] * 8;
    put(0, Math.min(4, capacity - bits.length));
    while (bits.length % 8) { bits.push(0); }
    var bytes = [];
    for (i = 0; i < bits.length; i += 8) {
      var b = 0;
      for (var j = 0; j < 8; j++) { b = (b << 1) | bits[i + j]; }
      bytes.push(b);
    }
    for (var pad = 0xEC; bytes.length < CAPACITY[version][0]; pad ^= 0xEC ^ 0x11) { bytes.push(pad); }
    return bytes;
  }

  function matrix(text) {
    var version = 1;
    while (version <= 3 && 13 + Math.ceil(11 * text.length / 2) > CAPACITY[version][0] * 8) { version++; }
    if (version > 3) { throw new Error("text too long for this encoder"); }
    for (var k = 0; k < text.length; k++) {
      if (ALNUM.indexOf(text[k]) < 0) { throw new Error("not QR alphanumeric"); }
    }
    var size = version * 4 + 17;
    var modules = [], fixed = [];
    for (var y = 0; y < size; y++) { modules.push(new Array(size).fill(false)); fixed.push(new Array(size).fill(false)); }
    var set = function (x, y, dark) { modules[y][x] = dark; fixed[y][x] = true; };
    for (var i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var dist = Math.max(Math.abs(dx), Math.abs(dy)), xx = c[0] + dx, yy = c[1] + dy;
          if (xx >= 0 && xx < size && yy >= 0 && yy < size) { set(xx, yy, dist !== 2 && dist !== 4); }
        }
      }
    });
    var align = ALIGN[version];
    align.forEach(function (ax) {
      align.forEach(function (ay) {
        if ((ax === 6 && ay === 6) || (ax === 6 && ay === size - 7) || (ax === size - 7 && ay === 6)) { return; }
        for (var dy = -2; dy <= 2; dy++) {
          for (var dx = -2; dx <= 2; dx++) { set(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1); }
        }
      });
    });
    var mask = 0;
    var format = function () {
      var data = (0 << 3) | mask;  // level M's format bits are 00
      var rem = data;
      for (var i = 0; i < 10; i++) { rem = (rem << 1) ^ ((rem >>> 9) * 0x537); }
      var bits = ((data << 10) | rem) ^ 0x5412;
      var bit = function (i) { return ((bits >>> i) & 1) === 1; };
      for (i = 0; i <= 5; i++) { set(8, i, bit(i)); }
      set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8));
      for (i = 9; i < 15; i++) { set(14 - i, 8, bit(i)); }
      for (i = 0; i < 8; i++) { set(size - 1 - i, 8, bit(i)); }
      for (i = 8; i < 15; i++) { set(8, size - 15 + i, bit(i)); }
      set(8, size - 8, true);
    };
    format();
    var data = dataCodewords(text, version);
    var all = data.concat(rsRemainder(data, rsDivisor(CAPACITY[version][1])));
    var n = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) { right = 5; }
      for (var vert = 0; vert < size; vert++) {
        for (var j = 0; j < 2; j++) {
          var x = right - j, upward = ((right + 1) & 2) === 0;
          y = upward ? size - 1 - vert : vert;
          if (!fixed[y][x] && n < all.length * 8) {
            modules[y][x] = ((all[n >>> 3] >>> (7 - (n & 7))) & 1) === 1;
            n++;
          }
        }
      }
    }
    for (y = 0; y < size; y++) {
      for (x = 0; x < size; x++) {
        if (!fixed[y][x] && (x + y) % 2 === 0) { modules[y][x] = !modules[y][x]; }
      }
    }
    format();
    return modules;
  }

  function svg(text) {
    var m = matrix(text), border = 4, size = m.length + 2 * border, path = [];
    for (var y = 0; y < m.length; y++) {
      for (var x = 0; x < m.length; x++) {
        if (m[y][x]) { path.push("M" + (x + border) + " " + (y + border) + "h1v1h-1z"); }
      }
    }
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + size + " " + size +
      '" shape-rendering="crispEdges"><rect width="' + size + '" height="' + size +
      '" fill="#fff"/><path fill="#000" d="' + path.join("") + '"/></svg>';
  }

  var api = {matrix: matrix, svg: svg};
  if (typeof module !== "undefined" && module.exports) { module.exports = api; } else { window.OlympixQR = api; }
})();
