/** The executable entry of the `mixflow` CLI (bundled as dist/cli.js): runs `main` on argv. */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mixflow: ${e instanceof Error && e.stack ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
