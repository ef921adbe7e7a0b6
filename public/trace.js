// The trace page's keyboard and small enhancements. Everything works without it: rows are links, subtrees
// are <details>, find is a GET form, zoom is a set of links. It adds j/k/Enter/e/Esc/arrows, expand/collapse
// all, drag-to-zoom on the minimap, bar clicks that open the details via htmx, `e` reaching errors not yet
// loaded (the waterfall is fetched again with ?reveal=), and scrolling a deep-linked span into view.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var expandMode = false;

  function rows() {
    // Only rows that are visible: a row inside a closed <details> has no layout box.
    return Array.prototype.filter.call(document.querySelectorAll('#waterfall .wf-row'), function (r) {
      return r.getClientRects().length > 0;
    });
  }
  function current() { return document.querySelector('#waterfall .wf-row.cursor') || document.querySelector('#waterfall .wf-row.selected'); }

  function setCursor(row) {
    var old = document.querySelectorAll('#waterfall .wf-row.cursor');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('cursor');
    if (!row) return;
    row.classList.add('cursor');
    var link = row.querySelector('.wf-name');
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current());
    setCursor(all[i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step))]);
  }

  function reveal(row) {
    // Open every collapsed ancestor so the row is visible.
    for (var d = row.parentElement; d; d = d.parentElement) if (d.tagName === 'DETAILS' && d !== row.parentElement) d.open = true;
    setCursor(row);
  }

  function rowOf(id) { return document.getElementById('span-' + id); }

  // The next error in tree order after the cursor. The server lists every error span (data-errors), so an
  // error inside a subtree not loaded yet is reached by fetching the waterfall again with that span revealed.
  function nextError() {
    var wf = document.getElementById('waterfall');
    var ids = ((wf && wf.getAttribute('data-errors')) || '').split(' ').filter(Boolean);
    if (!ids.length) return;
    var cur = current();
    var k = -1;
    for (var i = 0; i < ids.length; i++) {
      var el = rowOf(ids[i]);
      if (el && cur && (el === cur || (cur.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING))) k = i;
    }
    var next = ids[(k + 1) % ids.length];
    var row = rowOf(next);
    if (row) { reveal(row); return; }
    var url = new URL(window.location.href);
    url.hash = '';
    url.searchParams.set('reveal', next);
    window.htmx.ajax('GET', url.pathname + url.search, { target: '#waterfall', swap: 'outerHTML' }).then(function () {
      var r = rowOf(next);
      if (r) reveal(r);
    });
  }

  function closeDetails() {
    var panel = document.getElementById('span-details');
    if (!panel || !panel.querySelector('.details-head')) return false;
    var sel = document.querySelector('#waterfall .wf-row.selected');
    panel.innerHTML = '<p class="muted small details-hint">Click a span to see its attributes, events and links.</p>';
    var old = document.querySelectorAll('#waterfall .wf-row.selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('selected');
    var url = new URL(window.location.href);
    url.searchParams.delete('span');
    url.hash = '';
    history.pushState({}, '', url.pathname + url.search);
    if (sel) setCursor(sel);
    return true;
  }

  function toggleRow(row, openState) {
    if (!row || row.tagName !== 'SUMMARY') return;
    row.parentElement.open = openState;
  }

  function open(row) {
    var link = row && row.querySelector('.wf-name');
    if (link) link.click();
  }

  function typing(t) {
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) { if (e.key === 'Escape') closeDetails(); return; }
    if (e.key === 'j') { e.preventDefault(); move(1); }
    else if (e.key === 'k') { e.preventDefault(); move(-1); }
    else if (e.key === 'e') { e.preventDefault(); nextError(); }
    else if (e.key === 'Escape') { if (closeDetails()) e.preventDefault(); }
    else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      var row = current();
      if (row) { e.preventDefault(); toggleRow(row, e.key === 'ArrowRight'); }
    }
    else if (e.key === 'Enter') {
      // A focused link opens itself; otherwise open the row under the cursor.
      if (e.target && e.target.tagName === 'A') return;
      var c = current();
      if (c) { e.preventDefault(); open(c); }
    }
  });

  document.addEventListener('click', function (e) {
    // A click on a bar opens the span's details through the row's htmx link, not a full page load.
    var track = e.target.closest && e.target.closest('#waterfall .wf-track');
    if (track && !e.ctrlKey && !e.metaKey && !e.shiftKey) { e.preventDefault(); open(track.closest('.wf-row')); return; }
    var name = e.target.closest && e.target.closest('#waterfall .wf-name');
    if (name) markSelected(name.closest('.wf-row'));
    var reset = e.target.closest && e.target.closest('#waterfall [data-zoom-reset]');
    if (reset && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      zoomTo(reset.closest('#waterfall').querySelector('.wf-mini').getAttribute('data-zoom-base'), null, null);
    }
  });

  function markSelected(row) {
    var old = document.querySelectorAll('#waterfall .wf-row.selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('selected');
    if (row) { row.classList.add('selected'); setCursor(row); }
  }

  // Expand all opens what is loaded; placeholders then load as they scroll into view (each fragment within
  // the row budget), and what they bring is opened too while expand mode lasts.
  function setAll(openState) {
    expandMode = openState;
    var all = document.querySelectorAll('#waterfall details.wf-node');
    for (var i = 0; i < all.length; i++) all[i].open = openState;
  }

  // Zoom: drag across the minimap to pick a time window; the waterfall is fetched for it (bars and ticks
  // follow) and the URL keeps it. The no-JS quarter links and the reset link stay as they are.
  function zoomTo(base, from, to) {
    var url = base + (base.indexOf('?') < 0 ? '?' : '&') + (from === null ? '' : 'from=' + from + '&to=' + to);
    url = url.replace(/[?&]$/, '');
    window.htmx.ajax('GET', url, { target: '#waterfall', swap: 'outerHTML' }).then(function () {
      history.pushState({}, '', url);
      var inputs = document.querySelectorAll('.wf-find input[data-zoom]');
      for (var i = 0; i < inputs.length; i++) {
        var v = from === null ? '' : String(inputs[i].getAttribute('data-zoom') === 'from' ? from : to);
        inputs[i].value = v;
        inputs[i].disabled = v === '';
      }
    });
  }

  var drag = null;
  document.addEventListener('pointerdown', function (e) {
    var mini = e.target.closest && e.target.closest('#waterfall .wf-mini');
    if (!mini || e.button !== 0) return;
    e.preventDefault();
    var box = mini.getBoundingClientRect();
    drag = { mini: mini, box: box, x0: e.clientX, sel: mini.querySelector('.wf-mini-sel') };
    mini.setPointerCapture && mini.setPointerCapture(e.pointerId);
  });
  document.addEventListener('pointermove', function (e) {
    if (!drag) return;
    var a = Math.max(0, Math.min(drag.x0, e.clientX) - drag.box.left);
    var b = Math.min(drag.box.width, Math.max(drag.x0, e.clientX) - drag.box.left);
    drag.sel.hidden = false;
    drag.sel.style.left = a + 'px';
    drag.sel.style.width = Math.max(0, b - a) + 'px';
  });
  document.addEventListener('pointerup', function (e) {
    if (!drag) return;
    var d = drag;
    drag = null;
    d.sel.hidden = true;
    var a = Math.max(0, Math.min(d.x0, e.clientX) - d.box.left) / d.box.width;
    var b = Math.min(d.box.width, Math.max(d.x0, e.clientX) - d.box.left) / d.box.width;
    if ((b - a) * d.box.width < 4) return; // a click, not a drag
    var total = Number(d.mini.getAttribute('data-total-ms'));
    var round = function (ms) { return Math.round(ms * 1000) / 1000; };
    zoomTo(d.mini.getAttribute('data-zoom-base'), round(a * total), round(b * total));
  });

  function init() {
    var ex = document.getElementById('wf-expand');
    var co = document.getElementById('wf-collapse');
    if (ex) { ex.hidden = false; ex.addEventListener('click', function () { setAll(true); }); }
    if (co) { co.hidden = false; co.addEventListener('click', function () { setAll(false); }); }
    var sel = document.querySelector('#waterfall .wf-row.selected');
    if (sel) { sel.scrollIntoView({ block: 'center' }); sel.classList.add('cursor'); }
  }

  // History navigation re-renders the page; a details swap keeps the selected row in step with the URL.
  document.addEventListener('htmx:after:swap', function (e) {
    var t = e.target;
    if (t && t.id === 'span-details' && window.tracelite) window.tracelite.renderTimes(t);
    if (expandMode) {
      var all = document.querySelectorAll('#waterfall details.wf-node:not([open])');
      for (var i = 0; i < all.length; i++) all[i].open = true;
    }
  });

  // Tabbing onto a row's link puts the cursor there, so j/k/e continue from it.
  document.addEventListener('focusin', function (e) {
    var link = e.target.closest && e.target.closest('#waterfall .wf-name');
    if (!link) return;
    var row = link.closest('.wf-row');
    if (row && !row.classList.contains('cursor')) {
      var old = document.querySelectorAll('#waterfall .wf-row.cursor');
      for (var i = 0; i < old.length; i++) old[i].classList.remove('cursor');
      row.classList.add('cursor');
    }
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
