/**
 * The `mixflow` command line: `parseArgs(argv)` turns the arguments after the program name
 * into a typed command with every default filled, or throws a `UsageError` naming the flag,
 * the value and what was expected (the CLI prints it and exits 2).
 *
 *   mixflow run SETUP [--mode standard|mixflow] [--remat none|step|block|step+block|revolve:K[+block]]
 *                     [--precision float32|float64] [--backend auto|tensorflow|wasm|cpu|onnxruntime]
 *                     [--json] [--profile FILE] [--force]
 *   mixflow estimate SETUP [--mode …] [--remat …] [--json]
 *   mixflow plan SETUP --budget BYTES [--json]   (BYTES: 80GiB, 512MiB, 1e9, …)
 *   mixflow profile SETUP [run's options] [--compare]
 *   mixflow bench [SETUP…] [--mode …] [--remat …] [--precision …] [--backend …] [--json] [--compare] [--force]
 *   mixflow scan PATH… [--json]
 *   mixflow rewrite FILE
 *   mixflow init [DIR] [--out DIR]
 *   mixflow export SETUP --to pytorch [--mode …] [--remat …] [-o FILE]
 *   mixflow demo [--backend …] [--precision …]
 *   mixflow help [COMMAND]   (also -h, --help)
 * Defaults: --mode mixflow, --remat none, --precision float32, --backend auto, init DIR ".".
 * Flags take `--flag value` or `--flag=value`; `--` ends the flags. `--force` runs a setup the
 * pre-flight memory check (engine/plan/preflight.ts) refuses.
 */
import type { Mode, Precision, Remat } from '../engine/setup/result.js';
import { parseRemat, REMAT_SYNTAX } from '../engine/meta/remat.js';
import { parseBytes, BYTES_SYNTAX } from '../engine/core/bytes.js';

export type { Mode, Precision, Remat } from '../engine/setup/result.js';
export type { BackendChoice } from '../engine/exec/backend.js';
import type { BackendChoice } from '../engine/exec/backend.js';

export const COMMANDS = ['run', 'estimate', 'plan', 'profile', 'init', 'bench', 'scan', 'rewrite', 'demo', 'export', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Options {
  mode: Mode;
  remat: Remat;
  precision: Precision;
  backend: BackendChoice;
  json: boolean;
  /** `--profile FILE`: where to write the memory/time profile. */
  profile?: string;
  compare: boolean;
  /** `export --to`: the target framework. */
  to?: string;
  /** `export -o FILE`: where to write (stdout when absent). */
  output?: string;
  /** `plan --budget BYTES`: the memory the plan must fit in. */
  budget?: number;
  /** Run even when the pre-flight memory check says it cannot fit. */
  force: boolean;
}

export const DEFAULT_OPTIONS: Readonly<Options> = { mode: 'mixflow', remat: 'none', precision: 'float32', backend: 'auto', json: false, compare: false, force: false };

export type Command =
  | { command: 'run' | 'estimate' | 'profile'; setup: string; options: Options }
  | { command: 'plan'; setup: string; budget: number; options: Options }
  | { command: 'bench'; setups: string[]; options: Options }
  | { command: 'scan'; paths: string[]; options: Options }
  | { command: 'rewrite'; file: string; options: Options }
  | { command: 'init'; dir: string; options: Options }
  | { command: 'demo'; options: Options }
  | { command: 'export'; setup: string; options: Options }
  | { command: 'help'; topic?: CommandName; options: Options };

type FlagName = 'mode' | 'remat' | 'precision' | 'backend' | 'json' | 'profile' | 'compare' | 'out' | 'budget' | 'to' | 'output' | 'force';

/** Allowed values of each valued flag (null: any string); boolean flags are absent here. */
const VALUES: Partial<Record<FlagName, readonly string[] | null>> = {
  mode: ['standard', 'mixflow'],
  remat: null,
  precision: ['float32', 'float64'],
  backend: ['auto', 'tensorflow', 'wasm', 'cpu', 'onnxruntime'],
  profile: null,
  out: null,
  budget: null,
  to: ['pytorch'],
  output: null,
};
/** Flags whose values a parser checks (the message says what was expected). */
const PARSED: Partial<Record<FlagName, { expected: string; parse: (v: string) => unknown }>> = {
  remat: { expected: REMAT_SYNTAX, parse: parseRemat },
  budget: { expected: BYTES_SYNTAX, parse: parseBytes },
};
const BOOLEAN: readonly FlagName[] = ['json', 'compare', 'force'];
const METAVAR: Partial<Record<FlagName, string>> = { profile: 'FILE', out: 'DIR', budget: 'BYTES', output: 'FILE' };

const RUN: FlagName[] = ['mode', 'remat', 'precision', 'backend', 'json', 'profile', 'force'];
const FLAGS: Record<CommandName, readonly FlagName[]> = {
  run: RUN,
  estimate: ['mode', 'remat', 'json'],
  plan: ['budget', 'json'],
  profile: [...RUN, 'compare'],
  bench: ['mode', 'remat', 'precision', 'backend', 'json', 'compare', 'force'],
  scan: ['json'],
  rewrite: [],
  init: ['out'],
  demo: ['backend', 'precision'],
  export: ['to', 'mode', 'remat', 'output'],
  help: [],
};

/** One usage line per command. */
export const USAGE: Record<CommandName, string> = {
  run: 'mixflow run SETUP [--mode standard|mixflow] [--remat none|step|block|step+block|revolve:K|revolve:K+block] [--precision float32|float64] [--backend auto|tensorflow|wasm|cpu|onnxruntime] [--json] [--profile FILE] [--force]',
  estimate: 'mixflow estimate SETUP [--mode standard|mixflow] [--remat none|step|block|step+block|revolve:K|revolve:K+block] [--json]',
  plan: 'mixflow plan SETUP --budget BYTES [--json]',
  profile: 'mixflow profile SETUP [--mode …] [--remat …] [--precision …] [--backend …] [--json] [--profile FILE] [--compare] [--force]',
  bench: 'mixflow bench [SETUP…] [--mode …] [--remat …] [--precision …] [--backend …] [--json] [--compare] [--force]',
  scan: 'mixflow scan PATH… [--json]',
  rewrite: 'mixflow rewrite FILE',
  init: 'mixflow init [DIR]',
  demo: 'mixflow demo [--backend …] [--precision …]',
  export: 'mixflow export SETUP --to pytorch [--mode standard|mixflow] [--remat none|step|block|step+block] [-o FILE]',
  help: 'mixflow help [COMMAND]',
};

export function usage(command?: CommandName): string {
  if (command) return `usage: ${USAGE[command]}`;
  return `usage:\n${COMMANDS.map((c) => `  ${USAGE[c]}`).join('\n')}`;
}

const quote = (s: string): string => JSON.stringify(s);

function expectedValues(flag: FlagName): string {
  const parsed = PARSED[flag];
  if (parsed) return parsed.expected;
  const vs = VALUES[flag];
  return vs ? vs.join(' or ') : `a ${METAVAR[flag] ?? 'value'}`;
}

export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`expected a command (${COMMANDS.join(', ')}), got nothing\n${usage()}`);
  if (first === '-h' || first === '--help') return { command: 'help', options: { ...DEFAULT_OPTIONS } };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command ${quote(first)}: expected one of ${COMMANDS.join(', ')}\n${usage()}`);
  }
  const command = first as CommandName;
  const allowed = FLAGS[command];
  const options: Options = { ...DEFAULT_OPTIONS };
  const given = new Set<FlagName>();
  const positionals: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] === '-o' ? '--output' : rest[i]!; // -o: the usual short form of --output
    if (arg === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return { command: 'help', topic: command === 'help' ? undefined : command, options };
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const name = flag.slice(2) as FlagName;
    if (!flag.startsWith('--') || !allowed.includes(name)) {
      const known = allowed.length ? `its options: ${allowed.map((f) => `--${f}`).join(', ')}` : 'it takes no options';
      throw new UsageError(`${flag}: not an option of mixflow ${command} (${known})`);
    }
    if (given.has(name)) throw new UsageError(`${flag}: given more than once`);
    given.add(name);
    if (BOOLEAN.includes(name)) {
      if (eq >= 0) throw new UsageError(`${flag}: expected no value (it is a switch), got ${quote(arg.slice(eq + 1))}`);
      (options as unknown as Record<string, boolean>)[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < rest.length && !rest[i + 1]!.startsWith('--')) value = rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag}: expected ${expectedValues(name)}, got nothing`);
    const choices = VALUES[name];
    if (choices && !choices.includes(value)) throw new UsageError(`${flag}: expected ${expectedValues(name)}, got ${quote(value)}`);
    const parsed = PARSED[name]?.parse(value);
    if (parsed === null) throw new UsageError(`${flag}: expected ${expectedValues(name)}, got ${quote(value)}`);
    if (name === 'budget') options.budget = parsed as number;
    else if (name === 'out') out = value;
    else (options as unknown as Record<string, string>)[name] = value;
  }
  return build(command, positionals, options, out);
}

