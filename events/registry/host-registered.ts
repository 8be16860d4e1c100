import { defineEvent } from '../define.ts';
import { hostSnapshot } from './host-facts.ts';

export const event = defineEvent({ source: 'gpuhive.registry', detailType: 'host.registered', version: 1, payload: hostSnapshot });
