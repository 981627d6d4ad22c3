/**
 * Import and alias resolution: turns `G`, `jnp.vdot`, `F.scaled_dot_product_attention`
 * into fully qualified names (`torch.autograd.grad`, `jax.numpy.vdot`, ...), following
 * `import … as …`, `from … import … as …` and simple `name = dotted.name` assignments.
 * Scopes are merged: meta-learning scripts rarely shadow framework names.
 */
import { all, assignedValue, children, RangeMap, src, targetNames, type PyDoc, type SyntaxNode } from './parse.js';

/** Spellings that name the same API; the right-hand side is canonical. */
const CANONICAL: [string, string][] = [
  ['functorch.', 'torch.func.'],
];

function canonical(name: string): string {
  for (const [from, to] of CANONICAL) if (name.startsWith(from)) return to + name.slice(from.length);
  if (name === 'functorch') return 'torch.func';
  return name;
}

export class Names {
  /** local name -> qualified name */
  private readonly aliases = new Map<string, string>();

  constructor(private readonly doc: PyDoc) {
    for (const stmt of all(doc, 'ImportStatement')) this.addImport(stmt);
    // Simple aliases such as `grad = torch.autograd.grad`, resolved after imports.
    for (const assign of all(doc, 'AssignStatement')) this.addAssignmentAlias(assign);
  }

  /** Is `local` bound (by an import or alias) to the qualified name `qualified`? */
  binds(local: string, qualified: string): boolean {
    return this.aliases.get(local) === qualified;
  }

  /** Is `local` bound by an import or an alias of an imported name (a global, not a local value)? */
  isImported(local: string): boolean {
    return this.aliases.has(local);
  }

  /** Qualified name of a VariableName / MemberExpression chain, or null when not a plain name. */
  qualify(node: SyntaxNode | null): string | null {
    if (!node) return null;
    if (node.name === 'VariableName') {
      const text = src(this.doc, node);
      return canonical(this.aliases.get(text) ?? text);
    }
    if (node.name === 'MemberExpression') {
      const object = node.firstChild;
      let prop: SyntaxNode | null = null;
      for (let c = object; c; c = c.nextSibling) {
        if (c.name === '[') return null;
        if (c.name === 'PropertyName') prop ??= c;
      }
      if (!prop || !object) return null;
      const base = this.qualify(object);
      return base === null ? null : canonical(`${base}.${src(this.doc, prop)}`);
    }
    return null;
  }

  private readonly callees = new RangeMap<string | null>();

  /** Qualified name of what a call calls (cached: every pattern asks for every call). */
  calleeName(call: SyntaxNode): string | null {
    const name = this.callees.get(call);
    return name !== undefined ? name : this.callees.set(call, this.qualify(call.firstChild));
  }

  private addImport(stmt: SyntaxNode): void {
    const kids = children(stmt).filter((k) => k.name !== ',' && k.name !== '(' && k.name !== ')');
    const words = kids.map((k) => (k.name === 'VariableName' ? src(this.doc, k) : k.name));
    const importAt = words.indexOf('import');
    if (importAt < 0) return;
    const from = words[0] === 'from' ? this.dotted(words.slice(1, importAt)) : null;
    const rest = words.slice(importAt + 1);
    // Walk `a.b.c [as d]` groups.
    let i = 0;
    while (i < rest.length) {
      const parts: string[] = [rest[i]];
      i++;
      while (rest[i] === '.' && i + 1 < rest.length) { parts.push(rest[i + 1]); i += 2; }
      let local: string | null = null;
      if (rest[i] === 'as') { local = rest[i + 1]; i += 2; }
      if (parts[0] === '*') continue;
      if (from !== null) {
        this.aliases.set(local ?? parts[0], canonical(from ? `${from}.${parts.join('.')}` : parts.join('.')));
      } else if (local) {
        this.aliases.set(local, canonical(parts.join('.')));
      } else {
        this.aliases.set(parts[0], parts[0]);
      }
    }
  }

  /** `from . import x` has an empty module; relative imports stay relative. */
  private dotted(words: string[]): string {
    return words.filter((w) => w !== '.').join('.');
  }

  private addAssignmentAlias(assign: SyntaxNode): void {
    const value = assignedValue(assign);
    const targets = targetNames(this.doc, assign);
    if (!value || targets.length !== 1 || this.aliases.has(targets[0])) return;
    if (value.name !== 'MemberExpression' && value.name !== 'VariableName') return;
    let root: SyntaxNode = value;
    while (root.name === 'MemberExpression' && root.firstChild) root = root.firstChild;
    const qualified = this.qualify(value);
    if (qualified && this.aliases.has(src(this.doc, root)) && qualified !== targets[0]) {
      this.aliases.set(targets[0], qualified);
    }
  }
}
