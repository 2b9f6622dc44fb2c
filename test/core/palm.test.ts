import assert from 'node:assert/strict';
import { ALAQAN_CITIES_DEFAULT, palmOffered } from '../../src/kz/alaqan';
import { SimPalm } from '../../hal/sim/palm';
import { SimWorld, VirtualClock } from '../../hal/sim/world';

describe('Alaqan rollout rule', () => {
  it('offers palm in Almaty and Astana by default, only while the camera is ready', () => {
    assert.ok(ALAQAN_CITIES_DEFAULT.includes('Almaty') && ALAQAN_CITIES_DEFAULT.includes('Astana'));
    assert.ok(Object.isFrozen(ALAQAN_CITIES_DEFAULT));
    assert.equal(palmOffered('Almaty', ALAQAN_CITIES_DEFAULT, 'ready'), true);
    assert.equal(palmOffered('Astana', ALAQAN_CITIES_DEFAULT, 'ready'), true);
    assert.equal(palmOffered('Almaty', ALAQAN_CITIES_DEFAULT, 'fault'), false);
    assert.equal(palmOffered('Astana', ALAQAN_CITIES_DEFAULT, 'absent'), false);
  });

  it('does not offer palm in a city not yet switched on, nor with no city configured', () => {
    assert.equal(palmOffered('Shymkent', ALAQAN_CITIES_DEFAULT, 'ready'), false);
    assert.equal(palmOffered('', ALAQAN_CITIES_DEFAULT, 'ready'), false);
    assert.equal(palmOffered('Almaty', [], 'ready'), false);
    assert.equal(palmOffered('Shymkent', ['Shymkent'], 'ready'), true, 'a configured city counts');
  });

  it('ignores case and surrounding spaces, but not a different name', () => {
    assert.equal(palmOffered(' almaty ', ALAQAN_CITIES_DEFAULT, 'ready'), true);
    assert.equal(palmOffered('ASTANA', ALAQAN_CITIES_DEFAULT, 'ready'), true);
    assert.equal(palmOffered('Almaty Region', ALAQAN_CITIES_DEFAULT, 'ready'), false);
  });
});

describe('simulated palm camera (virtual time)', () => {
  function rig(captureLatencyMs = 800) {
    const clock = new VirtualClock();
    const world = new SimWorld(clock);
    const palm = new SimPalm(clock, { captureLatencyMs });
    world.add(palm);
    return { clock, world, palm };
  }

  it('gives the template captureLatencyMs after start, with the hand already there', () => {
    const { clock, world, palm } = rig();
    palm.present('tmpl:customer-1');
    assert.ok(palm.start());
    world.runFor(799);
    assert.equal(palm.read(), undefined);
    world.runFor(1);
    assert.equal(clock.nowMs, 800);
    assert.deepEqual(palm.read(), { kind: 'template', template: 'tmpl:customer-1' });
    assert.equal(palm.read(), undefined, 'one reading per capture');
  });

  it('waits for a hand presented later, and restarts the wait if it is withdrawn', () => {
    const { world, palm } = rig(500);
    assert.ok(palm.start());
    world.runFor(2000);
    assert.equal(palm.read(), undefined);
    palm.present('tmpl:x');
    world.runFor(300);
    palm.withdraw();
    world.runFor(1000);
    assert.equal(palm.read(), undefined);
    palm.present('poor-image');
    world.runFor(500);
    assert.deepEqual(palm.read(), { kind: 'poor-image' });
  });

  it('refuses to start unless ready, and ends a capture with a fault when the camera fails', () => {
    const { world, palm } = rig();
    palm.setHealth('absent');
    assert.equal(palm.health(), 'absent');
    assert.equal(palm.start(), false);
    palm.setHealth('ready');
    assert.ok(palm.start());
    palm.present('tmpl:y');
    world.runFor(100);
    palm.setHealth('fault');
    assert.deepEqual(palm.read(), { kind: 'fault', detail: 'camera fault' });
    world.runFor(2000);
    assert.equal(palm.read(), undefined, 'no template after the fault');
  });

  it('stop() abandons a capture', () => {
    const { world, palm } = rig();
    palm.present('tmpl:z');
    assert.ok(palm.start());
    palm.stop();
    world.runFor(2000);
    assert.equal(palm.read(), undefined);
    assert.equal(palm.capturesStarted, 1);
    assert.equal(palm.readingsDelivered, 0);
  });
});
