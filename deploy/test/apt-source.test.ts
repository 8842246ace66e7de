// .ci/apt-source.sh: the Debian mirror is derived from a system's own apt sources (never
// written into the repository). Runs the real script on sample roots holding sources
// files in both formats (one-line sources.list, deb822 *.sources) and checks the entries
// it prints for backports, sid and security suites.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../verify/k8s-check.js';

const SCRIPT = join(REPO_ROOT, '.ci', 'apt-source.sh');
// Sample mirrors: host names of the reserved .example domain.
const MAIN = 'http://mirror.example/pub/debian';
const SEC = 'http://security.example/pub/debian-security';
const KEY = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A throwaway root with etc/os-release and the given files under etc/apt/. */
function sampleRoot(files: Record<string, string>, codename = 'bookworm'): string {
  const root = mkdtempSync(join(tmpdir(), 'apt-source-'));
  mkdirSync(join(root, 'etc', 'apt', 'sources.list.d'), { recursive: true });
  writeFileSync(join(root, 'etc', 'os-release'), `PRETTY_NAME="Debian"\nVERSION_CODENAME=${codename}\nID=debian\n`);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, 'etc', 'apt', path), text);
  return root;
}

function run(root: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  rmSync(root, { recursive: true, force: true });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const DEB822 = `Types: deb
# a comment inside the stanza
URIs: ${MAIN}
Suites: bookworm bookworm-updates
Components: main
Signed-By: ${KEY}

Types: deb
URIs: ${SEC}
Suites: bookworm-security
Components: main
Signed-By: ${KEY}
`;

const ONE_LINE = `# Debian bookworm
deb-src ${MAIN} bookworm main
deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] ${MAIN} bookworm main contrib
deb ${SEC} bookworm-security main
`;

test('a deb822 debian.sources gives its URI and Signed-By to a backports stanza', (t) => {
  const r = run(sampleRoot({ 'sources.list.d/debian.sources': DEB822 }), 'bookworm-backports');
  t.is(r.code, 0, r.err);
  t.is(r.out, `Types: deb\nURIs: ${MAIN}\nSuites: bookworm-backports\nComponents: main\nSigned-By: ${KEY}\n\n`);
});

test('a one-line sources.list gives its URI and signed-by option to list entries, security from its own entry', (t) => {
  const r = run(sampleRoot({ 'sources.list': ONE_LINE }), '--format', 'list', 'sid', 'trixie-backports', 'bookworm-security');
  t.is(r.code, 0, r.err);
  t.deepEqual(r.out.trim().split('\n'), [
    `deb [signed-by=/etc/apt/keyrings/local.gpg] ${MAIN} sid main`,
    `deb [signed-by=/etc/apt/keyrings/local.gpg] ${MAIN} trixie-backports main`,
    `deb [signed-by=${KEY}] ${SEC} bookworm-security main`,
  ]);
});

test('third-party and disabled entries are skipped; the system codename is preferred', (t) => {
  const r = run(sampleRoot({
    'sources.list.d/nodesource.sources': 'Types: deb\nURIs: http://vendor.example/node\nSuites: nodistro\nComponents: main\n',
    'sources.list.d/old.sources': `Types: deb\nURIs: http://old.example/pub/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n`,
    'sources.list.d/a-bullseye.list': 'deb http://other.example/pub/debian bullseye main\n',
    'sources.list.d/debian.sources': DEB822,
  }), '--format', 'uri', 'sid');
  t.is(r.code, 0, r.err);
  t.is(r.out.trim(), MAIN);
});

test('without a security entry the security URI is the main one with -security', (t) => {
  const r = run(sampleRoot({ 'sources.list': `deb ${MAIN} bookworm main\n` }), '--format', 'list', 'bookworm-security');
  t.is(r.code, 0, r.err);
  t.is(r.out.trim(), `deb [signed-by=${KEY}] ${MAIN}-security bookworm-security main`);
});

test('no Debian entry at all is an error naming the files read', (t) => {
  const r = run(sampleRoot({ 'sources.list.d/vendor.list': 'deb http://vendor.example/apt stable-ish main\n' }), 'sid');
  t.is(r.code, 1);
  t.regex(r.err, /no enabled Debian 'deb' entry in .*vendor\.list/);
});

test('the system running the tests has a Debian mirror the script finds', (t) => {
  const r = spawnSync('bash', [SCRIPT, '--format', 'uri', 'bookworm-backports'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout.trim(), /^(https?|file):\/\/\S+$/);
});
