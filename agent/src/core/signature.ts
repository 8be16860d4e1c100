import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

/**
 * Signatures of what the platform ships to providers (install.sh, the agent bundle): Ed25519
 * over the exact bytes, with their SHA-256 beside it, as one line:
 * `gpuhive-signature v1 sha256=<hex> ed25519=<base64>`. Served in the `x-gpuhive-signature`
 * header; the installer checks it before running anything it downloaded.
 */
export const SIGNATURE_HEADER = 'x-gpuhive-signature';

export interface SignatureParts {
  readonly sha256: string;
  readonly signature: string;
}

const LINE = /^gpuhive-signature v1 sha256=([0-9a-f]{64}) ed25519=([A-Za-z0-9+/]+={0,2})$/;

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export const formatSignature = (parts: SignatureParts): string => `gpuhive-signature v1 sha256=${parts.sha256} ed25519=${parts.signature}`;

export const parseSignature = (line: string): SignatureParts | undefined => {
  const match = LINE.exec(line.trim());
  return match ? { sha256: match[1]!, signature: match[2]! } : undefined;
};

/** The signature line of `bytes` under the platform's private key (PEM, PKCS#8). */
export const signArtifact = (privateKeyPem: string, bytes: Buffer | string): string => {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  return formatSignature({ sha256: sha256Hex(data), signature: sign(null, data, createPrivateKey(privateKeyPem)).toString('base64') });
};

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Checks the hash first (a clear message for a changed or truncated file), then the signature. */
export const verifyArtifact = (publicKeyPem: string, bytes: Buffer | string, line: string | undefined): Verdict => {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  const parts = line ? parseSignature(line) : undefined;
  if (!parts) return { ok: false, reason: 'no valid gpuhive signature came with it' };
  const actual = sha256Hex(data);
  if (actual !== parts.sha256) return { ok: false, reason: `its SHA-256 is ${actual}, the signed one is ${parts.sha256}: it was changed or cut short` };
  if (!verify(null, data, createPublicKey(publicKeyPem), Buffer.from(parts.signature, 'base64'))) return { ok: false, reason: 'the Ed25519 signature does not match the platform\'s public key' };
  return { ok: true };
};

/** A new Ed25519 key pair as PEM (private PKCS#8, public SPKI). */
export const newSigningKey = (): { privateKeyPem: string; publicKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

export const publicKeyOf = (privateKeyPem: string): string => createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();

/**
 * The same check as `verifyArtifact`, as a Node.js one-liner install.sh runs with the node it
 * already requires (FILE, the signature line and the public key in the environment).
 */
export const INSTALLER_VERIFY_SCRIPT = [
  "const c=require('node:crypto'),fs=require('node:fs');",
  "const d=fs.readFileSync(process.env.GPUHIVE_VERIFY_FILE),m=/^gpuhive-signature v1 sha256=([0-9a-f]{64}) ed25519=([A-Za-z0-9+\\/]+={0,2})$/.exec((process.env.GPUHIVE_SIGNATURE||'').trim());",
  "if(!m){console.error('no valid gpuhive signature came with it');process.exit(1)}",
  "const h=c.createHash('sha256').update(d).digest('hex');",
  "if(h!==m[1]){console.error('its SHA-256 is '+h+', the signed one is '+m[1]+': it was changed or cut short');process.exit(1)}",
  "if(!c.verify(null,d,c.createPublicKey(process.env.GPUHIVE_PUBLIC_KEY),Buffer.from(m[2],'base64'))){console.error('the Ed25519 signature does not match the platform public key');process.exit(1)}",
].join('');
