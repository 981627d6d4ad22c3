/**
 * Our thin component layer over `@vscode/webview-ui-toolkit` (Microsoft's VS Code-styled web
 * components): views build buttons, dropdowns, checkboxes, text fields, tabs and data grids
 * only through these functions, so the deprecated toolkit can be swapped for VS Code Elements
 * (`@vscode-elements/elements`) here without touching a view. Each function returns a plain
 * element and takes plain callbacks; no toolkit type leaks out.
 */
import { h } from '../dom.js';

let registered: Promise<void> | null = null;

/** Defines the toolkit's custom elements (once); elements made before are upgraded when it resolves. */
export function registerToolkit(): Promise<void> {
  registered ??= import('@vscode/webview-ui-toolkit').then((t) => {
    t.provideVSCodeDesignSystem().register(
      t.vsCodeButton(), t.vsCodeCheckbox(), t.vsCodeDropdown(), t.vsCodeOption(), t.vsCodeTextField(),
      t.vsCodePanels(), t.vsCodePanelTab(), t.vsCodePanelView(), t.vsCodeDataGrid(), t.vsCodeDataGridRow(), t.vsCodeDataGridCell(),
    );
  });
  return registered;
}

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export function uiButton(text: string, onClick: () => void, opts: { secondary?: boolean; testid?: string; title?: string } = {}): HTMLElement {
  const b = el('vscode-button', {
    ...(opts.secondary ? { appearance: 'secondary' } : {}), ...(opts.testid ? { 'data-testid': opts.testid } : {}), ...(opts.title ? { title: opts.title } : {}),
  }, text);
  b.addEventListener('click', onClick);
  return b;
}

/** A dropdown of `options` ([value, label]); `onChange` gets the chosen value. */
export function uiDropdown<T extends string>(options: readonly (readonly [T, string])[], value: T, onChange: (v: T) => void, label: string, testid?: string): HTMLElement {
  const d = el('vscode-dropdown', { 'aria-label': label, title: label, ...(testid ? { 'data-testid': testid } : {}) },
    ...options.map(([v, text]) => el('vscode-option', { value: v, ...(v === value ? { selected: '' } : {}) }, text)));
  (d as unknown as { value: string }).value = value;
  d.addEventListener('change', () => onChange((d as unknown as { value: string }).value as T));
  return d;
}

export function uiCheckbox(label: string, checked: boolean, onChange: (checked: boolean) => void, testid?: string): HTMLElement {
  const c = el('vscode-checkbox', { ...(checked ? { checked: '' } : {}), ...(testid ? { 'data-testid': testid } : {}) }, label);
  c.addEventListener('change', () => onChange((c as unknown as { checked: boolean }).checked));
  return c;
}

export function uiTextField(placeholder: string, value: string, onInput: (v: string) => void, testid?: string): HTMLElement {
  const t = el('vscode-text-field', { placeholder, 'aria-label': placeholder, value, ...(testid ? { 'data-testid': testid } : {}) });
  t.addEventListener('input', () => onInput((t as unknown as { value: string }).value ?? ''));
  return t;
}

/** Tabs with one view each; `onChange` gets the tab id. */
export function uiTabs(tabs: readonly (readonly [string, string, HTMLElement])[], active: string, onChange: (id: string) => void, testid?: string): HTMLElement {
  const p = el('vscode-panels', { activeid: `tab-${active}`, ...(testid ? { 'data-testid': testid } : {}) },
    ...tabs.map(([id, label]) => el('vscode-panel-tab', { id: `tab-${id}`, 'data-tab': id }, label)),
    ...tabs.map(([id, , view]) => el('vscode-panel-view', { id: `view-${id}` }, view)));
  p.addEventListener('change', () => {
    const id = (p.getAttribute('activeid') ?? '').replace(/^tab-/, '');
    if (id) onChange(id);
  });
  return p;
}

export interface GridColumn<R> {
  readonly key: string;
  readonly title: string;
  readonly text: (row: R) => string;
  /** Sort value; columns without one are not sortable. */
  readonly value?: (row: R) => number | string;
  readonly numeric?: boolean;
}

export interface GridSort {
  readonly key: string;
  readonly descending: boolean;
}

/** A data grid of `rows` (already sorted and filtered by the caller); clicking a sortable header calls `onSort`. */
export function uiGrid<R>(columns: readonly GridColumn<R>[], rows: readonly R[], opts: {
  readonly sort: GridSort | null;
  readonly onSort: (s: GridSort) => void;
  readonly rowKey: (row: R) => string;
  readonly onRowClick?: (row: R) => void;
  readonly selected?: string | null;
  readonly testid?: string;
}): HTMLElement {
  const template = columns.map((c) => (c.numeric ? 'minmax(80px, 1fr)' : 'minmax(120px, 3fr)')).join(' ');
  const grid = el('vscode-data-grid', { 'grid-template-columns': template, 'generate-header': 'none', ...(opts.testid ? { 'data-testid': opts.testid } : {}) });
  const head = el('vscode-data-grid-row', { 'row-type': 'sticky-header' });
  columns.forEach((c, i) => {
    const sorted = opts.sort?.key === c.key;
    const cell = el('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': String(i + 1), 'data-sort': c.key, class: `${sorted ? 'sorted' : ''} ${c.value ? 'sortable' : ''}` },
      c.title + (sorted ? (opts.sort!.descending ? ' ▾' : ' ▴') : ''));
    if (c.value) cell.addEventListener('click', () => opts.onSort({ key: c.key, descending: sorted ? !opts.sort!.descending : c.numeric === true }));
    head.append(cell);
  });
  grid.append(head);
  for (const r of rows) {
    const key = opts.rowKey(r);
    const row = el('vscode-data-grid-row', { 'data-key': key, ...(key === opts.selected ? { class: 'selected', 'aria-selected': 'true' } : {}) },
      ...columns.map((c, i) => el('vscode-data-grid-cell', { 'grid-column': String(i + 1), ...(c.numeric ? { class: 'num' } : {}) }, c.text(r))));
    if (opts.onRowClick) row.addEventListener('click', () => opts.onRowClick!(r));
    grid.append(row);
  }
  return grid;
}

/** Sorts rows by a grid sort (stable; ties keep the given order). */
export function sortRows<R>(rows: readonly R[], columns: readonly GridColumn<R>[], sort: GridSort | null): R[] {
  const col = sort && columns.find((c) => c.key === sort.key);
  if (!col?.value) return [...rows];
  const sign = sort!.descending ? -1 : 1;
  const v = col.value;
  return rows.map((r, i) => ({ r, i, k: v(r) })).sort((a, b) => sign * (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || a.i - b.i).map((x) => x.r);
}

export { h };
