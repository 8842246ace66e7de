// deploy/Dockerfile: NOT built here (no container engine in this project's CI). These
// tests check its structure against the build it wraps: stages and base images, the
// Debian packages, that `make build` produces what the runtime stage copies, that the
// entrypoint is the file the DaemonSet runs, and that the ignore file keeps the sources.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunOptions } from '../../cli/run-options.js';
import { AGENT_COMMAND, AGENT_PORT } from '../verify/agent-policy.js';
import { dockerIgnored, execForm, parseCopy, parseDockerfile, stages, type Stage } from '../verify/dockerfile-check.js';
import { DEPLOY_DIR, REPO_ROOT } from '../verify/k8s-check.js';

const DOCKERFILE = join(DEPLOY_DIR, 'Dockerfile');
const read = (): Stage[] => stages(parseDockerfile(readFileSync(DOCKERFILE, 'utf8')));
const runs = (s: Stage): string => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');

test('two stages: build on node:20-bookworm, runtime on node:20-bookworm-slim', (t) => {
  const s = read();
  t.is(s.length, 2);
  t.is(s[0]!.image, 'node:20-bookworm');
  t.is(s[0]!.name, 'build');
  t.is(s[1]!.image, 'node:20-bookworm-slim');
});

test('the build stage installs clang-19 and libbpf-dev from bookworm-backports, builds, prunes', (t) => {
  const [build] = read();
  const r = runs(build!);
  t.regex(r, /Suites: bookworm-backports/);
  t.regex(r, /apt-get install[^\n]*\bclang-19\b/);
  t.regex(r, /apt-get install[^\n]*-t bookworm-backports[^\n]*\blibbpf-dev\b/);
  const order = ['npm ci', 'make build', 'npm prune --omit=dev'].map((c) => r.indexOf(c));
  t.false(order.includes(-1), 'npm ci, make build and npm prune --omit=dev must all run');
  t.deepEqual([...order].sort((a, b) => a - b), order, 'in that order');
});

test('the runtime stage installs libbpf1 from bookworm-backports and copies only build outputs', (t) => {
  const [, runtime] = read();
  const r = runs(runtime!);
  t.regex(r, /apt-get install[^\n]*-t bookworm-backports[^\n]*\blibbpf1\b/);
  t.notRegex(r, /clang|libbpf-dev|npm (ci|install)/, 'no toolchain in the runtime image');
  const copies = runtime!.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  t.true(copies.length >= 4);
  for (const c of copies) t.is(c.from, 'build', `COPY ${c.sources.join(' ')} must come from the build stage`);
  const sources = copies.flatMap((c) => c.sources);
  for (const want of ['/src/dist', '/src/node_modules', '/src/package.json', '/src/bpf/build/*.o']) t.true(sources.includes(want), `runtime stage must copy ${want}`);
});

test('what the runtime stage copies is what the build produces', (t) => {
  const [build] = read();
  const workdir = build!.instructions.filter((i) => i.op === 'WORKDIR').pop()!.args;
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
  const [, runtime] = read();
  t.is(runtime!.instructions.filter((i) => i.op === 'WORKDIR').pop()!.args, '/app');
  const entry = execForm(runtime!.instructions.filter((i) => i.op === 'ENTRYPOINT').pop()!.args);
  t.deepEqual(entry, AGENT_COMMAND.slice(0, 2));
  const cmd = execForm(runtime!.instructions.filter((i) => i.op === 'CMD').pop()!.args)!;
  t.is(cmd[0], AGENT_COMMAND[2]);
  // The default command is one the agent accepts, with the DaemonSet's essentials.
  const opts = parseRunOptions(cmd.slice(1), { NODE_NAME: 'node-1' });
  t.true(opts.kubernetes && opts.fallbackMonitor);
  t.is(opts.metricsPort, AGENT_PORT);
  const copies = runtime!.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.args));
  const dist = copies.find((c) => c.sources.includes('/src/dist'))!;
  t.true(['./dist', '/app/dist', 'dist', './dist/', '/app/dist/'].includes(dist.dest));
  t.is(runtime!.instructions.filter((i) => i.op === 'USER').pop()?.args, '0:0', 'root, on purpose (see the comment)');
});

test('the ignore file keeps what the build reads and drops what it must not send', (t) => {
  const rules = readFileSync(join(DEPLOY_DIR, 'Dockerfile.dockerignore'), 'utf8').split('\n');
  for (const keep of ['package.json', 'package-lock.json', 'tsconfig.json', 'Makefile', 'cli/main.ts', 'policy/api.ts', 'bpf/scx_slo.bpf.c', 'bpf/scx_slo.h', 'bpf/vmlinux/vmlinux.h', 'bpf/test/transport_test.bpf.c']) {
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