function build(command: CommandName, pos: string[], options: Options, out: string | undefined): Command {
  const atMost = (n: number, what: string): void => {
    if (pos.length > n) throw new UsageError(`mixflow ${command}: expected ${what}, got an extra argument ${quote(pos[n]!)}\n${usage(command)}`);
  };
  const one = (what: string): string => {
    if (pos.length === 0) throw new UsageError(`mixflow ${command}: expected ${what}, got nothing\n${usage(command)}`);
    atMost(1, `one ${what}`);
    return pos[0]!;
  };
  switch (command) {
    case 'run':
    case 'estimate':
    case 'profile':
      return { command, setup: one('SETUP (a .mixflow.json file)'), options };
    case 'plan': {
      const setup = one('SETUP (a .mixflow.json file)');
      if (options.budget === undefined) throw new UsageError(`mixflow plan: expected --budget BYTES (${BYTES_SYNTAX}), got nothing\n${usage('plan')}`);
      return { command, setup, budget: options.budget, options };
    }
    case 'bench':
      return { command, setups: pos, options };
    case 'scan':
      if (pos.length === 0) throw new UsageError(`mixflow scan: expected at least one PATH (a file or folder), got nothing\n${usage('scan')}`);
      return { command, paths: pos, options };
    case 'rewrite':
      return { command, file: one('FILE (a Python or TypeScript file)'), options };
    case 'init': {
      atMost(1, 'at most one DIR');
      if (pos.length === 1 && out !== undefined && out !== pos[0]) {
        throw new UsageError(`--out: expected the same DIR as the argument ${quote(pos[0]!)} (or only one of them), got ${quote(out)}`);
      }
      return { command, dir: pos[0] ?? out ?? '.', options };
    }
    case 'export':
      if (options.to === undefined) throw new UsageError(`mixflow export: expected --to pytorch (the target), got nothing\n${usage('export')}`);
      return { command, setup: one('SETUP (a .mixflow.json file)'), options };
    case 'demo':
      atMost(0, 'no arguments');
      return { command, options };
    case 'help': {
      atMost(1, 'at most one COMMAND');
      const topic = pos[0];
      if (topic !== undefined && !(COMMANDS as readonly string[]).includes(topic)) {
        throw new UsageError(`mixflow help: expected one of ${COMMANDS.join(', ')}, got ${quote(topic)}`);
      }
      return { command, topic: topic as CommandName | undefined, options };
    }
  }
}
