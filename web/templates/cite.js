// cite.js: copy buttons for the citations of a recording page, and the
// moment of ?t= carried into them. Without it (or without JavaScript) the
// citations stay selectable text and the files plain links.
(function () {
  'use strict';
  var section = document.getElementById('cite');
  if (!section) return;

  // seconds reads ?t= the way the server does: 01:02:03, 62:03, 3723 or 1h2m3s.
  function seconds(t) {
    if (!t) return 0;
    var m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
    if (m && t !== '') return (+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0));
    var parts = t.split(':'), s = 0;
    if (parts.length > 3) return 0;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+$/.test(parts[i]) || (i > 0 && +parts[i] >= 60)) return 0;
      s = s * 60 + (+parts[i]);
    }
    return s;
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  // clock writes a moment as each style cites it: 1:02:03 (APA,
  // Chicago) or 01:02:03 (MLA).
  function clock(s, form) {
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    if (form === 'long') return two(h) + ':' + two(m) + ':' + two(r);
    return h > 0 ? h + ':' + two(m) + ':' + two(r) : m + ':' + two(r);
  }

  var at = seconds(new URLSearchParams(location.search).get('t'));
  if (at > 0) {
    section.querySelectorAll('[data-clock]').forEach(function (el) {
      el.textContent = el.getAttribute('data-before') + clock(at, el.getAttribute('data-clock')) + el.getAttribute('data-after');
    });
    // Served by ospofeed, the files cite the moment too.
    section.querySelectorAll('a[data-moment]').forEach(function (a) {
      a.href = a.getAttribute('href') + '?t=' + at;
    });
  }

  if (!navigator.clipboard) return;
  section.querySelectorAll('button[data-copy]').forEach(function (b) {
    var label = b.textContent;
    b.hidden = false;
    b.addEventListener('click', function () {
      var el = document.getElementById(b.getAttribute('data-copy'));
      var text = el.textContent, done;
      if (window.ClipboardItem && navigator.clipboard.write) {
        // Rich text keeps the italics where the paste target takes them.
        done = navigator.clipboard.write([new ClipboardItem({
          'text/html': new Blob([el.innerHTML], { type: 'text/html' }),
          'text/plain': new Blob([text], { type: 'text/plain' })
        })]);
      } else {
        done = navigator.clipboard.writeText(text);
      }
      done.then(function () {
        b.textContent = 'Copied';
        setTimeout(function () { b.textContent = label; }, 2000);
      }, function () {
        b.textContent = 'Copy failed: select the text';
      });
    });
  });
})();
