/** The extension ⇄ webview messages: validators accept what each side sends and refuse the rest, saying where and why. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExtensionMessage, parseWebviewMessage, parseWebviewState, ProtocolError } from '../../webview/protocol.js';
import { fixtureProfile } from './fixture.js';

/** Through JSON, as postMessage carries it. */
const wire = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

function refuses(parse: (v: unknown) => unknown, value: unknown, message: RegExp): void {
  assert.throws(() => parse(value), (e: unknown) => e instanceof ProtocolError && message.test(e.message));
}

test('extension → webview: a profile message round-trips; an error message too', () => {
  const profile = fixtureProfile();
  const m = parseExtensionMessage(wire({ type: 'profile', profile, title: 'T', source: '/x.profile.json' }));
  assert.equal(m.type, 'profile');
  assert.deepEqual(m, { type: 'profile', profile, title: 'T', source: '/x.profile.json' });
  assert.deepEqual(parseExtensionMessage(wire({ type: 'profile', profile, title: 'T', source: null })).type, 'profile');
  assert.deepEqual(parseExtensionMessage({ type: 'error', message: 'no' }), { type: 'error', message: 'no' });
});

test('extension → webview: bad messages are refused with the field and what was expected', () => {
  const profile = fixtureProfile();
  refuses(parseExtensionMessage, null, /at message: expected an object, got null/);
  refuses(parseExtensionMessage, [1], /at message: expected an object, got an array of 1/);
  refuses(parseExtensionMessage, { type: 'ready' }, /at message\.type: expected one of "profile", "error", got "ready"/);
  refuses(parseExtensionMessage, {}, /at message\.type: .* got nothing \(the field is missing\)/);
  refuses(parseExtensionMessage, { type: 'profile', profile, source: null }, /at message\.title: expected a string, got nothing/);
  refuses(parseExtensionMessage, { type: 'profile', profile, title: 'T', source: 3 }, /at message\.source: expected a string, got 3/);
  refuses(parseExtensionMessage, { type: 'profile', title: 'T', source: null }, /at message\.profile: expected a valid mixflow-profile\/1 profile, got nothing/);
  refuses(parseExtensionMessage, { type: 'error', message: 7 }, /at message\.message: expected a string, got 7/);
});

test('extension → webview: a corrupted profile is refused with the profile validator\'s JSON path', () => {
  const bad = wire({ type: 'profile', profile: fixtureProfile(), title: 'T', source: null }) as { profile: { runs: { steps: { live_bytes: number[] } }[] } };
  bad.profile.runs[1]!.steps.live_bytes[3] = -1;
  refuses(parseExtensionMessage, bad, /at message\.profile: .*\$\.runs\[1\]\.steps\.live_bytes\[3\]/);
  refuses(parseExtensionMessage, { type: 'profile', title: 'T', source: null, profile: { format: 'mixflow-profile/2' } }, /\$\.format: expected "mixflow-profile\/1" \(this reader knows only that version\)/);
});

test('webview → extension: every message type, and refusals', () => {
  for (const type of ['ready', 'openSetup', 'rerun'] as const) assert.deepEqual(parseWebviewMessage({ type, extra: 1 }), { type });
  assert.deepEqual(parseWebviewMessage({ type: 'error', message: 'x' }), { type: 'error', message: 'x' });
  refuses(parseWebviewMessage, { type: 'profile' }, /at message\.type: expected one of "ready", "openSetup", "rerun", "error", got "profile"/);
  refuses(parseWebviewMessage, { type: 'error' }, /at message\.message: expected a string/);
  refuses(parseWebviewMessage, 'ready', /at message: expected an object, got "ready"/);
  refuses(parseWebviewMessage, { command: 'ready' }, /at message\.type/);
});

test('restored webview state: absent is null, valid is kept, malformed is refused', () => {
  assert.equal(parseWebviewState(undefined), null);
  assert.equal(parseWebviewState(null), null);
  assert.deepEqual(parseWebviewState({ source: '/a.profile.json', title: 'A' }), { source: '/a.profile.json', title: 'A' });
  refuses(parseWebviewState, { source: 1, title: 'A' }, /at state\.source: expected a string, got 1/);
  refuses(parseWebviewState, 'x', /at state: expected an object/);
});
