// cite.js, the one script of a recording's page: copy buttons for its
// citations, the moment of ?t= carried into them, the form that links to a
// moment, and the click-to-load player. Without it (or without JavaScript)
// the citations stay selectable text, the files plain links, the form
// opens the page at ?t=, and the player is a link to where the recording is
// watched. Nothing here runs inline, so a Content-Security-Policy of
// script-src 'self' holds.
(function () {
  'use strict';

  // seconds reads ?t= the way the server does: 01:02:03, 62:03, 3723 or
  // 1h2m3s; 0 for anything else.
  function seconds(t) {
    if (!t) return 0;
    t = String(t).trim();
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
  function withMoment(href, at) {
    return at > 0 ? href + '?t=' + at : href;
  }

  var at = seconds(new URLSearchParams(location.search).get('t'));

  // The citations cite the moment: the in-text citations name it, and the
  // files (served by ospofeed) cite it too.
  function citeMoment(at) {
    var section = document.getElementById('cite');
    if (!section) return;
    section.querySelectorAll('[data-clock]').forEach(function (el) {
      if (!el.hasAttribute('data-whole')) el.setAttribute('data-whole', el.textContent);
      el.textContent = at > 0
        ? el.getAttribute('data-before') + clock(at, el.getAttribute('data-clock')) + el.getAttribute('data-after')
        : el.getAttribute('data-whole');
    });
    section.querySelectorAll('a[data-moment]').forEach(function (a) {
      if (!a.hasAttribute('data-href')) a.setAttribute('data-href', a.getAttribute('href'));
      a.setAttribute('href', withMoment(a.getAttribute('data-href'), at));
    });
  }
  citeMoment(at);

  // The player: the link to the recording's page on its platform becomes a
  // button that, pressed, puts the platform's player in its place, started
  // at the moment. Nothing is asked of the platform before that.
  var player = document.querySelector('[data-player]');
  var playing = false;
  // embedURL is the player's address, playing from the moment. Kaltura's
  // player (mwEmbed) takes the start as the flashvar
  // mediaProxy.mediaPlayFrom; YouTube's as start.
  function embedURL(kind, base, at) {
    if (kind === 'kaltura') {
      return base + '&flashvars[autoPlay]=true' + (at > 0 ? '&flashvars[mediaProxy.mediaPlayFrom]=' + at : '');
    }
    return base + (base.indexOf('?') < 0 ? '?' : '&') + 'autoplay=1' + (at > 0 ? '&start=' + at : '');
  }
  function playLabel(at) {
    return at > 0 ? 'Play from ' + clock(at, 'short') : 'Play';
  }
  if (player) {
    var link = player.querySelector('a.player-start');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'player-start';
    while (link.firstChild) button.appendChild(link.firstChild);
    link.replaceWith(button);
    var label = button.querySelector('.play-label');
    label.textContent = playLabel(at);
    var note = document.querySelector('[data-player-note]');
    if (note) note.hidden = false;
    button.addEventListener('click', function () {
      var f = document.createElement('iframe');
      f.src = embedURL(player.getAttribute('data-kind'), player.getAttribute('data-embed'), at);
      f.title = 'Video player: ' + document.querySelector('h1').textContent;
      f.allow = 'autoplay; fullscreen; encrypted-media; picture-in-picture';
      f.setAttribute('allowfullscreen', '');
      button.replaceWith(f);
      playing = true;
      f.focus();
    });
  }

  // The form of a moment: the link to this page there, and to the
  // citation files there.
  var form = document.querySelector('form.moment');
  if (form) {
    var input = form.querySelector('input[name=t]');
    var out = form.querySelector('[data-moment-out]');
    var duration = +form.getAttribute('data-duration') || 0;
    if (at > 0) input.value = clock(at, 'long');
    var show = function () {
      var s = seconds(input.value);
      out.hidden = false;
      out.textContent = '';
      if (input.value.trim() === '') {
        out.hidden = true;
        return;
      }
      if (s <= 0 || (duration > 0 && s > duration)) {
        out.textContent = s <= 0
          ? 'Write the time as hours, minutes and seconds: 1:02:03.'
          : 'The recording is ' + clock(duration, 'short') + ' long.';
        return;
      }
      var page = location.origin + location.pathname + '?t=' + s;
      var p = document.createElement('a');
      p.href = page;
      p.textContent = page;
      out.append('Link to ' + clock(s, 'short') + ': ', p, '. Citations at that moment: ');
      [['cite.bib', 'BibTeX'], ['cite.ris', 'RIS'], ['cite.json', 'CSL-JSON'], ['cite.txt', 'text']].forEach(function (f, i) {
        var a = document.createElement('a');
        a.href = f[0] + '?t=' + s;
        a.textContent = f[1];
        out.append(i ? ' · ' : '', a);
      });
      out.append('.');
    };
    input.addEventListener('input', show);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var s = seconds(input.value);
      show();
      if (s <= 0 || (duration > 0 && s > duration)) return;
      at = s;
      history.replaceState(null, '', location.pathname + '?t=' + s);
      citeMoment(at);
      if (player && !playing) {
        var l = player.querySelector('.play-label');
        if (l) l.textContent = playLabel(at);
      }
    });
    if (at > 0) show();
  }

  // Copy buttons, where the clipboard can be written.
  var section = document.getElementById('cite');
  if (!section || !navigator.clipboard) return;
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
