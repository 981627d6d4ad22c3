/**
 * Every message between the extension and the profile panel's webview, as discriminated
 * unions, with the validators each side runs on arrival (`parseExtensionMessage` in the
 * webview, `parseWebviewMessage` and `parseWebviewState` in the extension). A message that
 * does not validate is refused with a `ProtocolError` naming the field and what was expected.
 *
 * Imported by both sides: no node, vscode or DOM imports here.
 */
import { REMATS, type ProfileFile, type ProfileRemat } from '../engine/profile/format.js';
import { describeJson as describe } from '../engine/core/text.js';
import { validateProfile } from '../engine/profile/validate.js';

/** One profile as the panel shows it. */
export interface ShownFile {
  readonly profile: ProfileFile;
  readonly title: string;
  /** The file it was read from (the panel reopens it after a restart). */
  readonly source: string | null;
}

/** Extension → webview. */
export type ExtensionMessage =
  /** Show a profile. `source`: the file it was read from (the panel reopens it after a restart). */
  | { readonly type: 'profile'; readonly profile: ProfileFile; readonly title: string; readonly source: string | null }
  /** Show two profiles compared (`a` the baseline, `b` the one compared with it). */
  | { readonly type: 'diff'; readonly a: ShownFile; readonly b: ShownFile }
  /** Show an error instead of a profile (unreadable file, failed run). */
  | { readonly type: 'error'; readonly message: string };

/** Webview → extension. */
export type WebviewMessage =
  /** The script has loaded and listens: the extension may send the profile. */
  | { readonly type: 'ready' }
  /** Open the profiled setup file in an editor. */
  | { readonly type: 'openSetup' }
  /** Profile the same setup again with the profile's recorded settings, or the remat/backend given (a run: refused in untrusted workspaces). */
  | { readonly type: 'rerun'; readonly remat?: ProfileRemat; readonly backend?: RerunBackend }
  /** The webview failed to show something; the extension logs it. */
  | { readonly type: 'error'; readonly message: string };

/** Backends a rerun may ask for (`auto`: the best one installed). */
export const RERUN_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type RerunBackend = (typeof RERUN_BACKENDS)[number];

/** The settings a profile was made with: what "Profile again" reruns with (a float64 reference run reruns on the default backend). */
export function recordedSettings(p: ProfileFile): { remat: ProfileRemat; backend: RerunBackend } {
  const r = p.runs[0]!;
  return { remat: r.remat, backend: r.backend === 'reference' ? 'auto' : r.backend };
}

/** What a rerun uses: the remat and backend asked for in the panel's toolbar, else the profile's recorded ones (never the current settings). */
export function rerunSettings(p: ProfileFile, asked: { readonly remat?: ProfileRemat; readonly backend?: RerunBackend } = {}): { remat: ProfileRemat; backend: RerunBackend } {
  const recorded = recordedSettings(p);
  return { remat: asked.remat ?? recorded.remat, backend: asked.backend ?? recorded.backend };
}

