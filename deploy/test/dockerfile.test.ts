// deploy/Dockerfile's structure, checked against the build it wraps: stages and the base
// image argument, the Debian packages (backports from the base image's own apt mirror),
// Node from .ci/node-lts.sh, that `make build` produces what the runtime stage copies,
// that the entrypoint is the file the DaemonSet runs, and that the ignore file keeps the
// sources. The image itself is built and run by `make image-check`
// (deploy/image/run-check.sh).
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunOptions } from '../../cli/run-options.js';
import { AGENT_COMMAND, AGENT_PORT } from '../verify/agent-policy.js';
import { dockerIgnored, execForm, parseCopy, parseDockerfile, stages, type Stage } from '../verify/dockerfile-check.js';
import { DEPLOY_DIR, REPO_ROOT } from '../verify/k8s-check.js';

const DOCKERFILE = join(DEPLOY_DIR, 'Dockerfile');
const TEXT = readFileSync(DOCKERFILE, 'utf8');
const read = (): Stage[] => stages(parseDockerfile(TEXT));
const runs = (s: Stage): string => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
const byName = (name: string | null): Stage => read().find((s) => s.name === name)!;

test('three stages (node, build, runtime), all on the BASE_IMAGE argument, debian:bookworm-slim by default', (t) => {
  const s = read();
  t.deepEqual(s.map((x) => x.name), ['node', 'build', null]);
  // Every FROM names the build argument (Docker's ${...} syntax, not a JavaScript template).
  const baseRef = ['$', '{BASE_IMAGE}'].join('');
  for (const st of s) t.is(st.image, baseRef);
  const globalArg = parseDockerfile(TEXT).find((i) => i.op === 'ARG')!;
  t.is(globalArg.args, 'BASE_IMAGE=debian:bookworm-slim');
});

test('no Debian mirror or registry host is named: backports come from the image\'s own sources', (t) => {
  t.notRegex(TEXT, /https?:\/\/[A-Za-z0-9.-]+\/debian|deb\.debian/);
  for (const st of [byName('build'), byName(null)]) {
    t.regex(runs(st), /bash \/tmp\/ci\/apt-source\.sh bookworm-backports > \/etc\/apt\/sources\.list\.d\/bookworm-backports\.sources/);
    const copies = st.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
    t.true(copies.some((c) => c.sources.includes('.ci/apt-source.sh')), 'the stage copies .ci/apt-source.sh in');
  }
  t.true(existsSync(join(REPO_ROOT, '.ci', 'apt-source.sh')));
});

test('Node comes from .ci/node-lts.sh, a supported LTS (22 or newer), in the node stage only', (t) => {
  const node = byName('node');
  t.regex(runs(node), /bash \/tmp\/ci\/node-lts\.sh --prefix \/opt\/node/);
  const script = readFileSync(join(REPO_ROOT, '.ci', 'node-lts.sh'), 'utf8');
  const major = Number(/^NODE_VERSION=(\d+)\./m.exec(script)?.[1]);
  t.true(major >= 22 && major % 2 === 0, `NODE_VERSION major ${major} must be an even (LTS) release >= 22`);
  const buildCopies = byName('build').instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  t.true(buildCopies.some((c) => c.from === 'node' && c.sources.includes('/opt/node/')));
  const rtCopies = byName(null).instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  const nodeCopy = rtCopies.find((c) => c.from === 'node')!;
  t.deepEqual(nodeCopy.sources, ['/opt/node/bin/node'], 'the runtime gets the node binary only, no npm');
});

test('the build stage installs clang-19 and libbpf-dev from bookworm-backports, builds, prunes', (t) => {
  const r = runs(byName('build'));
  t.regex(r, /apt-get install[^\n]*\bclang-19\b/);
  t.regex(r, /apt-get install[^\n]*-t bookworm-backports[^\n]*\blibbpf-dev\b/);
  const order = ['npm ci', 'make build', 'npm prune --omit=dev'].map((c) => r.indexOf(c));
  t.false(order.includes(-1), 'npm ci, make build and npm prune --omit=dev must all run');
  t.deepEqual([...order].sort((a, b) => a - b), order, 'in that order');
});

test('the runtime stage installs libbpf1 from bookworm-backports and copies only build outputs', (t) => {
  const runtime = byName(null);
  const r = runs(runtime);
  t.regex(r, /apt-get install[^\n]*-t bookworm-backports[^\n]*\blibbpf1\b/);
  t.notRegex(r, /clang|libbpf-dev|npm (ci|install)/, 'no toolchain in the runtime image');
  const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  const fromBuild = copies.filter((c) => c.from === 'build');
  t.true(fromBuild.length >= 4);
  for (const c of copies) t.true(c.from === 'build' || c.from === 'node' || c.sources.every((x) => x.startsWith('.ci/')),
    `COPY ${c.sources.join(' ')}: only build outputs, node and .ci scripts`);
  const sources = fromBuild.flatMap((c) => c.sources);
  for (const want of ['/src/dist', '/src/node_modules', '/src/package.json', '/src/bpf/build/*.o']) t.true(sources.includes(want),
    `runtime stage must copy ${want}`);
});

