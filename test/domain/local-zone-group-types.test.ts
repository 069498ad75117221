import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localZoneGroupTypes } from '../../src/domain/local-zones';

// Which groups the Local Zone offerings check asks about: those in Local Zones whose types the
// spec names; a group elsewhere, or whose launch template or selector picks its types, is not.
test('only groups in Local Zones that name their instance types are checked, with their zones and types', () => {
  assert.deepEqual(localZoneGroupTypes([
    { name: 'local-ng', localZones: ['us-west-2-lax-1a', 'us-west-2-lax-1b'], instanceTypes: ['m5.large', 'c5.xlarge'] },
    { name: 'regional', instanceTypes: ['m5.large'] },
    { name: 'by-template', localZones: ['us-west-2-lax-1a'], instanceTypes: [] },
  ]), [{ group: 'local-ng', zones: ['us-west-2-lax-1a', 'us-west-2-lax-1b'], instanceTypes: ['m5.large', 'c5.xlarge'] }]);
  assert.deepEqual(localZoneGroupTypes([{ name: 'regional', instanceTypes: ['m5.large'] }]), [], 'an old spec asks nothing');
});
