import { HubError } from '@hub/errors';
import jose from 'node-jose';
import { CertificateValidator } from './certificate.validator.js';
import { Opener } from './envelope.opener.js';
import { Sealer } from './envelope.sealer.js';
import { JoseKeyCache } from './jose-key.cache.js';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority, type IssuedCertificate } from './test-pki.generator.js';
import { mintUnknownCaCertificate, mintValidCertificate, tamperJwsPayload } from './testing.js';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2026-06-01T12:00:00Z');
const DOC = '<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo><Type V="LOG_INNLAGT"/></MsgInfo><Merknad>Kragerø, ÆØÅ</Merknad></MsgHead>';

interface Party {
  herId: string;
  sign: IssuedCertificate;
  encrypt: IssuedCertificate;
}

async function rejection(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

describe('Sealer and Opener', () => {
  let ca: CertificateAuthority;
  let hospital: Party;
  let skien: Party;
  let porsgrunn: Party;
  let now: Date;
  let validator: CertificateValidator;
  let keys: JoseKeyCache;
  let sealer: Sealer;
  let opener: Opener;

  const party = (herId: string): Party => ({
    herId,
    sign: mintValidCertificate({ ca, herId, purpose: 'sign', now: T0, validDays: 10 }),
    encrypt: mintValidCertificate({ ca, herId, purpose: 'encrypt', now: T0, validDays: 10 }),
  });
  const signer = (p: Party) => ({ herId: p.herId, signingKeyPem: p.sign.keyPem, signingCertPem: p.sign.certPem });
  const recipient = (p: Party) => ({ herId: p.herId, encryptionCertPem: p.encrypt.certPem });
  const opening = (p: Party) => ({ herId: p.herId, encryptionKeyPem: p.encrypt.keyPem });

  beforeAll(() => {
    ca = createCertificateAuthority({ now: new Date(T0.getTime() - 30 * DAY) });
    hospital = party('9100000');
    skien = party('9100100');
    porsgrunn = party('9100110');
  });
  beforeEach(() => {
    now = T0;
    validator = new CertificateValidator({ trustAnchors: [ca.certPem], now: () => now });
    keys = new JoseKeyCache();
    sealer = new Sealer(keys);
    opener = new Opener({ validator, keys });
  });

  it('round-trips a document: the receiver decrypts, verifies and learns the signer HER-id', async () => {
    const jwe = await sealer.seal(DOC, signer(hospital), recipient(skien));
    expect(jwe.split('.')).toHaveLength(5);
    const header = JSON.parse(Buffer.from(jwe.split('.')[0], 'base64url').toString('utf8'));
    expect(header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: '9100100', cty: 'JOSE' });
    expect(jwe).not.toContain('MsgHead');

    const opened = await opener.open(jwe, opening(skien), { expectedSenderHerId: 9100000 });
    expect(opened.text).toBe(DOC);
    expect(opened.signerHerId).toBe('9100000');
    const jwsHeader = JSON.parse(Buffer.from(opened.jws.split('.')[0], 'base64url').toString('utf8'));
    expect(jwsHeader.alg).toBe('RS256');
    expect(jwsHeader.x5c).toHaveLength(1);
  });

  it('signs once and encrypts to each receiver, each opening only its own envelope', async () => {
    const envelopes = await sealer.sealForEach(Buffer.from(DOC, 'utf8'), signer(hospital), [recipient(skien), recipient(porsgrunn)]);
    expect(envelopes.map((e) => e.receiverHerId)).toEqual(['9100100', '9100110']);
    const a = await opener.open(envelopes[0].jwe, opening(skien));
    const b = await opener.open(envelopes[1].jwe, opening(porsgrunn));
    expect(a.jws).toBe(b.jws);
    expect(b.text).toBe(DOC);
  });

  it('imports each key once and reuses it for later messages', async () => {
    await sealer.seal(DOC, signer(hospital), recipient(skien));
    const afterFirst = keys.size;
    for (let i = 0; i < 3; i++) await opener.open(await sealer.seal(`${DOC}${i}`, signer(hospital), recipient(skien)), opening(skien));
    expect(afterFirst).toBe(2);
    expect(keys.size).toBe(4); // + skien's encryption key and hospital's certificate (from x5c), once each
  });

  it('detects a tampered JWS: CRYPTO.SIGNATURE_INVALID, kodeverk 8221 S01', async () => {
    const jws = await sealer.sign(DOC, signer(hospital));
    const jwe = await sealer.encrypt(tamperJwsPayload(jws), recipient(skien));
    const err = await rejection(opener.open(jwe, opening(skien)));
    expect(err).toMatchObject({ code: 'CRYPTO.SIGNATURE_INVALID', retriable: false });
    expect(err.metadata.kodeverk8221).toBe('S01');
    // the untampered one opens, so the refusal is the tampering's
    expect((await opener.open(await sealer.encrypt(jws, recipient(skien)), opening(skien))).text).toBe(DOC);
  });

  it('refuses a JWS whose x5c was swapped for another valid certificate', async () => {
    const jws = await sealer.sign(DOC, signer(hospital));
    const forged = await sealer.sign(DOC, { ...signer(hospital), signingCertPem: skien.sign.certPem });
    const [, payload, signature] = jws.split('.');
    const swapped = [forged.split('.')[0], payload, signature].join('.');
    expect((await rejection(opener.verify(swapped))).code).toBe('CRYPTO.SIGNATURE_INVALID');
  });

  it('refuses a JWE for another party with CRYPTO.DECRYPT_FAILED, by kid and by key', async () => {
    const jwe = await sealer.seal(DOC, signer(hospital), recipient(skien));
    const byKid = await rejection(opener.open(jwe, opening(porsgrunn)));
    expect(byKid.code).toBe('CRYPTO.DECRYPT_FAILED');
    expect(byKid.message).toContain('9100100');
    // a receiver that claims to be Skien but holds Porsgrunn's key still cannot decrypt
    const byKey = await rejection(opener.open(jwe, { herId: '9100100', encryptionKeyPem: porsgrunn.encrypt.keyPem }));
    expect(byKey).toMatchObject({ code: 'CRYPTO.DECRYPT_FAILED', retriable: false });
    expect((await rejection(opener.open('not.a.jwe', opening(skien)))).code).toBe('CRYPTO.DECRYPT_FAILED');
  });

  it('refuses a signer other than the expected sender with CRYPTO.CERT_WRONG_PARTY', async () => {
    const jwe = await sealer.seal(DOC, signer(porsgrunn), recipient(skien));
    expect((await rejection(opener.open(jwe, opening(skien), { expectedSenderHerId: '9100000' }))).code).toBe('CRYPTO.CERT_WRONG_PARTY');
  });

  it('refuses a signature whose certificate expired by the time it is opened (injected clock)', async () => {
    const jwe = await sealer.seal(DOC, signer(hospital), recipient(skien));
    now = new Date(T0.getTime() + 11 * DAY);
    expect((await rejection(opener.open(jwe, opening(skien)))).code).toBe('CRYPTO.CERT_EXPIRED');
  });

  it('refuses a signer certificate from an unknown CA, and a JWS without x5c', async () => {
    const stranger = mintUnknownCaCertificate({ herId: '9100000', purpose: 'sign', now: T0 });
    const jwe = await sealer.seal(DOC, { herId: '9100000', signingKeyPem: stranger.keyPem, signingCertPem: stranger.certPem }, recipient(skien));
    expect((await rejection(opener.open(jwe, opening(skien)))).code).toBe('CRYPTO.CERT_UNTRUSTED');

    const jws = await sealer.sign(DOC, signer(hospital));
    const [, payload, signature] = jws.split('.');
    const bare = [Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url'), payload, signature].join('.');
    expect((await rejection(opener.verify(bare))).code).toBe('CRYPTO.NO_CERTIFICATE');
  });

  it('refuses a JWS with an encryption certificate in x5c with CRYPTO.CERT_WRONG_USAGE', async () => {
    const wrong = issueCertificate(ca, { herId: '9100000', name: 'STHF', purpose: 'encrypt', notBefore: new Date(T0.getTime() - DAY), notAfter: new Date(T0.getTime() + DAY) });
    const jws = await sealer.sign(DOC, { herId: '9100000', signingKeyPem: wrong.keyPem, signingCertPem: wrong.certPem });
    expect((await rejection(opener.verify(jws))).code).toBe('CRYPTO.CERT_WRONG_USAGE');
  });

  it('refuses an unsigned (alg none) JWS', async () => {
    const none = [Buffer.from(JSON.stringify({ alg: 'none', x5c: [] })).toString('base64url'), Buffer.from(DOC).toString('base64url'), ''].join('.');
    expect((await rejection(opener.verify(none))).code).toBe('CRYPTO.SIGNATURE_INVALID');
  });

  it('stays compatible with node-jose both ways (the format other JOSE libraries read)', async () => {
    // sealed here, opened by node-jose: JWE decrypts with the receiver key, the JWS inside verifies with the x5c key
    const jwe = await sealer.seal(DOC, signer(hospital), recipient(skien));
    const decrypted = await jose.JWE.createDecrypt(await jose.JWK.asKey(skien.encrypt.keyPem, 'pem')).decrypt(jwe);
    expect(decrypted.header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: '9100100', cty: 'JOSE' });
    const verified = await jose.JWS.createVerify(await jose.JWK.asKey(hospital.sign.certPem, 'pem'), { algorithms: ['RS256'] }).verify(decrypted.plaintext.toString('utf8'));
    expect(verified.payload.toString('utf8')).toBe(DOC);

    // sealed by node-jose, opened here
    const jws = await jose.JWS.createSign(
      { format: 'compact', alg: 'RS256', fields: { x5c: [hospital.sign.certPem.replace(/-----[A-Z ]+-----|\s/g, '')] } },
      { key: await jose.JWK.asKey(hospital.sign.keyPem, 'pem'), reference: false } as unknown as jose.JWK.Key,
    ).update(Buffer.from(DOC, 'utf8')).final();
    const foreign = await jose.JWE.createEncrypt(
      { format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'RSA-OAEP-256', kid: '9100100', cty: 'JOSE' } },
      { key: await jose.JWK.asKey(skien.encrypt.certPem, 'pem'), reference: false } as unknown as jose.JWK.Key,
    ).update(Buffer.from(jws as unknown as string, 'utf8')).final();
    const opened = await opener.open(foreign, opening(skien), { expectedSenderHerId: 9100000 });
    expect(opened.text).toBe(DOC);
    expect(opened.signerHerId).toBe('9100000');
  });

  it('refuses a JWE whose ciphertext, tag or protected header was altered, and one that asks for zip or crit', async () => {
    const jwe = await sealer.seal(DOC, signer(hospital), recipient(skien));
    const [h, k, iv, ct, tag] = jwe.split('.');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64url');
      bytes[0] ^= 0x01;
      return bytes.toString('base64url');
    };
    const headerWith = (extra: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), ...extra })).toString('base64url');
    for (const altered of [
      [h, k, iv, flip(ct), tag],
      [h, k, iv, ct, flip(tag)],
      [h, k, iv, ct, Buffer.from(tag, 'base64url').subarray(0, 8).toString('base64url')],
      [headerWith({ x: 1 }), k, iv, ct, tag],
      [headerWith({ zip: 'DEF' }), k, iv, ct, tag],
      [headerWith({ crit: ['exp'] }), k, iv, ct, tag],
    ]) {
      expect(await rejection(opener.open(altered.join('.'), opening(skien)))).toMatchObject({ code: 'CRYPTO.DECRYPT_FAILED', retriable: false });
    }
  });

  it('refuses a JWS that lists critical extensions', async () => {
    const jws = await sealer.sign(DOC, signer(hospital));
    const [h, payload, signature] = jws.split('.');
    const withCrit = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), crit: ['b64'] })).toString('base64url');
    expect((await rejection(opener.verify([withCrit, payload, signature].join('.')))).code).toBe('CRYPTO.SIGNATURE_INVALID');
  });
});

describe('JoseKeyCache', () => {
  it('parses each PEM once, gives private keys for key files and public keys for certificates, and keeps no failed parse', () => {
    const ca = createCertificateAuthority({ now: T0 });
    const cert = issueCertificate(ca, { herId: '9100000', name: 'STHF', purpose: 'sign', notBefore: T0, notAfter: new Date(T0.getTime() + DAY) });
    const cache = new JoseKeyCache(2);
    expect(cache.get(cert.keyPem).type).toBe('private');
    expect(cache.get(cert.certPem).type).toBe('public');
    expect(cache.get(cert.keyPem)).toBe(cache.get(cert.keyPem));
    expect(cache.size).toBe(2);
    expect(() => cache.get('-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n')).toThrow();
    expect(cache.size).toBe(2);
    cache.get(ca.certPem); // over the bound: the oldest entry goes
    expect(cache.size).toBe(2);
  });
});
