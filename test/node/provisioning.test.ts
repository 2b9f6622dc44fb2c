// The desk's Provisioning port (hal/node/provisioning.ts): the machine is who the certificate
// the bank issued says it is (issue 15, item 4).
import assert from 'node:assert/strict';
import { CertificateProvisioning, certificateCommonName } from '../../hal/node/provisioning';
import { testCertificate } from '../../tools/bank/kit';

describe('provisioning on the desk (hal/node/provisioning.ts)', () => {
  it("takes the ATM id from the device certificate's CN, the name the bank checks", () => {
    const device = testCertificate('ATM-ALA-0009');
    assert.equal(certificateCommonName(device.certPem), 'ATM-ALA-0009');
    assert.equal(new CertificateProvisioning(device.certPem).atmId(), 'ATM-ALA-0009');
  });

  it('gives the card-token key the bank provisioned, a fresh copy each time, and none when it gave none', () => {
    const device = testCertificate('ATM-ALA-0009');
    const keyHex = '6d616368696e652d6f6e652d6f776e2d636172642d746f6b656e2d6b65792d31';
    const provisioning = new CertificateProvisioning(device.certPem, keyHex);
    const first = provisioning.cardTokenKey()!;
    assert.equal(Buffer.from(first).toString('hex'), keyHex);
    first.fill(0);
    assert.equal(Buffer.from(provisioning.cardTokenKey()!).toString('hex'), keyHex, 'wiping a copy leaves the key');
    assert.equal(new CertificateProvisioning(device.certPem).cardTokenKey(), undefined);
  });
});
