// What `npm test` needs beyond node_modules, checked in a second and installed when it can be:
// Debian's Chromium (browser and editor tests), PyTorch with functorch and ONNX for Python 3
// (rewrite-execution and ONNX import tests) and code-server in the git-ignored cache (editor
// tests). As root it installs what is missing (apt-get, then .ci/code-server.sh); otherwise it
// stops at once and prints the one command to run. Run alone: `node scripts/testDeps.mjs
// [--dry-run | --check]` (--dry-run prints what it would install as root; --check only checks,
// printing the command as without root; neither installs anything). MIXFLOW_TEST_DEPS=check
// makes `npm test` check only, as --check does.
//
// Lookups, overridable so a test can point them at empty places:
//   MIXFLOW_CHROMIUM            Chromium's executable            (default /usr/bin/chromium)
//   MIXFLOW_TORCH_PYTHON        the Python that imports torch    (default /usr/bin/python3, then python3)
//   MIXFLOW_CODE_SERVER_CACHE   code-server's cache folder       (default .cache/code-server)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CODE_SERVER_SCRIPT = join(ROOT, '.ci', 'code-server.sh');

export function lookups(env = process.env) {
  return {
    chromium: env.MIXFLOW_CHROMIUM || '/usr/bin/chromium',
    pythons: env.MIXFLOW_TORCH_PYTHON ? [env.MIXFLOW_TORCH_PYTHON] : ['/usr/bin/python3', 'python3'],
    codeServerCache: env.MIXFLOW_CODE_SERVER_CACHE || join(ROOT, '.cache', 'code-server'),
  };
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The version .ci/code-server.sh installs: its stamp file marks a finished install. */
function codeServerVersion() {
  return /^CODE_SERVER_VERSION=(\S+)/m.exec(readFileSync(CODE_SERVER_SCRIPT, 'utf8'))?.[1];
}

const PY_MODULES = { torch: 'python3-torch', functorch: 'python3-torch', onnx: 'python3-onnx' };

/** The first Python with every module, else the one missing fewest (its missing modules). */
function findPython(pythons) {
  const probe = `import importlib.util as u, sys\nprint(" ".join(m for m in sys.argv[1:] if u.find_spec(m) is None))`;
  let best;
  for (const python of pythons) {
    const r = spawnSync(python, ['-c', probe, ...Object.keys(PY_MODULES)], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) continue;
    const missing = r.stdout.trim().split(/\s+/).filter(Boolean);
    if (!best || missing.length < best.missing.length) best = { python, missing };
    if (missing.length === 0) break;
  }
  return best ?? { python: undefined, missing: Object.keys(PY_MODULES) };
}

function hasDebianPackage(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * What is there and what is missing. Each missing item says what it is for and which Debian
 * packages provide it; code-server is installed by .ci/code-server.sh (no root needed once
 * libkrb5-dev, which one of its native modules builds against, is there).
 */
export function checkTestDeps(env = process.env) {
  const where = lookups(env);
  const items = [];
  items.push({
    name: 'Chromium', at: where.chromium, ok: executable(where.chromium), packages: ['chromium'],
    forWhat: 'the browser and editor tests',
  });
  const py = findPython(where.pythons);
  items.push({
    name: `PyTorch and ONNX for Python 3 (${Object.keys(PY_MODULES).join(', ')})`,
    at: py.python ?? where.pythons.join(' or '),
    ok: py.missing.length === 0,
    packages: [...new Set(py.missing.map((m) => PY_MODULES[m]))],
    missing: py.missing,
    forWhat: 'the rewrite-execution and ONNX import tests',
  });
  const version = codeServerVersion();
  const launcher = join(where.codeServerCache, 'bin', 'code-server');
  const codeServerOk = executable(launcher) && existsSync(join(where.codeServerCache, `installed-${version}`));
  items.push({
    name: `code-server ${version}`, at: where.codeServerCache, ok: codeServerOk, packages: codeServerOk || hasDebianPackage('libkrb5-dev') ? [] : ['libkrb5-dev'],
    codeServer: true, forWhat: 'the editor tests',
  });
  const missing = items.filter((i) => !i.ok);
  return { items, missing, packages: [...new Set(missing.flatMap((i) => i.packages))], codeServer: missing.some((i) => i.codeServer), where };
}

/**
 * The shell steps that install what is missing: run as root (`asRoot`, non-interactive), or
 * printed for a user to run with sudo.
 */
export function installSteps(check, { asRoot = true } = {}) {
  const steps = [];
  if (check.packages.length) {
    const sudo = asRoot ? '' : 'sudo ';
    const env = asRoot ? 'env DEBIAN_FRONTEND=noninteractive ' : '';
    steps.push(`${sudo}apt-get update`);
    steps.push(`${sudo}${env}apt-get install -y ${asRoot ? '--no-install-recommends ' : ''}${check.packages.join(' ')}`);
  }
  if (check.codeServer) {
    const rel = relative(process.cwd(), CODE_SERVER_SCRIPT) || CODE_SERVER_SCRIPT;
    const cache = check.where.codeServerCache === join(ROOT, '.cache', 'code-server') ? '' : `MIXFLOW_CODE_SERVER_CACHE=${check.where.codeServerCache} `;
    steps.push(`${cache}bash ${rel}`);
  }
  return steps;
}

function report(check, log) {
  for (const i of check.items) {
    const detail = i.ok ? 'ok' : `missing${i.missing?.length ? ` (${i.missing.join(', ')})` : ''}, needed by ${i.forWhat}`;
    log(`  ${i.ok ? '✓' : '✗'} ${i.name}: ${i.at}: ${detail}`);
  }
}

function run(step) {
  console.log(`$ ${step}`);
  const r = spawnSync('sh', ['-c', step], { stdio: 'inherit', cwd: ROOT });
  return r.status === 0;
}

/**
 * Checks, installs as root, or prints the command. Returns 0 when everything is there (or, in a
 * dry run, when the plan was printed), else the exit status to stop with.
 */
export function ensureTestDeps({ env = process.env, dryRun = false, checkOnly = false, isRoot = process.getuid?.() === 0, log = console.log } = {}) {
  checkOnly ||= env.MIXFLOW_TEST_DEPS === 'check';
  log('npm test: checking what the tests need besides node_modules (Chromium, PyTorch and ONNX, code-server)');
  const check = checkTestDeps(env);
  report(check, log);
  if (check.missing.length === 0) return 0;
  if (dryRun) {
    log('Dry run: as root, npm test would now run:');
    for (const s of installSteps(check)) log(`  ${s}`);
    return 0;
  }
  // Without root only code-server can be installed (into the cache), and only once libkrb5-dev is there.
  if (checkOnly || (!isRoot && check.packages.length > 0)) {
    log('');
    log(checkOnly ? 'To install what is missing, run this once:' : 'Installing Debian packages needs root. Run this once, then `npm test` again:');
    log('');
    log(`  ${installSteps(check, { asRoot: false }).join(' && ')}`);
    log('');
    return 1;
  }
  log(`Installing what is missing${check.codeServer ? ' (code-server takes a few minutes and about 800 MB)' : ''}:`);
  for (const step of installSteps(check)) {
    if (!run(step)) {
      log(`npm test: \`${step}\` failed; the tests cannot run without it.`);
      return 1;
    }
  }
  const again = checkTestDeps(env);
  if (again.missing.length) {
    report(again, log);
    log('npm test: still missing after installing; see above.');
    return 1;
  }
  log('npm test: everything the tests need is installed.');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--dry-run' && a !== '--check');
  if (unknown.length) {
    console.error(`usage: node scripts/testDeps.mjs [--dry-run | --check] (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  process.exit(ensureTestDeps({ dryRun: args.includes('--dry-run'), checkOnly: args.includes('--check') }));
}
