import { defineEvent } from '../define.ts';
import { hostTransition } from './host-facts.ts';

export const event = defineEvent({ source: 'gpuhive.registry', detailType: 'host.unreachable', version: 1, payload: hostTransition });
