// Cost per message of sealing and opening (issue 8 measures the same): @hub/seal (node:crypto,
// keys parsed once), node-jose importing the key on every call
// (the naive way), and the bare node:crypto operations underneath, on one PLO sample.
// Usage: npm run build && node --import ./tools/runtime/register.mjs tools/bench/seal.mjs
//        (env: BENCH_SEAL_N, iterations per case, default 300)
import { constants, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import jose from 'node-jose';
import { CertificateValidator, JoseKeyCache, Opener, Sealer, generateTestPki, loadPartyKeys } from '@hub/seal';

const root = path.resolve(import.meta.dirname, '../..');
const N = Number(process.env.BENCH_SEAL_N ?? 300);
const doc = await readFile(path.join(root, 'libs/plo/test-fixtures/samples/plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml'));

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-seal-'));
try {
  await generateTestPki({ dir, parties: [{ herId: 9100000, name: 'Sykehuset Telemark HF' }, { herId: 9100100, name: 'Skien kommune' }] });
  const sthf = await loadPartyKeys(dir, 9100000);
  const skien = await loadPartyKeys(dir, 9100100);
  const signer = { herId: '9100000', signingKeyPem: sthf.signingKeyPem, signingCertPem: sthf.signingCertPem };
  const recipient = { herId: '9100100', encryptionCertPem: skien.encryptionCertPem };
  const opening = { herId: '9100100', encryptionKeyPem: skien.encryptionKeyPem };
  const validator = await CertificateValidator.fromPkiDir(dir);

  async function time(label, fn) {
    for (let i = 0; i < Math.min(20, N); i++) await fn(); // warm-up (and fill the caches)
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn();
    const ms = (performance.now() - t0) / N;
    console.log(`${label.padEnd(58)} ${ms.toFixed(3)} ms/op`);
    return ms;
  }

  console.log(`document ${doc.length} bytes, RSA-2048, ${N} iterations per case, node ${process.version}\n`);
  const keys = new JoseKeyCache();
  const sealer = new Sealer(keys);
  const opener = new Opener({ validator, keys });
  const jws = await sealer.sign(doc, signer);
  const jwe = await sealer.encrypt(jws, recipient);

  console.log('@hub/seal (node:crypto, keys parsed once):');
  await time('  sign (JWS RS256 + x5c)', () => sealer.sign(doc, signer));
  await time('  encrypt (JWE RSA-OAEP-256 + A256GCM)', () => sealer.encrypt(jws, recipient));
  await time('  seal = sign + encrypt', () => sealer.seal(doc, signer, recipient));
  await time('  verify (certificate checks + JWS)', () => opener.verify(jws));
  await time('  open = decrypt + verify', () => opener.open(jwe, opening));

  console.log('\nnode-jose, key imported on every call (JWK.asKey per operation):');
  await time('  sign', async () => {
    const key = await jose.JWK.asKey(sthf.signingKeyPem, 'pem');
    return jose.JWS.createSign({ format: 'compact', alg: 'RS256' }, { key, reference: false }).update(doc).final();
  });
  await time('  encrypt', async () => {
    const key = await jose.JWK.asKey(skien.encryptionCertPem, 'pem');
    return jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'RSA-OAEP-256' } }, { key, reference: false }).update(jws).final();
  });
  await time('  decrypt', async () => {
    const key = await jose.JWK.asKey(skien.encryptionKeyPem, 'pem');
    return jose.JWE.createDecrypt(key).decrypt(jwe);
  });

  console.log('\nnode:crypto, the same primitives (keys parsed once):');
  const signKey = createPrivateKey(sthf.signingKeyPem);
  const signPub = createPublicKey(sthf.signingCertPem);
  const encPub = createPublicKey(skien.encryptionCertPem);
  const encPriv = createPrivateKey(skien.encryptionKeyPem);
  const sig = sign('sha256', doc, signKey);
  await time('  RS256 sign', () => sign('sha256', doc, signKey));
  await time('  RS256 verify', () => verify('sha256', doc, signPub, sig));
  const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
  const wrapAndEncrypt = () => {
    const cek = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', cek, iv);
    const ct = Buffer.concat([c.update(jws), c.final()]);
    return { wrapped: publicEncrypt({ key: encPub, ...oaep }, cek), iv, ct, tag: c.getAuthTag() };
  };
  const sample = wrapAndEncrypt();
  await time('  RSA-OAEP-256 wrap + AES-256-GCM encrypt', wrapAndEncrypt);
  await time('  RSA-OAEP-256 unwrap + AES-256-GCM decrypt', () => {
    const cek = privateDecrypt({ key: encPriv, ...oaep }, sample.wrapped);
    const d = createDecipheriv('aes-256-gcm', cek, sample.iv);
    d.setAuthTag(sample.tag);
    return Buffer.concat([d.update(sample.ct), d.final()]);
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
