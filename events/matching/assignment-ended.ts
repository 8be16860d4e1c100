import { defineEvent } from '../define.ts';
import { assignmentLease } from './assignment-facts.ts';

export const event = defineEvent({ source: 'gpuhive.matching', detailType: 'assignment.ended', version: 1, payload: assignmentLease });
