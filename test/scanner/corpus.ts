/**
 * The scanner test corpus: fixture files whose positive lines end in
 * `# expect: <pattern> <rewritable|explain|blocked:<blocker>>` (`// expect:` in TS).
 * A file without markers is a negative: it must produce no finding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS = join(__dirname, '..', 'fixtures', 'scanner');

export interface Expectation { line: number; pattern: string; status: string }

export interface Fixture { path: string; name: string; text: string; expected: Expectation[]; runnable: boolean }

export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const lang of ['python', 'typescript']) {
    for (const name of readdirSync(join(CORPUS, lang)).sort()) {
      const path = join(CORPUS, lang, name);
      const text = readFileSync(path, 'utf8');
      const expected: Expectation[] = [];
      text.split('\n').forEach((line, i) => {
        const m = /(?:#|\/\/) expect: ([\w-]+) (\S+)\s*$/.exec(line);
        if (m) expected.push({ line: i + 1, pattern: m[1], status: m[2] });
      });
      out.push({ path, name: `${lang}/${name}`, text, expected, runnable: text.startsWith('# mixflow-test: run') });
    }
  }
  return out;
}
