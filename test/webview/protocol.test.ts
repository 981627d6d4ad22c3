/** The extension ⇄ webview messages: validators accept what each side sends and refuse the rest, saying where and why. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_VIEW, parseExtensionMessage, parseWebviewMessage, parseWebviewState, ProtocolError, recordedSettings, rerunSettings } from '../../webview/protocol.js';
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
  refuses(parseExtensionMessage, { type: 'ready' }, /at message\.type: expected one of "profile", "diff", "error", got "ready"/);
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

test('diff messages, reruns with settings, and the saved view state', () => {
  const profile = fixtureProfile();
  const a = { profile, title: 'A', source: '/a.profile.json' };
  assert.deepEqual(parseExtensionMessage(wire({ type: 'diff', a, b: { ...a, title: 'B' } })), { type: 'diff', a, b: { ...a, title: 'B' } });
  refuses(parseExtensionMessage, wire({ type: 'diff', a }), /at message\.b: expected an object, got nothing/);
  assert.deepEqual(parseWebviewMessage({ type: 'rerun', remat: 'step+block', backend: 'cpu' }), { type: 'rerun', remat: 'step+block', backend: 'cpu' });
  refuses(parseWebviewMessage, { type: 'rerun', remat: 'all' }, /at message\.remat: expected one of "none", "step", "block", "step\+block", got "all"/);
  assert.deepEqual(recordedSettings(profile), { remat: 'block', backend: 'cpu' });
  // "Profile again" keeps the recorded remat and backend; the toolbar's pickers override one or both.
  assert.deepEqual(rerunSettings(profile), { remat: 'block', backend: 'cpu' });
  assert.deepEqual(rerunSettings(profile, { remat: 'step+block' }), { remat: 'step+block', backend: 'cpu' });
  assert.deepEqual(rerunSettings(profile, { remat: 'none', backend: 'wasm' }), { remat: 'none', backend: 'wasm' });
  const view = { ...DEFAULT_VIEW, selected: { run: 1, node: 7 }, expanded: ['step/0'], domain: [3, 90] as [number, number], tableSort: { key: 'op', descending: false } };
  assert.deepEqual(parseWebviewState(wire({ source: '/a', title: 'A', view })), { source: '/a', title: 'A', view });
  assert.deepEqual(parseWebviewState({ source: '/a', title: 'A', view: { graphRun: 1 } })!.view, { ...DEFAULT_VIEW, graphRun: 1 }, 'missing fields take their defaults');
  assert.deepEqual(parseWebviewState({ source: '/a', title: 'A', compare: { source: '/b', title: 'B' } }), { source: '/a', title: 'A', compare: { source: '/b', title: 'B' } });
  refuses(parseWebviewState, { source: '/a', title: 'A', view: { axis: 'steps' } }, /at state\.view\.axis: expected one of "ops", "time", "progress", got "steps"/);
  refuses(parseWebviewState, { source: '/a', title: 'A', view: { domain: [1] } }, /at state\.view\.domain: expected null or \[from, to\]/);
});