export const TIMELINE_AXES = ['ops', 'time', 'progress'] as const;
export type TimelineAxisName = (typeof TIMELINE_AXES)[number];
export const OVERLAYS = ['allocated', 'atPeak', 'none'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** What the panel shows beyond the profile itself: kept with `setState` so a hidden or reloaded panel comes back as it was. */
export interface PanelViewState {
  /** Run drawn in the graph (when not side by side). */
  readonly graphRun: number;
  readonly sideBySide: boolean;
  /** Expanded group ids (shared by the runs), null for the default expansion. */
  readonly expanded: readonly string[] | null;
  readonly paramEdges: boolean;
  readonly overlay: Overlay;
  /** The selected op: run index and node index. */
  readonly selected: { readonly run: number; readonly node: number } | null;
  readonly search: string;
  readonly axis: TimelineAxisName;
  /** The timeline's zoomed x range, null for all of it. */
  readonly domain: readonly [number, number] | null;
  /** The moment picked on the timeline: run index and step. */
  readonly moment: { readonly run: number; readonly step: number } | null;
  readonly tableTab: 'ops' | 'live';
  readonly tableSort: { readonly key: string; readonly descending: boolean } | null;
  readonly tableFilter: string;
  readonly scrollY: number;
}

export const DEFAULT_VIEW: PanelViewState = {
  graphRun: 0, sideBySide: false, expanded: null, paramEdges: false, overlay: 'allocated', selected: null, search: '',
  axis: 'ops', domain: null, moment: null, tableTab: 'ops', tableSort: null, tableFilter: '', scrollY: 0,
};

/** What the webview persists with `setState`, handed back to the extension when VS Code restores the panel. */
export interface WebviewState {
  readonly source: string;
  readonly title: string;
  /** For a diff panel: the profile compared with `source`. */
  readonly compare?: { readonly source: string; readonly title: string };
  readonly view?: PanelViewState;
}

export type ExtensionMessageType = ExtensionMessage['type'];
export type WebviewMessageType = WebviewMessage['type'];

export class ProtocolError extends Error {
  constructor(readonly path: string, readonly expected: string, got: unknown, gotText?: string) {
    super(`invalid message: at ${path}: expected ${expected}, got ${gotText ?? describe(got)}`);
    this.name = 'ProtocolError';
  }
}


type Rec = Readonly<Record<string, unknown>>;

function record(v: unknown, path: string): Rec {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError(path, 'an object', v);
  return v as Rec;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ProtocolError(path, 'a string', v);
  return v;
}

function tagged<T extends string>(v: unknown, types: readonly T[]): { m: Rec; type: T } {
  const m = record(v, 'message');
  if (typeof m.type !== 'string' || !(types as readonly string[]).includes(m.type)) {
    throw new ProtocolError('message.type', `one of ${types.map((t) => JSON.stringify(t)).join(', ')}`, m.type);
  }
  return { m, type: m.type as T };
}

const EXTENSION_TYPES: readonly ExtensionMessageType[] = ['profile', 'diff', 'error'];
const WEBVIEW_TYPES: readonly WebviewMessageType[] = ['ready', 'openSetup', 'rerun', 'error'];

function shownFile(m: Rec, path: string): ShownFile {
  const title = str(m.title, `${path}.title`);
  const source = m.source === null ? null : str(m.source, `${path}.source`);
  let profile: ProfileFile;
  try {
    profile = validateProfile(m.profile);
  } catch (e) {
    const why = m.profile === undefined ? undefined : `one that is not (${(e as Error).message})`;
    throw new ProtocolError(`${path}.profile`, 'a valid mixflow-profile/1 profile', m.profile, why);
  }
  return { profile, title, source };
}

function oneOf<T extends string>(v: unknown, options: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) throw new ProtocolError(path, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, v);
  return v as T;
}

/** Validates a message from the extension; the profile is checked in full (`validateProfile`). */
export function parseExtensionMessage(value: unknown): ExtensionMessage {
  const { m, type } = tagged(value, EXTENSION_TYPES);
  switch (type) {
    case 'profile':
      return { type, ...shownFile(m, 'message') };
    case 'diff':
      return { type, a: shownFile(record(m.a, 'message.a'), 'message.a'), b: shownFile(record(m.b, 'message.b'), 'message.b') };
    case 'error':
      return { type, message: str(m.message, 'message.message') };
  }
}

/** Validates a message from the webview (which runs untrusted-by-default page code). */
export function parseWebviewMessage(value: unknown): WebviewMessage {
  const { m, type } = tagged(value, WEBVIEW_TYPES);
  switch (type) {
    case 'ready':
    case 'openSetup':
      return { type };
    case 'rerun':
      return {
        type,
        ...(m.remat !== undefined ? { remat: oneOf(m.remat, REMATS, 'message.remat') } : {}),
        ...(m.backend !== undefined ? { backend: oneOf(m.backend, RERUN_BACKENDS, 'message.backend') } : {}),
      };
    case 'error':
      return { type, message: str(m.message, 'message.message') };
  }
}

