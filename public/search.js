// The search page's small behaviours. The page works without them: each one only shortens a step.
(function () {
  'use strict';
  var form = document.getElementById('search-form');
  if (!form) return;

  // A new service has other operations: forget the old one before the form's own request leaves
  // (this capture listener runs before htmx's listeners on the select and the form).
  document.addEventListener('change', function (e) {
    if (e.target && e.target.id === 'service') {
      var op = document.getElementById('operation');
      if (op) op.value = '';
    }
    if (e.target && e.target.id === 'range') {
      document.getElementById('custom-range').hidden = e.target.value !== 'custom';
    }
  }, true);

  // Keep pushed URLs short: a GET form sends every field, filled or not.
  document.addEventListener('htmx:config:request', function (e) {
    var ctx = e.detail && e.detail.ctx;
    var body = ctx && ctx.request && ctx.request.body;
    if (!body || typeof body.entries !== 'function' || ctx.sourceElement !== form) return;
    var keep = [];
    body.forEach(function (v, k) {
      if (v !== '' && !(k === 'range' && v === 'all') && !(k === 'limit' && v === '20')) keep.push([k, v]);
    });
    Array.from(body.keys()).forEach(function (k) { body.delete(k); });
    keep.forEach(function (kv) { body.append(kv[0], kv[1]); });
  });

  // "+ add filter" and "×" on attribute filters; without JavaScript one empty input is always there.
  var attrs = document.getElementById('attr-filters');
  var add = document.getElementById('add-attr');
  function showRemoveButtons() {
    attrs.querySelectorAll('.attr-remove').forEach(function (b) { b.hidden = false; });
  }
  add.hidden = false;
  showRemoveButtons();
  add.addEventListener('click', function () {
    var wrap = document.createElement('span');
    wrap.className = 'attr-input';
    var input = document.createElement('input');
    input.name = 'attr';
    input.placeholder = 'key=value';
    input.setAttribute('aria-label', 'Attribute filter');
    input.autocomplete = 'off';
    wrap.appendChild(input);
    attrs.insertBefore(wrap, add);
    input.focus();
  });
  attrs.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('.attr-remove');
    if (!b) return;
    b.parentNode.remove();
    form.requestSubmit();
  });

  // Axis labels are rendered in UTC; show them in local time when that is the chosen zone.
  var pad = function (n) { return String(n).padStart(2, '0'); };
  function relabelAxis(scope) {
    var utc = window.tracelite && window.tracelite.store.get('tracelite.tz') === 'utc';
    (scope || document).querySelectorAll('.scatter text[data-ms]').forEach(function (t) {
      var d = new Date(Number(t.getAttribute('data-ms')));
      var h = utc ? d.getUTCHours() : d.getHours();
      var m = utc ? d.getUTCMinutes() : d.getMinutes();
      var s = utc ? d.getUTCSeconds() : d.getSeconds();
      t.textContent = pad(h) + ':' + pad(m) + (t.hasAttribute('data-seconds') ? ':' + pad(s) : '');
    });
  }

  // Compare needs exactly two ticked traces.
  function updateCompare() {
    var button = document.getElementById('compare-button');
    if (!button) return;
    var n = document.querySelectorAll('#compare-form input[name="trace"]:checked').length;
    button.disabled = n !== 2;
    var hint = document.getElementById('compare-hint');
    if (hint) hint.textContent = n === 2 ? 'Ready to compare.' : n > 2 ? 'Tick only two traces.' : 'Tick two traces to compare them.';
  }
  document.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'trace') updateCompare();
  });

  function refresh() { relabelAxis(); updateCompare(); }
  document.addEventListener('htmx:after:swap', refresh);
  var tz = document.getElementById('tz-toggle');
  if (tz) tz.addEventListener('click', function () { setTimeout(relabelAxis, 0); });
  refresh();
})();
