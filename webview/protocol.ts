/**
 * Every message between the extension and the profile panel's webview, as discriminated
 * unions, with the validators each side runs on arrival (`parseExtensionMessage` in the
 * webview, `parseWebviewMessage` and `parseWebviewState` in the extension). A message that
 * does not validate is refused with a `ProtocolError` naming the field and what was expected.
 *
 * Imported by both sides: no node, vscode or DOM imports here.
 */
import type { ProfileFile } from '../engine/profile/format.js';
import { describeJson as describe } from '../engine/core/text.js';
import { validateProfile } from '../engine/profile/validate.js';

/** Extension → webview. */
export type ExtensionMessage =
  /** Show a profile. `source`: the file it was read from (the panel reopens it after a restart). */
  | { readonly type: 'profile'; readonly profile: ProfileFile; readonly title: string; readonly source: string | null }
  /** Show an error instead of a profile (unreadable file, failed run). */
  | { readonly type: 'error'; readonly message: string };

/** Webview → extension. */
export type WebviewMessage =
  /** The script has loaded and listens: the extension may send the profile. */
  | { readonly type: 'ready' }
  /** Open the profiled setup file in an editor. */
  | { readonly type: 'openSetup' }
  /** Profile the same setup again (a run: refused in untrusted workspaces). */
  | { readonly type: 'rerun' }
  /** The webview failed to show something; the extension logs it. */
  | { readonly type: 'error'; readonly message: string };

/** What the webview persists with `setState`, handed back to the extension when VS Code restores the panel. */
export interface WebviewState {
  readonly source: string;
  readonly title: string;
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

const EXTENSION_TYPES: readonly ExtensionMessageType[] = ['profile', 'error'];
const WEBVIEW_TYPES: readonly WebviewMessageType[] = ['ready', 'openSetup', 'rerun', 'error'];

/** Validates a message from the extension; the profile is checked in full (`validateProfile`). */
export function parseExtensionMessage(value: unknown): ExtensionMessage {
  const { m, type } = tagged(value, EXTENSION_TYPES);
  switch (type) {
    case 'profile': {
      const title = str(m.title, 'message.title');
      const source = m.source === null ? null : str(m.source, 'message.source');
      let profile: ProfileFile;
      try {
        profile = validateProfile(m.profile);
      } catch (e) {
        const why = m.profile === undefined ? undefined : `one that is not (${(e as Error).message})`;
        throw new ProtocolError('message.profile', 'a valid mixflow-profile/1 profile', m.profile, why);
      }
      return { type, profile, title, source };
    }
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
    case 'rerun':
      return { type };
    case 'error':
      return { type, message: str(m.message, 'message.message') };
  }
}

/** Validates the state a restored panel hands back; null when there is none to restore. */
export function parseWebviewState(value: unknown): WebviewState | null {
  if (value === undefined || value === null) return null;
  const s = record(value, 'state');
  return { source: str(s.source, 'state.source'), title: str(s.title, 'state.title') };
}
