// The desk's Provisioning port (hal/node/provisioning.ts): the machine is who the certificate
// the bank issued says it is (issue 15, item 4).
import assert from 'node:assert/strict';
import { CertificateProvisioning, certificateCommonName } from '../../hal/node/provisioning';
import { testCertificate } from '../../tools/bank/test-kit';

describe('provisioning on the desk (hal/node/provisioning.ts)', () => {
  it('takes the ATM id from the device certificate\'s CN, the name the bank checks', () => {
    const device = testCertificate('ATM-ALA-0009');
    assert.equal(certificateCommonName(device.certPem), 'ATM-ALA-0009');
    assert.equal(new CertificateProvisioning(device.certPem).atmId(), 'ATM-ALA-0009');
  });
});
