/*
 * Tartan Link: a local, drop-in replacement for Plaid's link-initialize.js.
 *
 * Defines window.Plaid with create(config), createEmbedded(config, element) and version.
 * Each handler owns one iframe showing Tartan's Link UI (/link/ui); the two talk with
 * window.postMessage. Every message carries `tartan_link: true` and a `type`:
 *
 *   iframe -> page: ready | event {event_name, metadata} | success {public_token, metadata}
 *                   | exit {error, metadata} | navigate {url}
 *   page -> iframe: open | exit_request {force}
 *
 * Tartan's base URL is the origin this script was loaded from (set window.TARTAN_BASE_URL
 * before loading the script to override it, e.g. when a test serves it from elsewhere).
 */
(function (window, document) {
  'use strict';

  if (window.Plaid && window.Plaid.tartan) return; // loaded twice: keep the first

  var SCRIPT_PATH = '/link/v2/stable/link-initialize.js';
  // How long exit() waits for the UI to report onExit before reporting it itself.
  var EXIT_FALLBACK_MS = 10000;

  var base = tartanBase();
  var baseOrigin = new URL(base).origin;
  var handlers = 0;

  function tartanBase() {
    if (window.TARTAN_BASE_URL) return new URL(String(window.TARTAN_BASE_URL), location.href).origin;
    var script = document.currentScript;
    var src = script && script.src;
    if (!src) {
      // currentScript is null if this runs outside the script's first execution.
      var scripts = document.getElementsByTagName('script');
      for (var i = scripts.length - 1; i >= 0 && !src; i--) {
        if (scripts[i].src && scripts[i].src.indexOf(SCRIPT_PATH) >= 0) src = scripts[i].src;
      }
    }
    return new URL(src || location.href, location.href).origin;
  }

  // Runs an app callback; its exceptions surface asynchronously instead of breaking Link.
  function invoke(fn) {
    if (typeof fn !== 'function') return;
    var args = Array.prototype.slice.call(arguments, 1);
    try {
      fn.apply(null, args);
    } catch (e) {
      setTimeout(function () { throw e; });
    }
  }

  function emptyExitMetadata() {
    return { institution: null, status: 'requires_credentials', link_session_id: null, request_id: null };
  }

  function create(config, container) {
    config = config || {};
    var embedded = !!container;
    var st = { ready: false, queued: false, open: false, destroyed: false, exitTimer: null };

    var query = '?token=' + encodeURIComponent(config.token || '');
    if (config.receivedRedirectUri) {
      query += '&received_redirect_uri=' + encodeURIComponent(config.receivedRedirectUri);
    }
    if (embedded) query += '&embedded=1';

    var iframe = document.createElement('iframe');
    iframe.id = 'plaid-link-iframe-' + (++handlers);
    iframe.title = 'Plaid Link';
    iframe.src = base + '/link/ui' + query;
    iframe.setAttribute('frameborder', '0');
    iframe.style.cssText = embedded
      ? 'display:block;width:100%;height:100%;border:0;margin:0;padding:0;background:transparent;'
      : 'display:none;position:fixed;top:0;left:0;width:100%;height:100%;border:0;margin:0;' +
        'padding:0;z-index:2147483647;background:transparent;color-scheme:normal;';

    function post(msg) {
      msg.tartan_link = true;
      if (iframe.contentWindow) iframe.contentWindow.postMessage(msg, baseOrigin);
    }

    function show() {
      st.open = true;
      if (!embedded) iframe.style.display = 'block';
      post({ type: 'open' });
      // The modal takes focus; embedded Link leaves the app's focus alone.
      if (!embedded) {
        try { iframe.focus(); } catch (e) { /* not focusable yet */ }
      }
    }

    // The session ended (or exit fell back): hide the modal; the next open() starts anew.
    function finish() {
      st.open = false;
      clearTimeout(st.exitTimer);
      if (!embedded) iframe.style.display = 'none';
    }

    function onMessage(event) {
      if (st.destroyed || event.source !== iframe.contentWindow || event.origin !== baseOrigin) return;
      var m = event.data;
      if (!m || m.tartan_link !== true) return;
      switch (m.type) {
        case 'ready':
          if (st.ready) return;
          st.ready = true;
          invoke(config.onLoad);
          if (st.queued || embedded) {
            st.queued = false;
            show();
          }
          break;
        case 'event':
          invoke(config.onEvent, m.event_name, m.metadata || {});
          break;
        case 'success':
          if (!st.open && !embedded) return; // already reported by the exit fallback
          finish();
          invoke(config.onSuccess, m.public_token, m.metadata || {});
          break;
        case 'exit':
          if (!st.open && !embedded) return;
          finish();
          invoke(config.onExit, m.error || null, m.metadata || emptyExitMetadata());
          break;
        case 'navigate':
          // OAuth redirect flow: the whole page goes to the bank (authorize_url).
          var url = new URL(String(m.url), base);
          if (url.protocol === 'http:' || url.protocol === 'https:') window.location.assign(url.href);
          break;
      }
    }

    window.addEventListener('message', onMessage);
    function mount() {
      if (!st.destroyed) (container || document.body).appendChild(iframe);
    }
    if (container || document.body) mount();
    else document.addEventListener('DOMContentLoaded', mount);

    var handler = {
      open: function () {
        if (st.destroyed || st.open) return;
        if (st.ready) show();
        else st.queued = true; // shown once the UI says it is ready
      },
      exit: function (opts) {
        if (st.destroyed) return;
        if (st.queued && !st.open) {
          // open() was called but the UI never loaded: report the exit ourselves.
          st.queued = false;
          invoke(config.onExit, null, emptyExitMetadata());
          return;
        }
        if (!st.open) return;
        post({ type: 'exit_request', force: !!(opts && opts.force) });
        clearTimeout(st.exitTimer);
        st.exitTimer = setTimeout(function () {
          if (!st.open || st.destroyed) return;
          finish();
          invoke(config.onExit, null, emptyExitMetadata());
        }, EXIT_FALLBACK_MS);
      },
      destroy: function () {
        if (st.destroyed) return;
        st.destroyed = true;
        st.open = false;
        clearTimeout(st.exitTimer);
        window.removeEventListener('message', onMessage);
        document.removeEventListener('DOMContentLoaded', mount);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
      // Layer (phone number / date of birth) is not emulated: accepted and ignored.
      submit: function () {}
    };
    return handler;
  }

  window.Plaid = {
    version: 'tartan-1',
    tartan: true,
    create: function (config) {
      return create(config, null);
    },
    createEmbedded: function (config, element) {
      if (!element || typeof element.appendChild !== 'function') {
        throw new TypeError('Plaid.createEmbedded needs a DOM element to render Link into');
      }
      var handler = create(config, element);
      return { destroy: handler.destroy };
    }
  };
})(window, document);
