import { logger, makeLogsDeps } from '#logs/adapters/deps.ts';
import { AssignmentPath, MAX_LOG_BODY_BYTES, RecordLogsInput } from '#logs/http/schemas.ts';
import { recordLogs } from '#logs/use-cases/record-logs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = makeLogsDeps();

/** Agent: 202 once the new chunks are durable; resent chunks count as duplicates, chunks past the cap as dropped. */
export const handler = httpRoute(logger, { body: RecordLogsInput, path: AssignmentPath, maxBodyBytes: MAX_LOG_BODY_BYTES }, async ({ principal, body, path }) => {
  const { hostId } = agentOf(principal);
  logger.appendKeys({ hostId, assignmentId: path.assignmentId });
  const receipt = await recordLogs(hostId, path.assignmentId, body.chunks, deps);
  logger.info('log chunks received', { chunks: body.chunks.length, ...receipt });
  if (receipt.dropped > 0) logger.warn('log chunks dropped past the job\'s cap', { dropped: receipt.dropped });
  return json(202, receipt);
});
