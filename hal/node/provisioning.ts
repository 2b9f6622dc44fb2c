// The Provisioning port on the desk: the machine is who its device certificate says it is. The
// ATM id is read from the certificate's subject CN, the very name the bank checks every request
// against, so the body, the TLS handshake and the bank's books cannot disagree. The card-token
// key is the one the bank made for this machine when it provisioned it (held in memory only).
import { X509Certificate } from 'node:crypto';
import type { Provisioning } from '../ports';

/** The subject CN of a PEM certificate, or undefined when it has none. */
export function certificateCommonName(certPem: string): string | undefined {
  const subject = new X509Certificate(certPem).subject;
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice('CN='.length);
  return undefined;
}

export class CertificateProvisioning implements Provisioning {
  readonly #atmId: string | undefined;
  readonly #cardTokenKey: Uint8Array | undefined;

  /** `cardTokenKeyHex`: what the bank's provisioning gave this machine; none, and card sign-in is off. */
  constructor(certPem: string, cardTokenKeyHex?: string) {
    this.#atmId = certificateCommonName(certPem);
    this.#cardTokenKey =
      cardTokenKeyHex === undefined ? undefined : Uint8Array.from(Buffer.from(cardTokenKeyHex, 'hex'));
  }

  atmId(): string | undefined {
    return this.#atmId;
  }

  cardTokenKey(): Uint8Array | undefined {
    return this.#cardTokenKey === undefined ? undefined : this.#cardTokenKey.slice();
  }
}
