import { buildApp } from 'fauxqs';

export interface LocalSqsS3 {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * SQS and S3 in this process. `startFauxqs` binds every interface, so the app is built
 * and bound to loopback here instead; queue URLs then carry 127.0.0.1 and resolve.
 */
export const startSqsAndS3 = async (): Promise<LocalSqsS3> => {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint: address, stop: async () => { await app.close(); } };
};
