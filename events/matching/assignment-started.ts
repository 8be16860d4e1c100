import { defineEvent } from '../define.ts';
import { assignmentLease } from './assignment-facts.ts';

export const event = defineEvent({ source: 'gpuhive.matching', detailType: 'assignment.started', version: 1, payload: assignmentLease });
