/** Tiny DOM helpers for the panel (no inline styles or HTML strings: the CSP forbids the former). */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A `<select>` of `options` ([value, label]) calling `onChange` with the chosen value. */
export function select<T extends string>(options: readonly (readonly [T, string])[], value: T, onChange: (v: T) => void, label: string): HTMLSelectElement {
  const s = h('select', { 'aria-label': label });
  for (const [v, text] of options) s.append(h('option', { value: v }, text));
  s.value = value;
  s.addEventListener('change', () => onChange(s.value as T));
  return s;
}

export function button(text: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', secondary ? { class: 'secondary' } : {}, text);
  b.addEventListener('click', onClick);
  return b;
}

/** A legend: one swatch (with the given class) per entry. */
export function legend(entries: readonly (readonly [string, string])[]): HTMLElement {
  return h('div', { class: 'legend' }, ...entries.map(([cls, text]) => h('span', {}, h('span', { class: `swatch ${cls}` }), text)));
}

/** Width available to a chart in `el` (its parent's when not laid out yet). */
export function widthOf(el: HTMLElement, fallback = 900): number {
  return Math.max(320, Math.floor(el.clientWidth || el.parentElement?.clientWidth || fallback));
}
