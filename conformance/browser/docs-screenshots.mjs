// Copies a few representative screenshots from the last `npm test` (screenshots/, not
// committed) to docs/screenshots/ (committed, shown in the README): one per main pane.
//
//   npm test && npm run docs:screenshots

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, SCREENSHOT_DIR } from './harness.mjs';

// docs name <- the first screenshot whose name matches (tests are named a., b., ...).
const PICKS = [
  ['link-consent.png', /^a-a-new-item.*-consent\.png$/],
  ['link-select-institution.png', /^a-a-new-item.*-select-institution-results\.png$/],
  ['link-credentials-error.png', /^b-a-wrong-password.*-credential-invalid-credentials\.png$/],
  ['link-mfa.png', /^a-a-new-item.*-mfa\.png$/],
  ['link-select-account.png', /^f-update-mode.*-select-account-new-checked\.png$/],
  ['link-oauth-bank.png', /^d-an-oauth-bank.*-oauth-bank-page\.png$/],
  ['link-connected.png', /^a-a-new-item.*-connected\.png$/],
];

const out = path.join(REPO_ROOT, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const files = readdirSync(SCREENSHOT_DIR).sort();
let missing = 0;
for (const [name, pattern] of PICKS) {
  const found = files.find((f) => pattern.test(f));
  if (!found) {
    console.error(`no screenshot matches ${pattern} (run npm test first)`);
    missing += 1;
    continue;
  }
  copyFileSync(path.join(SCREENSHOT_DIR, found), path.join(out, name));
  console.log(`docs/screenshots/${name} <- screenshots/${found}`);
}
process.exit(missing ? 1 : 0);