test('scx-slo is on the image\'s PATH, linked to the entrypoint\'s script', (t) => {
  const r = runs(byName(null));
  t.regex(r, /ln -s \/app\/dist\/cli\/main\.js \/usr\/local\/bin\/scx-slo/);
  t.regex(readFileSync(join(REPO_ROOT, 'cli', 'main.ts'), 'utf8'), /^#!\/usr\/bin\/env node\n/, 'main.ts starts with a node shebang');
});

test('what the runtime stage copies is what the build produces', (t) => {
  const build = byName('build');
  const workdir = build.instructions.filter((i) => i.op === 'WORKDIR').pop()!.args;
  t.is(workdir, '/src');
  // dist/: tsc's outDir, with rootDir "." so cli/main.ts lands at dist/cli/main.js.
  const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
  t.is(tsconfig.compilerOptions.outDir, 'dist');
  t.is(tsconfig.compilerOptions.rootDir, '.');
  t.true(existsSync(join(REPO_ROOT, 'cli', 'main.ts')));
  // bpf/build/*.o: the Makefile's build target compiles the BPF objects there.
  const makefile = readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8');
  t.regex(makefile, /^build:.*\bbuild-ts\b/m);
  t.regex(makefile, /^build:.*\bbuild-bpf\b/m);
  t.regex(makefile, /^BPF_OBJS\s*:=.*\bbpf\/build\/scx_slo\.bpf\.o\b/m);
  t.regex(makefile, /^build-ts:[\s\S]*?tsc -p tsconfig\.json/m);
  t.true(existsSync(join(REPO_ROOT, 'bpf', 'scx_slo.bpf.c')));
  t.true(existsSync(join(REPO_ROOT, 'package-lock.json')), 'npm ci needs package-lock.json');
});

test('the entrypoint is the file the DaemonSet runs, from the repository layout under /app', (t) => {
  const runtime = byName(null);
  t.is(runtime.instructions.filter((i) => i.op === 'WORKDIR').pop()!.args, '/app');
  const entry = execForm(runtime.instructions.filter((i) => i.op === 'ENTRYPOINT').pop()!.args);
  t.deepEqual(entry, AGENT_COMMAND.slice(0, 2));
  const cmd = execForm(runtime.instructions.filter((i) => i.op === 'CMD').pop()!.args)!;
  t.is(cmd[0], AGENT_COMMAND[2]);
  // The default command is one the agent accepts, with the DaemonSet's essentials.
  const opts = parseRunOptions(cmd.slice(1), { NODE_NAME: 'node-1' });
  t.true(opts.kubernetes && opts.fallbackMonitor);
  t.is(opts.metricsPort, AGENT_PORT);
  const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  const dist = copies.find((c) => c.sources.includes('/src/dist'))!;
  t.true(['./dist', '/app/dist', 'dist', './dist/', '/app/dist/'].includes(dist.dest));
  t.is(runtime.instructions.filter((i) => i.op === 'USER').pop()?.args, '0:0', 'root, on purpose (see the comment)');
});

test('the ignore file keeps what the build reads and drops what it must not send', (t) => {
  const rules = readFileSync(join(DEPLOY_DIR, 'Dockerfile.dockerignore'), 'utf8').split('\n');
  for (const keep of ['package.json', 'package-lock.json', 'tsconfig.json', 'Makefile', 'cli/main.ts', 'policy/api.ts', 'bpf/scx_slo.bpf.c', 'bpf/scx_slo.h',
    'bpf/vmlinux/vmlinux.h', 'bpf/test/transport_test.bpf.c']) {
    t.false(dockerIgnored(rules, keep), `${keep} must reach the build`);
  }
  for (const drop of ['node_modules/koffi/package.json', 'dist/cli/main.js', 'bpf/build/scx_slo.bpf.o', '.git/HEAD', 'deploy/Dockerfile']) {
    t.true(dockerIgnored(rules, drop), `${drop} must not be sent`);
  }
});

test('the dockerignore matcher follows Docker\'s rules', (t) => {
  t.true(dockerIgnored(['dist'], 'dist/a/b.js'));
  t.false(dockerIgnored(['dist'], 'src/dist.ts'));
  t.true(dockerIgnored(['**/*.o'], 'bpf/build/x.o'));
  t.false(dockerIgnored(['**/*.o', '!bpf/keep.o'], 'bpf/keep.o'));
  t.true(dockerIgnored(['**/node_modules'], 'node_modules/x'));
  t.true(dockerIgnored(['**/node_modules'], 'a/node_modules/x'));
});
