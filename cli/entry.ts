import { main } from './main.ts';

/** The `gpuhive` program: what the bundle (cli/bundle.ts) and the clone's bin run. */
process.exitCode = await main(process.argv.slice(2));
