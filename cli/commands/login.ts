import { createInterface } from 'node:readline';
import type { AccountResponse } from '../../shared/contract/accounts.ts';
import { ApiClient } from '../api.ts';
import { noPositionals, stringFlag, type Command } from '../command.ts';
import { readConfig, writeConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { line, printJson } from '../output.ts';

type Account = AccountResponse;

/** The key from a pipe (its first line), or typed at a prompt that does not echo it. */
const readKey = async (): Promise<string> => {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
  }
  const prompt = 'API key: ';
  const terminal = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Show the prompt, not what is typed.
  (terminal as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text) => {
    if (text.includes(prompt)) process.stderr.write(prompt);
  };
  return new Promise((resolve) =>
    terminal.question(prompt, (answer) => {
      terminal.close();
      process.stderr.write('\n');
      resolve(answer.trim());
    }),
  );
};

export const login: Command = {
  name: 'login',
  summary: 'Check an API key against the API and store the URL and key in the config file (mode 0600).',
  options: {
    api: { type: 'string', value: 'URL', description: 'the API base URL, e.g. http://127.0.0.1:8080 (default: the stored one, or $GPUHIVE_API)' },
    key: { type: 'string', value: 'KEY', description: 'the API key (default: $GPUHIVE_API_KEY, else read from stdin); prefer stdin: flags show up in `ps`' },
  },
  details: 'Example:\n  echo "$MY_KEY" | gpuhive login --api https://api.gpuhive.example',
  async run(context, input) {
    noPositionals(input);
    const stored = await readConfig(context.configFile);
    const apiUrl = (stringFlag(input, 'api') ?? context.env.GPUHIVE_API ?? stored.apiUrl)?.replace(/\/+$/, '');
    if (!apiUrl) throw new UsageError('Give the API URL with --api URL.', 'login');
    if (!/^https?:\/\/[^\s/]+/.test(apiUrl)) throw new UsageError(`--api must be an http(s) URL such as https://api.gpuhive.example, not "${apiUrl}".`, 'login');
    let apiKey = stringFlag(input, 'key') ?? context.env.GPUHIVE_API_KEY;
    if (!apiKey) apiKey = await readKey();
    if (!apiKey) throw new UsageError('Give the API key with --key, $GPUHIVE_API_KEY or on stdin.', 'login');
    const account = await new ApiClient(apiUrl, apiKey, context.fetch).get<Account>('/v1/accounts/me');
    await writeConfig(context.configFile, { apiUrl, apiKey });
    if (context.json) printJson(context.output, { apiUrl, configFile: context.configFile, account });
    else line(context.output, `Logged in to ${apiUrl} as ${account.name} (${account.kind} ${account.accountId}). Saved to ${context.configFile}.`);
    return 0;
  },
};
