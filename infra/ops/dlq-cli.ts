/**
 * `npm run dlq -- list|redrive [--queue NAME] [options]`: what waits in the consumers'
 * dead-letter queues, and putting it back, on the local runtime or on AWS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_STAGE, RUNTIME_FILE } from '../local/runtime-file.ts';
import { scriptArgs, usageError } from '../script-args.ts';
import { topology } from '../topology.ts';
import { countDeadLetters, discoverDeadLetterPairs, peekDeadLetters, redriveDeadLetters } from './dlq.ts';

const HELP = `Usage: npm run dlq -- <list|redrive> [options]

Every event consumer reads its own SQS queue; a message it failed maxReceiveCount times
moves to the queue's DLQ (gpuhive-<stage>-<queue>-dlq), and an alarm fires on AWS.

Commands:
  list              each consumer queue: messages in its DLQ, waiting and in flight;
                    with --queue, also the dead messages themselves (up to --peek N)
  redrive           move the DLQ's messages back to their queue, to be handled again
                    (after the cause is fixed; consumers are idempotent)

Options:
  --queue NAME      only this consumer queue, as the topology names it (e.g. ${topology.queues[0]?.name ?? 'billing-jobs'})
  --peek N          with list --queue: show up to N dead messages (default 10)
  --stage S         target the AWS stage S (dev, prod): region and credentials as the AWS
                    SDK finds them (AWS_REGION, AWS_PROFILE, ...). Default: the local runtime
  --data-dir DIR    the local runtime's data dir (default .gpuhive/), where npm start notes
                    its SQS endpoint
  --endpoint URL    the SQS endpoint to use (overrides the data dir's)
  --copy            on AWS, redrive by receive + send + delete here instead of an SQS
                    message move task (the local runtime always copies)
  --json            print JSON
  -h, --help        show this help
`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};

const HELP_COMMAND = 'npm run dlq -- --help';
const { values, positionals } = scriptArgs({
  allowPositionals: true,
  options: {
    queue: { type: 'string' },
    peek: { type: 'string', default: '10' },
    stage: { type: 'string', default: LOCAL_STAGE },
    'data-dir': { type: 'string', default: '.gpuhive' },
    endpoint: { type: 'string' },
    copy: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
}, HELP_COMMAND);

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const [command, ...rest] = positionals;
if (command !== 'list' && command !== 'redrive') usageError('Give a command, list or redrive', HELP_COMMAND);
if (rest.length > 0) usageError(`Unexpected argument '${rest[0]}'`, HELP_COMMAND);
const peek = Number(values.peek);
if (!Number.isInteger(peek) || peek < 1 || peek > 100) usageError(`--peek must be a whole number from 1 to 100, not '${values.peek}'`, HELP_COMMAND);

const local = values.stage === LOCAL_STAGE;
const localEndpoint = (): string => {
  if (values.endpoint) return values.endpoint;
  const file = join(resolve(values['data-dir']), RUNTIME_FILE);
  if (!existsSync(file)) return fail(`No local runtime found (${file} is missing): start it with npm start, or give --endpoint URL or --stage S.`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { endpoints: { sqs: string } }).endpoints.sqs;
};
const sqs = local
  ? new SQSClient({ endpoint: localEndpoint(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false })
  : new SQSClient(values.endpoint ? { endpoint: values.endpoint } : {});

const out = (text: string) => process.stdout.write(`${text}\n`);

try {
  const pairs = await discoverDeadLetterPairs(sqs, values.stage, values.queue);
  if (command === 'list') {
    const counts = await countDeadLetters(sqs, pairs);
    const messages = values.queue && pairs[0] ? await peekDeadLetters(sqs, pairs[0], peek) : undefined;
    if (values.json) {
      out(JSON.stringify({ stage: values.stage, queues: counts, ...(messages ? { messages } : {}) }, null, 2));
    } else {
      const width = Math.max(...counts.map((count) => count.queue.length), 5);
      out(`${'queue'.padEnd(width)}  ${'dead'.padStart(6)}  ${'waiting'.padStart(7)}  ${'in flight'.padStart(9)}`);
      for (const count of counts) out(`${count.queue.padEnd(width)}  ${String(count.dead).padStart(6)}  ${String(count.waiting).padStart(7)}  ${String(count.inFlight).padStart(9)}`);
      for (const message of messages ?? []) {
        out(`\n${message.messageId}  ${message.detailType ?? '(not an event)'}  event ${message.eventId ?? '-'}  sent ${message.sentAt ?? '-'}  receives ${message.receives ?? '-'}`);
        out(`  ${message.body.length > 500 ? `${message.body.slice(0, 500)}...` : message.body}`);
      }
    }
  } else {
    const method = local || values.copy ? 'copy' : 'move-task';
    const results = [];
    for (const pair of pairs) results.push(await redriveDeadLetters(sqs, pair, method));
    if (values.json) out(JSON.stringify({ stage: values.stage, results }, null, 2));
    else {
      for (const result of results) {
        if (result.moved === 0) out(`${result.queue}: DLQ empty, nothing to redrive`);
        else if (result.method === 'copy') out(`${result.queue}: moved ${result.moved} message(s) back to the queue`);
        else out(`${result.queue}: started an SQS move task for ${result.moved} message(s) (${result.taskHandle ?? 'no handle'}); npm run dlq -- list shows the DLQ emptying`);
      }
    }
  }
} catch (error) {
  fail(`dlq ${command}: ${(error as Error).message}`);
} finally {
  sqs.destroy();
}
