// The SQL page: runs the editor's query through POST /api/v1/sql (the
// session's cookie, same origin), shows the rows in pages, and cancels a
// running query by aborting the request (the server then interrupts it).
// Every value is set as text, never as HTML.
(function () {
  'use strict';
  var page = document.getElementById('sql-page');
  if (!page) { return; }
  var el = function (id) { return document.getElementById(id); };
  var query = el('sql-query'), run = el('sql-run'), cancel = el('sql-cancel');
  var status = el('sql-status'), error = el('sql-error'), truncated = el('sql-truncated');
  var table = el('sql-table'), pager = el('sql-pager'), pageLabel = el('sql-page-label');
  var pageSize = 100, current = null, shown = 0, running = null;

  function fill(format, a, b) {
    return format.replace('%d', String(a)).replace('%d', String(b));
  }

  function showPage(n) {
    var thead = table.tHead, tbody = table.tBodies[0];
    thead.textContent = '';
    tbody.textContent = '';
    var head = thead.insertRow();
    current.columns.forEach(function (c) {
      var th = document.createElement('th');
      th.textContent = c;
      head.appendChild(th);
    });
    var pages = Math.max(1, Math.ceil(current.rows.length / pageSize));
    shown = Math.min(Math.max(0, n), pages - 1);
    current.rows.slice(shown * pageSize, (shown + 1) * pageSize).forEach(function (r) {
      var tr = tbody.insertRow();
      r.forEach(function (v) {
        var td = tr.insertCell();
        if (typeof v === 'number') { td.className = 'n'; }
        td.textContent = v === null ? '' : (typeof v === 'object' ? JSON.stringify(v) : String(v));
      });
    });
    table.hidden = current.columns.length === 0;
    pager.hidden = pages < 2;
    pageLabel.textContent = fill(page.dataset.pageLabel, shown + 1, pages);
    el('sql-prev').disabled = shown === 0;
    el('sql-next').disabled = shown >= pages - 1;
  }

  function done() {
    running = null;
    run.disabled = false;
    cancel.disabled = true;
  }

  function execute() {
    if (running || query.value.trim() === '') { return; }
    var vars = {};
    ['as_of', 'year', 'season'].forEach(function (n) {
      var input = el('var-' + n);
      if (input && input.value.trim() !== '') { vars[n] = input.value.trim(); }
    });
    var body = JSON.stringify({ query: query.value, vars: vars, timeout: el('sql-timeout').value });
    error.hidden = true;
    truncated.hidden = true;
    status.textContent = page.dataset.running;
    run.disabled = true;
    cancel.disabled = false;
    running = new AbortController();
    var started = Date.now();
    fetch(page.dataset.api, {
      method: 'POST', body: body, signal: running.signal,
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (answer) {
      done();
      if (!answer.ok) {
        status.textContent = page.dataset.failed;
        error.textContent = answer.data.error + (answer.data.parameter ? ' (' + answer.data.parameter + ')' : '');
        error.hidden = false;
        return;
      }
      current = answer.data;
      var took = answer.data.elapsed_ms !== undefined ? answer.data.elapsed_ms : Date.now() - started;
      status.textContent = answer.data.row_count + ' ' + page.dataset.rows + ' · ' + took + ' ' + page.dataset.ms +
        (answer.data.notice ? ' · ' + answer.data.notice : '');
      status.setAttribute('data-row-count', String(answer.data.row_count));
      if (answer.data.truncated) {
        truncated.textContent = page.dataset.truncated;
        truncated.hidden = false;
      }
      showPage(0);
    }).catch(function (err) {
      done();
      status.textContent = err && err.name === 'AbortError' ? page.dataset.cancelled : page.dataset.failed;
      if (!(err && err.name === 'AbortError')) {
        error.textContent = String(err);
        error.hidden = false;
      }
    });
  }

  run.addEventListener('click', execute);
  cancel.addEventListener('click', function () { if (running) { running.abort(); } });
  query.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      execute();
    }
  });
  el('sql-prev').addEventListener('click', function () { showPage(shown - 1); });
  el('sql-next').addEventListener('click', function () { showPage(shown + 1); });
}());