/** Validates the state a restored panel hands back; null when there is none to restore. */
export function parseWebviewState(value: unknown): WebviewState | null {
  if (value === undefined || value === null) return null;
  const s = record(value, 'state');
  const compare = s.compare === undefined ? undefined : record(s.compare, 'state.compare');
  return {
    source: str(s.source, 'state.source'),
    title: str(s.title, 'state.title'),
    ...(compare ? { compare: { source: str(compare.source, 'state.compare.source'), title: str(compare.title, 'state.compare.title') } } : {}),
    ...(s.view !== undefined ? { view: parseViewState(s.view) } : {}),
  };
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProtocolError(path, 'a finite number', v);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ProtocolError(path, 'true or false', v);
  return v;
}

/** Validates a saved view state field by field (a state from an older panel lacks newer fields: they take their defaults). */
export function parseViewState(value: unknown): PanelViewState {
  const v = record(value, 'state.view');
  const d = DEFAULT_VIEW;
  const p = (k: string) => `state.view.${k}`;
  const has = (k: string) => v[k] !== undefined;
  const runNode = (x: unknown, path: string, field: 'node' | 'step') => {
    if (x === null) return null;
    const r = record(x, path);
    return { run: num(r.run, `${path}.run`), [field]: num(r[field], `${path}.${field}`) };
  };
  const list = (x: unknown, path: string): string[] => {
    if (!Array.isArray(x)) throw new ProtocolError(path, 'an array of strings', x);
    return x.map((e, i) => str(e, `${path}[${i}]`));
  };
  const domain = (x: unknown): readonly [number, number] | null => {
    if (x === null) return null;
    if (!Array.isArray(x) || x.length !== 2) throw new ProtocolError(p('domain'), 'null or [from, to]', x);
    return [num(x[0], `${p('domain')}[0]`), num(x[1], `${p('domain')}[1]`)];
  };
  const sort = (x: unknown) => {
    if (x === null) return null;
    const r = record(x, p('tableSort'));
    return { key: str(r.key, `${p('tableSort')}.key`), descending: bool(r.descending, `${p('tableSort')}.descending`) };
  };
  return {
    graphRun: has('graphRun') ? num(v.graphRun, p('graphRun')) : d.graphRun,
    sideBySide: has('sideBySide') ? bool(v.sideBySide, p('sideBySide')) : d.sideBySide,
    expanded: has('expanded') ? (v.expanded === null ? null : list(v.expanded, p('expanded'))) : d.expanded,
    paramEdges: has('paramEdges') ? bool(v.paramEdges, p('paramEdges')) : d.paramEdges,
    overlay: has('overlay') ? oneOf(v.overlay, OVERLAYS, p('overlay')) : d.overlay,
    selected: has('selected') ? (runNode(v.selected, p('selected'), 'node') as PanelViewState['selected']) : d.selected,
    search: has('search') ? str(v.search, p('search')) : d.search,
    axis: has('axis') ? oneOf(v.axis, TIMELINE_AXES, p('axis')) : d.axis,
    domain: has('domain') ? domain(v.domain) : d.domain,
    moment: has('moment') ? (runNode(v.moment, p('moment'), 'step') as PanelViewState['moment']) : d.moment,
    tableTab: has('tableTab') ? oneOf(v.tableTab, ['ops', 'live'] as const, p('tableTab')) : d.tableTab,
    tableSort: has('tableSort') ? sort(v.tableSort) : d.tableSort,
    tableFilter: has('tableFilter') ? str(v.tableFilter, p('tableFilter')) : d.tableFilter,
    scrollY: has('scrollY') ? num(v.scrollY, p('scrollY')) : d.scrollY,
  };
}
