// A minimal React app using react-plaid-link's usePlaidLink, as Plaid's README shows.
// Bundled with esbuild by test/react.test.mjs; it records Link's callbacks in
// window.__link like the plain app page does.
import React, { useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { usePlaidLink } from 'react-plaid-link';

window.__link = { events: [], success: null, exit: null, loaded: false, created: true, error: null };

function ConnectBank({ token }) {
  const onSuccess = useCallback((publicToken, metadata) => {
    window.__link.success = { public_token: publicToken, metadata };
  }, []);
  const onExit = useCallback((error, metadata) => {
    window.__link.exit = { error, metadata };
  }, []);
  const onEvent = useCallback((eventName, metadata) => {
    window.__link.events.push({ name: eventName, metadata });
  }, []);
  const onLoad = useCallback(() => {
    window.__link.loaded = true;
  }, []);
  const { open, ready, error } = usePlaidLink({ token, onSuccess, onExit, onEvent, onLoad });
  if (error) window.__link.error = String(error?.message ?? error);
  return (
    <main>
      <h1>Acme Budget (React)</h1>
      <button id="open-link" type="button" disabled={!ready} data-ready={ready ? 'true' : 'false'} onClick={() => open()}>
        Connect a bank
      </button>
    </main>
  );
}

const token = new URLSearchParams(window.location.search).get('token');
createRoot(document.getElementById('root')).render(<ConnectBank token={token} />);
