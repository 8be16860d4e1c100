import { main } from './cli.ts';

/** The program: `gpuhive-agent <command> ...` (the bin launcher and the bundle both start here). */
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`gpuhive-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
