/**
 * The panel's view state (what is selected, expanded, zoomed, sorted) in one place: views
 * read it, change it through `set`, and hear every change; each change is persisted with the
 * webview's `setState`, so a hidden or reloaded panel comes back as it was.
 */
import type { ProfileRun } from '../engine/profile/format.js';
import { defaultExpanded as defaultOpen } from './graphLayout.js';
import type { PanelViewState } from './protocol.js';
import { indexRun, type RunIndex } from './model/live.js';
import { buildScopeTree, type ScopeTree } from './scopeTree.js';

export type Listener = (view: PanelViewState, changed: ReadonlySet<keyof PanelViewState>) => void;

export class Store {
  private readonly listeners = new Set<Listener>();
  private readonly trees = new Map<number, ScopeTree>();
  private readonly indexes = new Map<number, RunIndex>();

  constructor(readonly runs: readonly ProfileRun[], private current: PanelViewState, private readonly persist: (v: PanelViewState) => void) {}

  get view(): PanelViewState {
    return this.current;
  }

  set(patch: Partial<PanelViewState>): void {
    const changed = new Set<keyof PanelViewState>();
    for (const [k, v] of Object.entries(patch) as [keyof PanelViewState, unknown][]) {
      if (JSON.stringify(this.current[k]) !== JSON.stringify(v)) changed.add(k);
    }
    if (changed.size === 0) return;
    this.current = { ...this.current, ...patch };
    this.persist(this.current);
    for (const l of this.listeners) l(this.current, changed);
  }

  on(l: Listener, signal: AbortSignal): void {
    this.listeners.add(l);
    signal.addEventListener('abort', () => this.listeners.delete(l));
  }

  tree(run: number): ScopeTree {
    let t = this.trees.get(run);
    if (!t) this.trees.set(run, (t = buildScopeTree(this.runs[run]!)));
    return t;
  }

  index(run: number): RunIndex {
    let x = this.indexes.get(run);
    if (!x) this.indexes.set(run, (x = indexRun(this.runs[run]!)));
    return x;
  }

  /** Selects a node and opens the groups down to it. */
  select(run: number, node: number): void {
    const tree = this.tree(run);
    const open = new Set(this.expandedFor(run));
    for (let g = tree.groupOf[node]!; g.parent; g = g.parent) open.add(g.id);
    this.set({ selected: { run, node }, expanded: [...open], ...(this.current.sideBySide ? {} : { graphRun: run }) });
  }

  /** The expanded groups (the state's, or the default for the run). */
  expandedFor(run: number): readonly string[] {
    return this.current.expanded ?? [...defaultOpen(this.tree(run))];
  }
}
