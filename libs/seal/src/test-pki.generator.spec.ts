import { readFile, rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CertificateValidator } from './certificate.validator.js';
import { keyMatchesCertificate } from './certificate.pem.js';
import { parseCertificatePem } from './forge.adapter.js';
import { generateTestPki, loadPartyKeys, readPartyCertificates } from './test-pki.generator.js';
import { PartyKeyRing } from './party-key.ring.js';

const parties = [
  { herId: 9100000, name: 'Sykehuset Telemark HF' },
  { herId: '9100130', name: 'Kragerø kommune' },
];

describe('generateTestPki', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seal-pki-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the CA and per party signing and encryption certificates and keys in the documented layout', async () => {
    const pki = await generateTestPki({ dir, parties });
    expect(pki.written.sort()).toEqual(
      [
        'ca.cert.pem',
        'ca.key.pem',
        ...['9100000', '9100130'].flatMap((h) => ['signing', 'encryption'].flatMap((p) => [`${h}/${p}.cert.pem`, `${h}/${p}.key.pem`])),
      ].sort(),
    );
    for (const f of ['ca.key.pem', '9100000/signing.key.pem', '9100130/encryption.key.pem']) {
      expect((await stat(path.join(dir, f))).mode & 0o777).toBe(0o600);
    }
    const ca = parseCertificatePem(await readFile(path.join(dir, 'ca.cert.pem'), 'utf8'));
    expect(ca.getExtension('basicConstraints')?.cA).toBe(true);
    const sign = parseCertificatePem(await readFile(path.join(dir, '9100130/signing.cert.pem'), 'utf8'));
    expect(sign.getExtension('keyUsage')).toMatchObject({ digitalSignature: true, nonRepudiation: true, keyEncipherment: false });
    const enc = parseCertificatePem(await readFile(path.join(dir, '9100130/encryption.cert.pem'), 'utf8'));
    expect(enc.getExtension('keyUsage')).toMatchObject({ keyEncipherment: true, dataEncipherment: true, digitalSignature: false });
    expect(enc.publicKey && (enc.publicKey as { n: { bitLength(): number } }).n.bitLength()).toBe(2048);

    const validator = await CertificateValidator.fromPkiDir(dir);
    const certs = pki.certificates.get(9100130)!;
    expect(validator.validate(certs.signingCertPem, 'sign', { expectedHerId: 9100130 }).commonName).toBe('Kragerø kommune');
    expect(validator.validate(certs.encryptionCertPem, 'encrypt', { expectedHerId: 9100130 }).herId).toBe('9100130');
  });

  it('is idempotent: a second run keeps every file, and a missing pair is regenerated alone', async () => {
    await generateTestPki({ dir, parties });
    const before = await readFile(path.join(dir, '9100000/signing.cert.pem'), 'utf8');
    expect((await generateTestPki({ dir, parties })).written).toEqual([]);
    expect(await readFile(path.join(dir, '9100000/signing.cert.pem'), 'utf8')).toBe(before);

    await rm(path.join(dir, '9100130/encryption.key.pem'));
    const again = await generateTestPki({ dir, parties: [...parties, { herId: 9100140, name: 'Drangedal kommune' }] });
    expect(again.written.sort()).toEqual(
      ['9100130/encryption.cert.pem', '9100130/encryption.key.pem', '9100140/encryption.cert.pem', '9100140/encryption.key.pem', '9100140/signing.cert.pem', '9100140/signing.key.pem'].sort(),
    );
    const keys = await loadPartyKeys(dir, 9100130);
    expect(keyMatchesCertificate(keys.encryptionKeyPem, keys.encryptionCertPem)).toBe(true);
  });

  it('reissues party certificates that a replaced CA did not issue', async () => {
    await generateTestPki({ dir, parties });
    await rm(path.join(dir, 'ca.key.pem'));
    const again = await generateTestPki({ dir, parties });
    expect(again.written).toContain('ca.cert.pem');
    expect(again.written).toContain('9100000/signing.cert.pem');
    const validator = await CertificateValidator.fromPkiDir(dir);
    expect(validator.validate(again.certificates.get(9100000)!.signingCertPem, 'sign').herId).toBe('9100000');
  });

  it('issues certificates from the given time for the given number of days', async () => {
    const now = new Date('2025-01-01T00:00:00Z');
    const pki = await generateTestPki({ dir, parties: [parties[0]], now, validDays: 10 });
    const validator = new CertificateValidator({ trustAnchors: [pki.caCertPem], now: () => now });
    const info = validator.inspect(pki.certificates.get(9100000)!.encryptionCertPem);
    expect(info.notAfter.toISOString()).toBe('2025-01-11T00:00:00.000Z');
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
  });

  it('reads every party certificate for the registry seed, keyed by numeric HER-id', async () => {
    await generateTestPki({ dir, parties });
    const certs = await readPartyCertificates(dir);
    expect([...certs.keys()].sort()).toEqual([9100000, 9100130]);
    expect(certs.get(9100000)!.signingCertPem).toContain('BEGIN CERTIFICATE');
  });

  it('refuses missing keys and certificates with stable codes', async () => {
    await generateTestPki({ dir, parties });
    await expect(loadPartyKeys(dir, 9199999)).rejects.toMatchObject({ code: 'CRYPTO.NO_PRIVATE_KEY', retriable: false });
    await rm(path.join(dir, '9100000/signing.cert.pem'));
    await expect(loadPartyKeys(dir, 9100000)).rejects.toMatchObject({ code: 'CRYPTO.NO_CERTIFICATE' });
    await expect(loadPartyKeys(dir, '../etc')).rejects.toMatchObject({ code: 'CRYPTO.NO_PRIVATE_KEY' });
    await expect(CertificateValidator.fromPkiDir(path.join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'CRYPTO.NO_CERTIFICATE' });
  });

  it('keeps loaded keys per party and retries a party whose keys were missing', async () => {
    await generateTestPki({ dir, parties: [parties[0]] });
    const ring = new PartyKeyRing(dir);
    const first = await ring.get(9100000);
    expect(await ring.get('9100000')).toBe(first);
    await expect(ring.get(9100130)).rejects.toMatchObject({ code: 'CRYPTO.NO_PRIVATE_KEY' });
    await generateTestPki({ dir, parties });
    expect((await ring.get(9100130)).herId).toBe('9100130');
  });
});
