/**
 * Writes a lezer tree buffer (four numbers per node, children before parents)
 * for the @lezer/python node set, so the scanner's tree walks cannot tell which
 * parser built the tree. Comments and escapes are "side" nodes: each lands in
 * whichever node is open when the parser next takes a token after it, which is
 * where lezer puts skipped tokens (trailing ones sink out of finished nodes).
 */
import { Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import type { Tokens } from './lexer.js';

const idByName = new Map<string, number>();
for (const type of parser.nodeSet.types) if (!idByName.has(type.name)) idByName.set(type.name, type.id);

/** The node type id lezer uses for `name` (for names with several ids, the first: the scanner reads names). */
export function nodeId(name: string): number {
  const id = idByName.get(name);
  if (id === undefined) throw new Error(`@lezer/python has no node named ${name}`);
  return id;
}

const COMMENT = nodeId('Comment');
const ESCAPE = nodeId('Escape');
const SCRIPT = nodeId('Script');

export class TreeWriter {
  /** Sized up front (about two nodes a token) and filled by index: growing by push was a hot spot. */
  private readonly buffer: number[];
  private length = 0;
  private side = 0;
  /** Start of the next pending side node (checked on every token, so kept at hand). */
  private nextSide: number;

  constructor(private readonly tokens: Tokens) {
    this.buffer = new Array<number>(8 * tokens.count + 4 * tokens.sideCount + 64).fill(0);
    this.nextSide = tokens.sideCount > 0 ? tokens.sideStart[0] : Infinity;
  }

  private write(type: number, from: number, to: number, size: number): void {
    const buffer = this.buffer;
    let at = this.length;
    if (at + 4 > buffer.length) for (let n = buffer.length; n > 0; n--) buffer.push(0);
    buffer[at++] = type;
    buffer[at++] = from;
    buffer[at++] = to;
    buffer[at++] = size;
    this.length = at;
  }

  /** Index where a node starting now begins; side nodes before `pos` go to the enclosing node first. */
  open(pos: number): number {
    this.flush(pos);
    return this.length;
  }

  flush(pos: number): void {
    if (this.nextSide >= pos) return;
    const t = this.tokens;
    while (this.side < t.sideCount && t.sideStart[this.side] < pos) {
      this.write(t.sideIsComment[this.side] ? COMMENT : ESCAPE, t.sideStart[this.side], t.sideEnd[this.side], 4);
      this.side++;
    }
    this.nextSide = this.side < t.sideCount ? t.sideStart[this.side] : Infinity;
  }

  leaf(type: number, from: number, to: number): void {
    this.write(type, from, to, 4);
  }

  /** Closes a node whose children were written from buffer index `start` on. */
  node(type: number, start: number, from: number, to: number): void {
    this.write(type, from, to, this.length - start + 4);
  }

  /** The tree: everything written becomes a child of the Script node spanning the whole text. */
  finish(length: number): Tree {
    this.flush(Infinity);
    this.buffer.length = this.length;
    return Tree.build({ buffer: this.buffer, nodeSet: parser.nodeSet, topID: SCRIPT, length });
  }
}
