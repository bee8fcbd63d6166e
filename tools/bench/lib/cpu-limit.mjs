// Limit (b): the CPU work a closed message needs at the least, on one core (this thread),
// with the project's own libraries the way the services use them: XSD validation
// (PloValidator, schemas compiled once), sign + encrypt (Sealer, keys imported once) and
// decrypt + verify (Opener with certificate checks). A closed message is the message and its
// AppRec, and the AppRec travels the same way (validated, sealed to the hospital, opened), so
// both are counted.
import { performance } from 'node:perf_hooks';
import { PloValidator, appRecFor, appRecVersion, buildAppRec, parseMsgHead } from '@hub/plo';
import { CertificateValidator, JoseKeyCache, Opener, Sealer, loadPartyKeys } from '@hub/seal';

/** The AppRec the receiving municipality would send for `xml` (positive, from the primary receiver). */
export function appRecXmlFor(xml) {
  const message = parseMsgHead(xml);
  return buildAppRec(appRecFor({ original: message.msgInfo, receiver: message.msgInfo.receiver.organisation, role: 'PRIM', errors: [], version: appRecVersion(message) }));
}

/**
 * Times each step (wall clock) for `xml` (sent hospital → municipality) and its AppRec
 * (municipality → hospital) for about `seconds`, after a short warm-up; the rate is from the
 * CPU time the whole loop used.
 * @returns {Promise<{ iterations: number, msg: Record<string, number>, apprec: Record<string, number>, perClosedMs: number, rate: number, wallPerClosedMs: number, sealedBytes: number, apprecBytes: number, apprecSealedBytes: number }>}
 */
export async function measureCpuLimit({ pkiDir, xml, hospitalHerId, municipalityHerId, seconds = 5 }) {
  const validator = await PloValidator.create();
  const certs = await CertificateValidator.fromPkiDir(pkiDir);
  const keys = new JoseKeyCache();
  const sealer = new Sealer(keys);
  const opener = new Opener({ validator: certs, keys });
  const hospital = await loadPartyKeys(pkiDir, hospitalHerId);
  const municipality = await loadPartyKeys(pkiDir, municipalityHerId);
  const apprecXml = appRecXmlFor(xml);
  const legs = [
    {
      name: 'msg', doc: xml,
      signer: { herId: String(hospitalHerId), signingKeyPem: hospital.signingKeyPem, signingCertPem: hospital.signingCertPem },
      recipient: { herId: String(municipalityHerId), encryptionCertPem: municipality.encryptionCertPem },
      opening: { herId: String(municipalityHerId), encryptionKeyPem: municipality.encryptionKeyPem },
    },
    {
      name: 'apprec', doc: apprecXml,
      signer: { herId: String(municipalityHerId), signingKeyPem: municipality.signingKeyPem, signingCertPem: municipality.signingCertPem },
      recipient: { herId: String(hospitalHerId), encryptionCertPem: hospital.encryptionCertPem },
      opening: { herId: String(hospitalHerId), encryptionKeyPem: hospital.encryptionKeyPem },
    },
  ];
  const totals = Object.fromEntries(legs.map((l) => [l.name, { validate: 0, sign: 0, encrypt: 0, open: 0 }]));
  const sizes = {};
  const once = async (leg, acc) => {
    let t = performance.now();
    const v = validator.validate(leg.doc);
    if (!v.valid) throw new Error(`benchmark ${leg.name} is not schema-valid: ${JSON.stringify(v.errors?.[0] ?? v)}`);
    let now = performance.now();
    acc.validate += now - t;
    t = now;
    const jws = await sealer.sign(leg.doc, leg.signer);
    now = performance.now();
    acc.sign += now - t;
    t = now;
    const jwe = await sealer.encrypt(jws, leg.recipient);
    now = performance.now();
    acc.encrypt += now - t;
    t = now;
    const opened = await opener.open(jwe, leg.opening);
    acc.open += performance.now() - t;
    if (opened.text.length !== leg.doc.length) throw new Error(`opened ${leg.name} differs from the original`);
    sizes[leg.name] = jwe.length;
  };
  const scratch = { validate: 0, sign: 0, encrypt: 0, open: 0 };
  const warmUntil = performance.now() + Math.min(2000, seconds * 300);
  while (performance.now() < warmUntil) for (const leg of legs) await once(leg, scratch);
  let n = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - started < seconds * 1000 || n < 3) {
    for (const leg of legs) await once(leg, totals[leg.name]);
    n++;
  }
  const wall = performance.now() - started;
  // CPU time rather than wall time: on a shared machine the thread is preempted, and the
  // limit is about the work (all threads of this process: node-jose may use the libuv pool).
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  validator.dispose?.();
  const per = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v / n]));
  return {
    iterations: n,
    msg: per(totals.msg),
    apprec: per(totals.apprec),
    perClosedMs: cpuMs / n,
    rate: n / (cpuMs / 1000),
    wallPerClosedMs: wall / n,
    sealedBytes: sizes.msg,
    apprecBytes: Buffer.byteLength(apprecXml),
    apprecSealedBytes: sizes.apprec,
  };
}
