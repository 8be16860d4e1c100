import { AssignmentMessage, AssignmentView } from '#contract/agent.ts';

/**
 * What the matching routes answer to agents; the renter's answers (jobs, offers, templates)
 * are the wire contract's (shared/contract/jobs.ts, offers.ts). The OpenAPI spec is generated from these.
 */
export const AssignmentMessageResponse = AssignmentMessage;
export const AgentAssignmentResponse = AssignmentView;
export { AgentEventResponse } from '#contract/agent.ts';
