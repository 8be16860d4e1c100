/**
 * Names the local runtime shares with the operator tools that find it (`npm run dlq`), in a
 * module of their own: importing them from runtime.ts would load the whole backend, the AWS
 * SDK's clients and the stand-ins, before a tool has read its options.
 */
export const LOCAL_STAGE = 'local';
/** In the data dir: the running runtime's API URL and stand-in endpoints, for operator tools. */
export const RUNTIME_FILE = 'runtime.json';
