// Behaviour shared by every page. Pages work without it; it adds the theme and time-zone toggles (both
// remembered in localStorage) and the "/" shortcut. No inline scripts anywhere: the CSP forbids them.
(function () {
  'use strict';
  var root = document.documentElement;
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
  };

  function applyTheme() {
    var t = store.get('tracelite.theme');
    if (t === 'light' || t === 'dark') root.setAttribute('data-theme', t);
    else root.removeAttribute('data-theme');
    var b = document.getElementById('theme-toggle');
    if (b) b.textContent = t === 'dark' ? 'Dark' : t === 'light' ? 'Light' : 'Auto';
  }

  function useUtc() { return store.get('tracelite.tz') === 'utc'; }

  var pad = function (n, w) { return String(n).padStart(w || 2, '0'); };
  function formatLocal(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  }
  function formatUtc(d) { return d.toISOString().replace('T', ' ').replace('Z', ' UTC'); }

  // <time datetime="…Z" data-abs> shows the absolute time; <time data-rel> keeps its relative text and
  // carries the absolute time in its title.
  function renderTimes(scope) {
    var utc = useUtc();
    var nodes = (scope || document).querySelectorAll('time[datetime]');
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var d = new Date(el.getAttribute('datetime'));
      if (isNaN(d.getTime())) continue;
      var text = utc ? formatUtc(d) : formatLocal(d);
      if (el.hasAttribute('data-abs')) el.textContent = text;
      else el.title = text;
    }
    var b = document.getElementById('tz-toggle');
    if (b) b.textContent = utc ? 'UTC' : 'Local time';
  }

  function init() {
    var theme = document.getElementById('theme-toggle');
    var tz = document.getElementById('tz-toggle');
    if (theme) {
      theme.hidden = false;
      theme.addEventListener('click', function () {
        var order = ['auto', 'light', 'dark'];
        var cur = store.get('tracelite.theme') || 'auto';
        store.set('tracelite.theme', order[(order.indexOf(cur) + 1) % order.length]);
        applyTheme();
      });
    }
    if (tz) {
      tz.hidden = false;
      tz.addEventListener('click', function () {
        store.set('tracelite.tz', useUtc() ? 'local' : 'utc');
        renderTimes();
      });
    }
    applyTheme();
    renderTimes();
    // Fragments swapped in carry <time> elements too. htmx 4 fires htmx:after:swap on the element that made
    // the request (the clicked link), not on the new content, so listening for it formatted nothing and span
    // details opened by a click showed raw ISO times. Watching the DOM catches every insertion — htmx swaps,
    // trace.js's own fetches — in one place. Setting a <time>'s text adds a text node, which is skipped.
    if (window.MutationObserver) {
      new MutationObserver(function (records) {
        for (var r = 0; r < records.length; r++) {
          var added = records[r].addedNodes;
          for (var n = 0; n < added.length; n++) {
            var node = added[n];
            if (node.nodeType !== 1) continue;
            if (node.matches('time[datetime]') || node.querySelector('time[datetime]')) renderTimes(node.parentNode || node);
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    }
    document.addEventListener('keydown', function (e) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      var search = document.querySelector('[data-search-focus]');
      if (search) { e.preventDefault(); search.focus(); }
    });
  }

  applyTheme();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
  window.tracelite = { renderTimes: renderTimes, store: store };
})();
