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

  // The values of the session-variable inputs that are filled in.
  function varValues() {
    var vars = {};
    ['as_of', 'year', 'season'].forEach(function (n) {
      var input = el('var-' + n);
      if (input && input.value.trim() !== '') { vars[n] = input.value.trim(); }
    });
    return vars;
  }

  // send posts a query's body to url and shows the answer: the editor's
  // query to the SQL API, or a saved query's run.
  function send(url, payload) {
    if (running) { return; }
    error.hidden = true;
    truncated.hidden = true;
    status.removeAttribute('data-row-count');
    status.textContent = page.dataset.running;
    run.disabled = true;
    cancel.disabled = false;
    running = new AbortController();
    var started = Date.now();
    fetch(url, {
      method: 'POST', body: JSON.stringify(payload), signal: running.signal,
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

  function execute() {
    if (query.value.trim() === '') { return; }
    send(page.dataset.api, { query: query.value, vars: varValues(), timeout: el('sql-timeout').value });
  }

  // Saved queries: listed from GET /api/v1/queries; each opens in the
  // editor, runs with the variables above (the saved ones where empty),
  // and, when the user's own, is deleted. The list's text is set as text.
  var savedBase = page.dataset.saved.split('?')[0];
  var savedSearch = page.dataset.saved.indexOf('?') >= 0 ? page.dataset.saved.slice(page.dataset.saved.indexOf('?')) : '';
  // The user's own query last opened: saving it again under its name
  // changes it rather than failing as a second query of that name.
  var editingId = 0, editingName = '';
  var savedList = el('saved-list'), savedStatus = el('saved-status'), savedError = el('saved-error');

  function savedFailed(data) {
    savedError.textContent = (data && data.error ? data.error : page.dataset.failed) +
      (data && data.parameter ? ' (' + data.parameter + ')' : '');
    savedError.hidden = false;
  }

  function savedCall(method, url, payload) {
    var init = { method: method, headers: { 'Accept': 'application/json' } };
    if (payload !== undefined) {
      init.body = JSON.stringify(payload);
      init.headers['Content-Type'] = 'application/json';
    }
    return fetch(url, init).then(function (resp) {
      if (resp.status === 204) { return { ok: true, data: null }; }
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    });
  }

  function button(label, cls, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  function showSaved(list) {
    savedList.textContent = '';
    savedList.setAttribute('data-count', String(list.length));
    if (list.length === 0) {
      var none = document.createElement('li');
      none.className = 'note';
      none.textContent = page.dataset.savedNone;
      savedList.appendChild(none);
      return;
    }
    list.forEach(function (q) {
      var li = document.createElement('li');
      li.setAttribute('data-id', String(q.id));
      var name = document.createElement('strong');
      name.className = 'saved-name';
      name.textContent = q.name;
      li.appendChild(name);
      var who = document.createElement('span');
      who.className = 'note';
      who.textContent = ' ' + page.dataset.savedBy + ' ' + q.owner + ' (' + q.region + ')' +
        (q.shared ? ' · ' + page.dataset.savedShared : '');
      li.appendChild(who);
      if (q.description) {
        var d = document.createElement('p');
        d.className = 'saved-description';
        d.textContent = q.description;
        li.appendChild(d);
      }
      var bar = document.createElement('div');
      bar.appendChild(button(page.dataset.savedLoad, 'saved-load', function () {
        query.value = q.query;
        ['as_of', 'year', 'season'].forEach(function (n) {
          var input = el('var-' + n);
          if (input) { input.value = q.vars && q.vars[n] ? q.vars[n] : ''; }
        });
        el('saved-name').value = q.mine ? q.name : '';
        el('saved-description').value = q.mine ? q.description : '';
        el('saved-shared').checked = q.mine && q.shared;
        editingId = q.mine ? q.id : 0;
        editingName = q.mine ? q.name : '';
        query.focus();
      }));
      bar.appendChild(document.createTextNode(' '));
      bar.appendChild(button(page.dataset.savedRun, 'saved-run', function () {
        send(savedBase + '/' + q.id + '/run' + savedSearch, { vars: varValues(), timeout: el('sql-timeout').value });
      }));
      if (q.mine) {
        bar.appendChild(document.createTextNode(' '));
        bar.appendChild(button(page.dataset.savedDelete, 'saved-delete', function () {
          if (!window.confirm(page.dataset.savedConfirm)) { return; }
          savedCall('DELETE', savedBase + '/' + q.id + savedSearch).then(function (a) {
            if (!a.ok) { savedFailed(a.data); return; }
            loadSaved();
          }).catch(function (err) { savedFailed({ error: String(err) }); });
        }));
      }
      li.appendChild(bar);
      savedList.appendChild(li);
    });
  }

  function loadSaved() {
    return savedCall('GET', page.dataset.saved).then(function (a) {
      if (!a.ok) { savedFailed(a.data); return; }
      showSaved(a.data);
    }).catch(function (err) { savedFailed({ error: String(err) }); });
  }

  el('saved-form').addEventListener('submit', function (e) {
    e.preventDefault();
    savedError.hidden = true;
    savedStatus.textContent = '';
    var name = el('saved-name').value;
    savedCall('POST', page.dataset.saved, {
      id: editingId && name.trim() === editingName ? editingId : 0,
      name: name, description: el('saved-description').value,
      query: query.value, vars: varValues(), shared: el('saved-shared').checked
    }).then(function (a) {
      if (!a.ok) { savedFailed(a.data); return; }
      savedStatus.textContent = page.dataset.savedDone;
      editingId = 0;
      editingName = '';
      el('saved-name').value = '';
      el('saved-description').value = '';
      loadSaved();
    }).catch(function (err) { savedFailed({ error: String(err) }); });
  });
  loadSaved();

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
