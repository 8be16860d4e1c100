import { ConflictError, NotFoundError } from '#platform/errors.ts';

/** The assignment is too new for the logs context to know: the agent keeps the chunks and sends them again. */
export class AssignmentNotReadyError extends ConflictError {
  constructor(assignmentId: string) {
    super('assignment_not_ready', `Assignment ${assignmentId} is not known to the logs service yet; send the chunks again shortly.`);
  }
}

export class AssignmentNotFoundError extends NotFoundError {
  constructor(assignmentId: string) {
    super(`No assignment ${assignmentId} on this host.`);
  }
}

export class JobLogsNotFoundError extends NotFoundError {
  constructor(jobId: string) {
    super(`No job ${jobId}.`);
  }
}
