/*
 * Tartan's Link UI: a small single-page app over the session API (docs/link.md).
 *
 * The server owns the flow: every step returns the whole session and the UI renders
 * session.view. The page runs in three modes:
 *   - framed (in the iframe link-initialize.js creates): starts on the parent's `open`
 *     message and reports events and the result back with postMessage;
 *   - embedded (framed, ?embedded=1): the same, without the backdrop;
 *   - standalone (opened directly): starts at once and shows the result in the page.
 */
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var TOKEN = params.get('token') || '';
  var REDIRECT_URI = params.get('received_redirect_uri');
  var EMBEDDED = params.get('embedded') === '1';
  var FRAMED = window.parent !== window;
  var POLL_MS = 300;
  var SEARCH_DELAY_MS = 250;

  var app = document.getElementById('app');
  var pane = document.getElementById('pane');
  var brand = document.getElementById('brand');

  var st = {
    session: null,
    localError: null,   // a failed HTTP call: {error, request_id}; shown as the ERROR pane
    started: false,     // a session was asked for since the last result
    delivered: false,   // the result (onSuccess / onExit) went out
    forwarded: 0,       // how many session events went to onEvent
    localId: null,      // link_session_id for a start the server refused (no session exists)
    busy: 0,            // calls in flight (not counting OAuth polling)
    pendingExit: false, // close asked for while a call was in flight
    resumed: false,     // the OAuth resume (received_redirect_uri) was used
    parentOrigin: null,
    generation: 0,      // bumped per session start; answers for an older one are dropped
    searchTimer: null,
    searchSeq: 0,
    institutions: null, // latest search results
    popup: null,
    pollTimer: null,
    polling: false,
    popupClosedSeen: false,
    oauthNote: '',
    interacted: false,
    searchBusy: 0       // the part of `busy` that is searching (typed or in flight)
  };

  // ---------------------------------------------------------------- talking to the page

  function post(msg) {
    if (!FRAMED) return;
    msg.tartan_link = true;
    var target = st.parentOrigin && st.parentOrigin !== 'null' ? st.parentOrigin : '*';
    window.parent.postMessage(msg, target);
  }

  window.addEventListener('message', function (event) {
    if (!FRAMED || event.source !== window.parent) return;
    var m = event.data;
    if (!m || m.tartan_link !== true) return;
    if (st.parentOrigin && event.origin !== st.parentOrigin) return;
    st.parentOrigin = event.origin; // the page that opened Link; results only go there
    if (m.type === 'open') {
      if (!st.started || st.delivered) start();
    } else if (m.type === 'exit_request') {
      requestExit();
    }
  });

  // ---------------------------------------------------------------- the session API

  function linkError(fields, requestId) {
    return {
      error: {
        error_type: fields.error_type || 'API_ERROR',
        error_code: fields.error_code || 'INTERNAL_SERVER_ERROR',
        error_message: fields.error_message || 'an unexpected error occurred',
        display_message: fields.display_message || null
      },
      request_id: requestId || fields.request_id || null
    };
  }

  // Any failure as a Link error (HTTP envelope, network, or a bug in this page).
  function asLinkError(e) {
    if (e && e.error && e.error.error_code) return e;
    return linkError({ error_message: 'Link failed: ' + (e && e.message ? e.message : String(e)) });
  }

  // One JSON call. The link token authenticates it: sent in the query and in every body.
  function api(method, path, body) {
    var url = path + (path.indexOf('?') < 0 ? '?' : '&') + 'link_token=' + encodeURIComponent(TOKEN);
    var init = { method: method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (body) {
      body.link_token = TOKEN;
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        // Plaid's envelope; it can come with a 2xx too (e.g. 208 ALREADY_PROCESSED).
        if (data && typeof data.error_code === 'string') throw linkError(data);
        if (!res.ok || !data) {
          throw linkError({ error_message: 'Tartan answered HTTP ' + res.status + ' without a Plaid error' });
        }
        return data;
      });
    }, function (e) {
      throw linkError({ error_message: 'could not reach Tartan: ' + (e && e.message) });
    });
  }

  function sessionPath(suffix) {
    return '/tartan/link/sessions/' + encodeURIComponent(st.session.link_session_id) + (suffix || '');
  }

  function step(name, body) {
    return api('POST', sessionPath('/' + name), body || {});
  }

  // Runs a call with the busy state on; `then` gets the data, failures show the ERROR pane.
  function send(promise, then) {
    var generation = st.generation;
    setBusy(1);
    return promise
      .then(function (data) {
        if (generation === st.generation) (then || applySession)(data);
      })
      .catch(function (e) {
        if (generation === st.generation) showFailure(asLinkError(e));
      })
      .then(function () { setBusy(-1); });
  }

  function setBusy(delta, searching) {
    st.busy = Math.max(0, st.busy + delta);
    if (searching) st.searchBusy = Math.max(0, st.searchBusy + delta);
    syncBusy();
    if (st.busy === 0 && st.pendingExit) {
      st.pendingExit = false;
      setTimeout(requestExit, 0);
    }
  }

  // data-busy covers every call; buttons are disabled too, except that institution rows stay
  // clickable while only a search is running (picking a listed bank supersedes the search).
  function syncBusy() {
    var on = st.busy > 0;
    var stepping = st.busy > st.searchBusy;
    app.setAttribute('data-busy', on ? 'true' : 'false');
    app.setAttribute('aria-busy', on ? 'true' : 'false');
    var buttons = app.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      var busy = b.hasAttribute('data-institution-id') ? stepping : on;
      b.disabled = busy || b.getAttribute('data-blocked') === 'true';
    }
  }

  // ---------------------------------------------------------------- session lifecycle

  function start() {
    stopPolling();
    cancelScheduledSearch();
    st.session = null;
    st.localError = null;
    st.started = true;
    st.delivered = false;
    st.forwarded = 0;
    st.localId = null;
    st.pendingExit = false;
    st.institutions = null;
    st.searchSeq++;
    st.generation++;
    st.oauthNote = '';
    render();
    if (REDIRECT_URI && !st.resumed) {
      st.resumed = true; // only the first open resumes; later ones start afresh
      var resume = api('POST', '/tartan/link/sessions/resume', { received_redirect_uri: REDIRECT_URI });
      send(resume, function (s) {
        // The page that redirected to the bank already reported the events up to then.
        st.forwarded = s.events_before_redirect || 0;
        applySession(s);
      });
    } else {
      send(api('POST', '/tartan/link/sessions', {}));
    }
  }

  // Takes a session from the server: forwards new events, delivers a result, renders.
  function applySession(s, opts) {
    if (!s || !s.link_session_id) throw new Error('the server sent no session');
    var cur = st.session;
    if (cur && cur.link_session_id === s.link_session_id &&
        (s.events || []).length < (cur.events || []).length) {
      return; // an older answer overtaken by a newer one (searches, polling)
    }
    var viewChanged = !cur || cur.view !== s.view;
    if (viewChanged) st.oauthNote = '';
    st.session = s;
    st.localError = null;
    forwardEvents();
    // CONNECTED waits for the user's Continue (or close) before onSuccess.
    if (s.result && !st.delivered && s.view !== 'CONNECTED') deliver(s.result);
    if (!(opts && opts.quiet) || viewChanged) render();
  }

  function forwardEvents() {
    var events = (st.session && st.session.events) || [];
    for (; st.forwarded < events.length; st.forwarded++) {
      var e = events[st.forwarded];
      post({ type: 'event', event_name: e.event_name, metadata: e.metadata || {} });
    }
  }

  function deliver(result) {
    if (result.on_success) {
      finish({ type: 'success', public_token: result.on_success.public_token, metadata: result.on_success.metadata });
    } else {
      var x = result.on_exit || {};
      finish({ type: 'exit', error: x.error || null, metadata: x.metadata || exitMetadata(null) });
    }
  }

  function finish(msg) {
    st.delivered = true;
    st.pendingExit = false;
    stopPolling();
    if (st.popup && !st.popup.closed) st.popup.close();
    post(msg);
    if (!FRAMED && window.console) console.info('Tartan Link finished', msg);
  }

  // onExit metadata when the server could not give one (status as Plaid names the view left).
  function exitMetadata(requestId) {
    var s = st.session;
    var inst = s && s.institution;
    return {
      institution: inst ? { name: inst.name, institution_id: inst.institution_id } : null,
      status: exitStatus(s),
      link_session_id: s ? s.link_session_id : localSessionId(),
      request_id: requestId || null
    };
  }

  // When the server refused to start a session (an unknown, expired or used link token) there
  // is no server session: the page names this attempt itself, as Link does before it has one.
  function localSessionId() {
    if (!st.localId) {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
      st.localId = h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
    }
    return st.localId;
  }

  // An event the server did not record (a failed call): the same metadata keys as its events.
  function localEvent(name, extra) {
    var s = st.session;
    var inst = s && s.institution;
    var meta = {
      account_number_mask: null, error_type: null, error_code: null, error_message: null, exit_status: null,
      institution_id: inst ? inst.institution_id : null, institution_name: inst ? inst.name : null,
      institution_search_query: null, match_reason: null, mfa_type: null, routing_number: null, view_name: null,
      selection: null, is_update_mode: s && s.is_update_mode ? 'yes' : 'no',
      link_session_id: s ? s.link_session_id : localSessionId(), request_id: null,
      timestamp: new Date().toISOString()
    };
    for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) meta[k] = extra[k];
    post({ type: 'event', event_name: name, metadata: meta });
  }

  function exitStatus(s) {
    var view = s && s.view;
    if (view === 'MFA') {
      var type = s.mfa && s.mfa.type;
      return type === 'questions' ? 'requires_questions' : type === 'selections' ? 'requires_selections' : 'requires_code';
    }
    if (view === 'OAUTH') return 'requires_oauth';
    if (view === 'SELECT_ACCOUNT') return 'requires_account_selection';
    if (view === 'ERROR' && s.error && s.error.error_code === 'INSTITUTION_NO_LONGER_SUPPORTED') {
      return 'institution_not_supported';
    }
    if (view === 'ERROR' && s.oauth && s.oauth.state === 'denied') return 'requires_oauth';
    return 'requires_credentials';
  }

  function showFailure(err) {
    st.localError = err;
    stopPolling();
    var e = err.error || {};
    localEvent('ERROR', {
      error_type: e.error_type || null, error_code: e.error_code || null,
      error_message: e.error_message || null, view_name: 'ERROR', request_id: err.request_id || null
    });
    render();
  }

  // The close button, Escape, the ERROR pane's Exit and the page's exit().
  function requestExit() {
    if (st.delivered) return;
    if (st.busy > 0) { st.pendingExit = true; return; }
    var s = st.session;
    if (!st.started) {
      finish({ type: 'exit', error: null, metadata: exitMetadata(null) });
      render();
      return;
    }
    if (st.localError) return exitWithLocalError();
    if (!s) return; // still starting: busy, handled above
    if (s.result) { // e.g. closing the success pane still delivers onSuccess
      deliver(s.result);
      render();
      return;
    }
    send(step('exit'), applySession).then(function () {
      // The exit step itself failed: report that error rather than leave Link open.
      if (st.localError && !st.delivered) exitWithLocalError();
    });
  }

  // onExit with the error of a failed call. The session (if any) is still ended on the
  // server when it can be, so Tartan records the EXIT; its metadata is used when it answers.
  function exitWithLocalError() {
    var err = st.localError;
    var s = st.session;
    function done(metadata) {
      finish({ type: 'exit', error: err.error, metadata: metadata });
      render();
    }
    if (!s) {
      // No server session to record the EXIT: report it here.
      var e = err.error || {};
      localEvent('EXIT', {
        error_type: e.error_type || null, error_code: e.error_code || null,
        error_message: e.error_message || null, exit_status: exitStatus(null),
        request_id: err.request_id || null
      });
    }
    if (!s || s.result) {
      done(s && s.result && s.result.on_exit ? s.result.on_exit.metadata : exitMetadata(err.request_id));
      return;
    }
    setBusy(1);
    step('exit').then(function (fresh) {
      if (fresh && fresh.link_session_id) {
        st.session = fresh;
        forwardEvents();
      }
      var x = fresh && fresh.result && fresh.result.on_exit;
      done(x && x.metadata ? x.metadata : exitMetadata(err.request_id));
    }, function () {
      done(exitMetadata(err.request_id));
    }).then(function () { setBusy(-1); });
  }

  // ---------------------------------------------------------------- OAuth

  function oauthContinue() {
    var s = st.session;
    var oauth = s.oauth || {};
    if (!oauth.authorize_url) return;
    var url = new URL(oauth.authorize_url, location.href).href; // the server sends a path
    if (oauth.redirect_uri) {
      // Redirect flow: the whole app page goes to the bank, which comes back to redirect_uri.
      st.oauthNote = 'Redirecting to ' + instName(s) + '…';
      render();
      if (FRAMED) post({ type: 'navigate', url: url });
      else location.assign(url);
      return;
    }
    // Popup flow: the bank's page closes itself; we watch the session meanwhile.
    if (st.popup && !st.popup.closed) {
      st.popup.focus();
      return;
    }
    st.popup = window.open(url, 'tartan-oauth', 'width=480,height=680');
    if (!st.popup) {
      st.oauthNote = 'The bank window was blocked. Allow pop-ups for this page, then try again.';
      render();
      return;
    }
    st.oauthNote = 'Waiting for ' + instName(s) + '… Finish in the window that opened.';
    st.popupClosedSeen = false;
    stopPolling();
    st.pollTimer = setInterval(poll, POLL_MS);
    render();
  }

  function poll() {
    if (st.polling || !st.session) return;
    st.polling = true;
    api('GET', sessionPath()).then(function (s) {
      st.polling = false;
      if (!st.pollTimer) return;
      if (s.view !== 'OAUTH' || s.result) {
        stopPolling();
        st.oauthNote = '';
        applySession(s);
        return;
      }
      applySession(s, { quiet: true });
      // The user closed the bank's window without deciding: one more poll, then stop.
      if (st.popup && st.popup.closed) {
        if (st.popupClosedSeen) {
          stopPolling();
          st.oauthNote = 'The bank window was closed. Continue to try again.';
          render();
        }
        st.popupClosedSeen = true;
      }
    }, function (e) {
      st.polling = false;
      if (st.pollTimer) showFailure(asLinkError(e));
    });
  }

  function stopPolling() {
    clearInterval(st.pollTimer);
    st.pollTimer = null;
  }

  // ---------------------------------------------------------------- search

  // Typing counts as busy from the first key until its search is answered, so "not busy"
  // means the list matches the box.
  function scheduleSearch(query) {
    if (!st.searchTimer) setBusy(1, true);
    clearTimeout(st.searchTimer);
    st.searchTimer = setTimeout(function () { search(query); }, SEARCH_DELAY_MS);
  }

  function cancelScheduledSearch() {
    if (!st.searchTimer) return;
    clearTimeout(st.searchTimer);
    st.searchTimer = null;
    setBusy(-1, true);
  }

  function search(query) {
    var seq = ++st.searchSeq;
    var generation = st.generation;
    // A search answered after a newer one, or after a bank was picked, is dropped.
    function current() { return seq === st.searchSeq && generation === st.generation; }
    // An empty box lists nothing and records nothing (a search is a SEARCH_INSTITUTION event).
    if (!query.trim()) {
      cancelScheduledSearch();
      st.institutions = null;
      renderResults();
      return;
    }
    setBusy(1, true);
    cancelScheduledSearch();
    step('search', { query: query }).then(function (data) {
      if (generation !== st.generation) return;
      applySession(data.session, { quiet: true }); // its events count even when superseded
      if (!current() || st.session.view !== 'SELECT_INSTITUTION') return;
      st.institutions = data.institutions || [];
      renderResults();
    }).catch(function (e) {
      if (current()) showFailure(asLinkError(e));
    }).then(function () {
      setBusy(-1, true);
    });
  }

  function pickInstitution(id) {
    cancelScheduledSearch();
    st.searchSeq++; // results still on their way no longer matter
    send(step('institution', { institution_id: id }));
  }

  // ---------------------------------------------------------------- DOM helpers

  // el('tag', {attr: value}, child, ...): children are nodes, strings or arrays of them.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }

  function append(node, kids) {
    for (var i = 0; i < kids.length; i++) {
      var kid = kids[i];
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) append(node, kid);
      else node.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    }
  }

  function button(action, label, cls) {
    return el('button', { type: action === 'submit' ? 'submit' : 'button', class: cls || 'btn', 'data-action': action }, label);
  }

  function clientName(s) {
    return (s && s.client_name) || 'This application';
  }

  function instName(s) {
    return (s && s.institution && s.institution.name) || 'your bank';
  }

  function safeColor(c) {
    return typeof c === 'string' && /^#[0-9a-f]{3,8}$/i.test(c) ? c : null;
  }

  function initial(name) {
    var m = String(name || '?').replace(/^the\s+/i, '').match(/[A-Za-z0-9]/);
    return m ? m[0].toUpperCase() : '?';
  }

  // The institution's logo, or a circle in its colour with its initial.
  function logo(inst, big) {
    var cls = 'logo' + (big ? ' big' : '');
    if (inst && inst.logo) {
      var src = inst.logo.indexOf('data:') === 0 ? inst.logo : 'data:image/png;base64,' + inst.logo;
      return el('img', { class: cls, src: src, alt: '' });
    }
    var circle = el('span', { class: cls + ' initial', 'aria-hidden': 'true' }, initial(inst && inst.name));
    circle.style.background = safeColor(inst && inst.primary_color) || '#374151';
    return circle;
  }

  function institutionHeader(s) {
    return el('div', { class: 'inst-head' }, logo(s.institution, true));
  }

  // A retryable (or fatal) error as the pane shows it; tests find it by data-testid.
  function errorBox(err) {
    if (!err) return null;
    return el('div', { class: 'alert', role: 'alert', 'data-testid': 'error' },
      el('strong', { class: 'alert-code' }, err.error_code),
      el('span', null, ' ' + (err.display_message || err.error_message || '')));
  }

  function field(label, input) {
    return el('label', { class: 'field' }, el('span', { class: 'field-label' }, label), input);
  }

  // A pane: its content scrolls, its actions (the primary button) stay pinned at the bottom,
  // as in Plaid's Link. `center`: the content is centred (outcome panes).
  function screen(body, actions, center) {
    return el('div', { class: 'stack' }, screenParts(body, actions, center));
  }

  function screenParts(body, actions, center) {
    var any = actions.some(function (a) { return a; });
    return [
      el('div', { class: center ? 'scroll center' : 'scroll' }, center ? el('div', { class: 'grow' }) : null,
        body, center ? el('div', { class: 'grow' }) : null),
      any ? el('div', { class: 'actions' }, actions) : null
    ];
  }

  // A pane that is a form: the same layout, the submit button among the actions.
  function form(onSubmit, body, actions) {
    var f = el('form', { class: 'stack form', novalidate: true, autocomplete: 'off' });
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      if (st.busy === 0) onSubmit(f);
    });
    append(f, screenParts(body, actions));
    return f;
  }

  // ---------------------------------------------------------------- rendering

  function currentView() {
    if (st.localError) return 'ERROR';
    return st.session ? st.session.view : 'LOADING';
  }

  function render() {
    var s = st.session;
    var view = currentView();
    app.setAttribute('data-view', view);
    brand.textContent = s && s.client_name ? s.client_name : 'Tartan';
    pane.textContent = '';
    var draw = st.delivered ? views.DONE : views[view] || views.UNKNOWN;
    append(pane, [draw(s)]);
    syncBusy();
    focusFirst();
  }

  function focusFirst() {
    // Embedded Link sits in the app's page: it takes focus only once the user is in it.
    if (!st.started || (EMBEDDED && !st.interacted)) return;
    var target = pane.querySelector('input:not([type=hidden]):not([disabled])') ||
      pane.querySelector('button');
    if (target && document.activeElement !== target) {
      try { target.focus({ preventScroll: true }); } catch (e) { target.focus(); }
      if (target.type === 'text' && target.value) target.select();
    }
  }

  var PRODUCT_NAMES = {
    auth: 'Account and routing numbers',
    transactions: 'Transactions',
    identity: 'Account holder details',
    assets: 'Assets',
    investments: 'Investments',
    liabilities: 'Loans and credit',
    transfer: 'Transfers',
    signal: 'Balance checks',
    statements: 'Statements',
    income_verification: 'Income'
  };

  function productName(p) {
    var name = PRODUCT_NAMES[p] || String(p).replace(/_/g, ' ');
    return name.charAt(0).toUpperCase() + name.slice(1);
  }

  // Titles of the ERROR pane for errors that are not a failure as such.
  var ERROR_TITLES = {
    INSTITUTION_NO_LONGER_SUPPORTED: 'Institution not supported',
    INSUFFICIENT_CREDENTIALS: 'Connection not completed'
  };

  var views = {
    LOADING: function () {
      return el('div', { class: 'loading' }, el('span', { class: 'spinner' }), el('p', { class: 'muted' }, 'Loading…'));
    },

    CONSENT: function (s) {
      var client = clientName(s);
      var products = s.products || [];
      return screen([
        el('div', { class: 'pair', 'aria-hidden': 'true' },
          logo({ name: client, primary_color: '#111827' }, true),
          el('span', { class: 'pair-link' }),
          el('span', { class: 'logo big tartan-mark' })),
        el('h1', null, client + ' uses Tartan to connect your account'),
        s.is_update_mode && s.institution
          ? el('p', { class: 'sub' }, 'Reconnect your ' + s.institution.name + ' account to keep using ' + client + '.')
          : null,
        el('ul', { class: 'points' },
          el('li', null, el('strong', null, 'Local and private'),
            el('span', null, 'Tartan emulates Plaid on this machine. No real bank is contacted.')),
          el('li', null, el('strong', null, 'You choose'),
            el('span', null, client + ' only sees the accounts you select.'))),
        products.length ? el('div', { class: 'products' },
          el('p', { class: 'muted' }, client + ' is asking for:'),
          el('ul', { class: 'chips' }, products.map(function (p) { return el('li', { class: 'chip' }, productName(p)); }))) : null
      ], [
        el('p', { class: 'fine' }, 'By selecting “Continue” you agree to connect a Sandbox account.'),
        button('continue', 'Continue', 'btn primary')
      ]);
    },

    SELECT_INSTITUTION: function () {
      var input = el('input', {
        name: 'search', type: 'search', placeholder: 'Search for your bank', 'aria-label': 'Search institutions',
        autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off'
      });
      input.addEventListener('input', function () { scheduleSearch(input.value); });
      st.institutions = null;
      return el('div', { class: 'stack' },
        el('h1', null, 'Select your institution'),
        el('form', { class: 'form', role: 'search', onsubmit: function (e) { e.preventDefault(); search(input.value); } },
          el('div', { class: 'search' }, input)),
        el('div', { id: 'results', class: 'results' }, resultsNote(null)),
        el('p', { class: 'hint' }, 'Sandbox: try “Platypus”'));
    },

    CREDENTIAL: function (s) {
      var username = el('input', { name: 'username', type: 'text', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false' });
      var password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
      return form(function () {
        send(step('credentials', { username: username.value, password: password.value }));
      }, [
        institutionHeader(s),
        el('h1', null, 'Enter your credentials'),
        el('p', { class: 'sub' }, 'Log in to ' + instName(s) + ' with your online banking username and password.'),
        errorBox(s.error),
        field('Username', username),
        field('Password', password),
        el('p', { class: 'hint' }, 'Sandbox: user_good / pass_good')
      ], [button('submit', 'Submit', 'btn primary')]);
    },

    MFA: function (s) {
      var mfa = s.mfa || { type: 'device', questions: [] };
      var questions = mfa.questions && mfa.questions.length ? mfa.questions : [{ text: 'Enter your code', options: null }];
      var titles = { device: 'Enter your code', questions: 'Answer your security questions', selections: 'Choose your answers' };
      var inputs = questions.map(function (q, k) {
        var name = 'answer-' + k;
        if (q.options && q.options.length) {
          return el('fieldset', { class: 'choices' }, el('legend', null, q.text),
            q.options.map(function (opt) {
              return el('label', { class: 'choice' }, el('input', { type: 'radio', name: name, value: opt }), el('span', null, opt));
            }));
        }
        var attrs = { name: name, type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' };
        if (mfa.type === 'device') { attrs.inputmode = 'numeric'; attrs.autocomplete = 'one-time-code'; }
        return field(q.text, el('input', attrs));
      });
      return form(function (f) {
        var answers = questions.map(function (q, k) {
          var picked = f.querySelector('[name="answer-' + k + '"]:checked');
          var text = f.querySelector('input[name="answer-' + k + '"]:not([type=radio])');
          return picked ? picked.value : text ? text.value : '';
        });
        send(step('mfa', { answers: answers }));
      }, [
        institutionHeader(s),
        el('h1', null, titles[mfa.type] || 'Verify your identity'),
        mfa.rounds > 1 ? el('p', { class: 'muted' }, 'Step ' + mfa.round + ' of ' + mfa.rounds) : null,
        errorBox(s.error),
        inputs
      ], [button('submit', 'Submit', 'btn primary')]);
    },

    OAUTH: function (s) {
      var bank = instName(s);
      return screen([
        institutionHeader(s),
        el('h1', null, 'Log in at ' + bank),
        el('p', { class: 'sub' }, 'You will continue to ' + bank + ' to log in and allow ' + clientName(s) +
          ' to access your accounts. You come back here when you are done.'),
        st.oauthNote ? el('p', { class: 'note', role: 'status' }, st.pollTimer ? el('span', { class: 'spinner small' }) : null, st.oauthNote) : null
      ], [button('oauth-continue', 'Continue to ' + bank, 'btn primary')]);
    },

    SELECT_ACCOUNT: function (s) {
      var accounts = s.accounts || [];
      var confirm = button('continue', 'Continue', 'btn primary');
      var boxes = [];
      function update() { // at least one account must be shared
        var any = boxes.some(function (b) { return b.checked; });
        confirm.setAttribute('data-blocked', any ? 'false' : 'true');
        syncBusy();
      }
      // The link customization's Account Select: one account (radio buttons), or several.
      var one = s.account_select === 'one';
      var rows = accounts.map(function (a) {
        var box = el('input', one
          ? { type: 'radio', name: 'account', 'data-account-id': a.id, checked: !!a.selected }
          : { type: 'checkbox', 'data-account-id': a.id, checked: !!a.selected });
        box.addEventListener('change', update);
        boxes.push(box);
        return el('li', null, el('label', { class: 'account' }, box,
          el('span', { class: 'account-text' },
            el('span', { class: 'account-name' }, a.name, a.new ? el('span', { class: 'badge' }, 'New') : null),
            el('span', { class: 'muted' }, [a.subtype || a.type, a.mask ? '•••• ' + a.mask : null].filter(Boolean).join(' · ')))));
      });
      confirm.addEventListener('click', function () {
        var ids = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.getAttribute('data-account-id'); });
        send(step('accounts', { account_ids: ids }));
      });
      update();
      return screen([
        institutionHeader(s),
        el('h1', null, one ? 'Select an account' : s.is_update_mode ? 'Choose the accounts to share' : 'Select account(s)'),
        el('p', { class: 'sub' }, clientName(s) + (one ? ' will only have access to the account you select.'
          : ' will only have access to the accounts you select.')),
        errorBox(s.error),
        el('ul', { class: 'accounts' }, rows)
      ], [confirm]);
    },

    CONNECTED: function (s) {
      return screen([
        el('span', { class: 'tick', 'aria-hidden': 'true' }),
        el('h1', null, 'Success'),
        el('p', { class: 'sub' }, 'Your ' + instName(s) + ' account is connected to ' + clientName(s) + '.')
      ], [button('continue', 'Continue', 'btn primary')], true);
    },

    ERROR: function (s) {
      var err = st.localError ? st.localError.error : (s && s.error) ||
        { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'Link could not continue', display_message: null };
      return screen([
        el('span', { class: 'bang', 'aria-hidden': 'true' }, '!'),
        el('h1', null, ERROR_TITLES[err.error_code] || 'Something went wrong'),
        el('p', { class: 'sub' }, err.display_message || err.error_message || ''),
        el('p', { class: 'code', 'data-testid': 'error' }, err.error_type + ' · ' + err.error_code)
      ], [button('exit', 'Exit', 'btn primary')], true);
    },

    // The session ended without onExit going out here (e.g. a session read after the fact).
    EXIT: function () {
      return views.DONE();
    },

    // After onSuccess / onExit went out. Overlay Link is hidden by now; this is what
    // embedded and standalone Link keep showing.
    DONE: function () {
      var ok = st.session && st.session.status === 'succeeded' && !st.localError;
      return screen([
        el('span', { class: ok ? 'tick' : 'bang', 'aria-hidden': 'true' }, ok ? '' : '×'),
        el('h1', null, ok ? 'All done' : 'Link closed'),
        el('p', { class: 'sub' }, ok ? 'Your account is connected.' : 'No account was connected.')
      ], [EMBEDDED || !FRAMED ? button('restart', 'Start again', 'btn') : null], true);
    },

    UNKNOWN: function (s) {
      return el('div', { class: 'stack center' }, el('p', { class: 'sub' }, 'Unknown Link view ' + (s && s.view)));
    }
  };

  function resultsNote(list) {
    return el('p', { class: 'muted empty' },
      list ? 'No institutions match your search.' : 'Type the name of your bank to find it.');
  }

  // What a row shows; a row whose key is unchanged is kept as it is between searches.
  function rowKey(inst) {
    return JSON.stringify([inst.institution_id, inst.name, inst.status, inst.url, inst.primary_color, !!inst.logo]);
  }

  function institutionRow(inst) {
    var status = null;
    if (inst.status === 'DEGRADED') {
      status = el('span', { class: 'status warn' }, 'Connections to ' + inst.name + ' may be slow or fail right now');
    } else if (inst.status === 'DOWN') {
      status = el('span', { class: 'status down' }, inst.name + ' is currently unavailable');
    }
    var host = null;
    try { host = inst.url ? new URL(inst.url).hostname : null; } catch (e) { host = null; }
    return el('li', { 'data-key': rowKey(inst) }, el('button', {
      type: 'button', class: 'inst', 'data-institution-id': inst.institution_id,
      onclick: function () { pickInstitution(inst.institution_id); }
    }, logo(inst), el('span', { class: 'inst-text' },
      el('span', { class: 'inst-name' }, inst.name),
      status || (host ? el('span', { class: 'muted small' }, host) : null))));
  }

  // Updates the result list in place: rows for institutions still listed are the same DOM
  // nodes, so a click (or a test's element handle) on one survives the next search.
  function renderResults() {
    var box = document.getElementById('results');
    if (!box) return;
    var list = st.institutions;
    var ul = box.querySelector('ul.inst-list');
    if (!list || !list.length) {
      box.textContent = '';
      append(box, [resultsNote(list)]);
      return;
    }
    var kept = {};
    if (ul) {
      for (var i = 0; i < ul.children.length; i++) kept[ul.children[i].getAttribute('data-key')] = ul.children[i];
    } else {
      box.textContent = '';
      ul = box.appendChild(el('ul', { class: 'inst-list' }));
    }
    list.forEach(function (inst, i) {
      var row = kept[rowKey(inst)] || institutionRow(inst);
      delete kept[rowKey(inst)];
      if (ul.children[i] !== row) ul.insertBefore(row, ul.children[i] || null);
    });
    for (var key in kept) ul.removeChild(kept[key]);
    syncBusy();
  }

  // ---------------------------------------------------------------- actions

  app.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-action]') : null;
    if (!b || b.disabled) return;
    var action = b.getAttribute('data-action');
    var s = st.session;
    if (action === 'close' || action === 'exit') requestExit();
    else if (action === 'continue' && s && s.view === 'CONSENT') send(step('consent'));
    else if (action === 'continue' && s && s.view === 'CONNECTED' && s.result) { deliver(s.result); render(); }
    else if (action === 'oauth-continue') oauthContinue();
    else if (action === 'restart') start();
    // SELECT_ACCOUNT's continue and form submits have their own handlers.
  });

  function noteInteraction() { st.interacted = true; }
  document.addEventListener('pointerdown', noteInteraction, true);
  document.addEventListener('focusin', noteInteraction, true);

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && st.started && !st.delivered) {
      e.preventDefault();
      requestExit();
    }
  });

  // ---------------------------------------------------------------- boot

  post({ type: 'ready' });
  if (!FRAMED) start(); // opened directly: no page to wait for
})();
