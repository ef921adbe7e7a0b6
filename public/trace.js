// The trace page's keyboard and small enhancements. Everything works without it: rows are links, subtrees
// are <details>, find is a GET form. It adds j/k/Enter/e, expand/collapse all, bar clicks that open the
// details via htmx, and scrolling a deep-linked span into view.
(function () {
  'use strict';

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

  function nextError() {
    var all = Array.prototype.slice.call(document.querySelectorAll('#waterfall .wf-row[data-error]'));
    if (!all.length) return;
    var cur = current();
    var next = all[0];
    for (var i = 0; i < all.length; i++) {
      if (cur && (cur.compareDocumentPosition(all[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) { next = all[i]; break; }
    }
    // Open every collapsed ancestor so the error row is visible.
    for (var d = next.parentElement; d; d = d.parentElement) if (d.tagName === 'DETAILS' && d !== next.parentElement) d.open = true;
    setCursor(next);
  }

  function open(row) {
    var link = row && row.querySelector('.wf-name');
    if (link) link.click();
  }

  function typing(t) {
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === 'j') { e.preventDefault(); move(1); }
    else if (e.key === 'k') { e.preventDefault(); move(-1); }
    else if (e.key === 'e') { e.preventDefault(); nextError(); }
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
  });

  function markSelected(row) {
    var old = document.querySelectorAll('#waterfall .wf-row.selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('selected');
    if (row) { row.classList.add('selected'); setCursor(row); }
  }

  function setAll(openState) {
    var all = document.querySelectorAll('#waterfall details.wf-node');
    for (var i = 0; i < all.length; i++) all[i].open = openState;
  }

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
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
