// Certificate making. Node can generate keys but cannot sign X.509 certificates, so node-forge builds and signs
// them (pure JavaScript, no native code, no global polyfills). Keys come from node:crypto: forge's own RSA key
// generation is slow in pure JavaScript.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface KeyAndCert {
  /** PEM */
  cert: string;
  /** PEM (PKCS#1 RSA) */
  key: string;
}

export interface CertRequest {
  commonName: string;
  organizations?: string[];
  /** DNS names and IP addresses (for serving certificates). */
  sans?: string[];
  usage: 'ca' | 'server' | 'client';
  days: number;
}

function newKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** Signs a new certificate with issuer (or self-signed when issuer is absent). */
export function makeCert(req: CertRequest, issuer?: KeyAndCert, now = new Date()): KeyAndCert {
  const keyPem = newKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const pub = forge.pki.setRsaPublicKey(key.n, key.e);
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  // Positive serial: clear the top bit so the DER integer is not read as negative.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Backdate a little for clock skew between machines, as kubeadm does.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + req.days * 86_400_000);
  const subject: forge.pki.CertificateField[] = [];
  for (const o of req.organizations ?? []) subject.push({ shortName: 'O', value: o });
  subject.push({ shortName: 'CN', value: req.commonName });
  cert.setSubject(subject);
  const issuerCert = issuer ? forge.pki.certificateFromPem(issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const ext: object[] = [];
  if (req.usage === 'ca') {
    ext.push({ name: 'basicConstraints', cA: true, critical: true });
    ext.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    ext.push({ name: 'basicConstraints', cA: false, critical: true });
    ext.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    ext.push({ name: 'extKeyUsage', serverAuth: req.usage === 'server', clientAuth: req.usage === 'client' });
  }
  if (req.sans && req.sans.length > 0) {
    ext.push({
      name: 'subjectAltName',
      altNames: req.sans.map((s) => (isIP(s) ? { type: 7, ip: s } : { type: 2, value: s })),
    });
  }
  ext.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(ext);
  const signer = issuer ? forge.pki.privateKeyFromPem(issuer.key) : key;
  cert.sign(signer, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

/** The subject's CN and O values of a PEM or DER certificate (for tests and diagnostics). */
export function subjectOf(certPem: string): { cn: string; orgs: string[] } {
  const c = forge.pki.certificateFromPem(certPem);
  const cn = String(c.subject.getField('CN')?.value ?? '');
  const orgs = c.subject.attributes.filter((a) => a.shortName === 'O').map((a) => String(a.value));
  return { cn, orgs };
}
