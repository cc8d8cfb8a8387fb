import { describe, expect, it } from 'vitest';
import { allowedHostHeaders, assertBindable, isLoopbackAddress } from '../../../main/server/bind-address.js';

describe('isLoopbackAddress', () => {
  it('knows loopback from everything else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'example.com', '128.0.0.1'])
      expect(isLoopbackAddress(host), host).toBe(false);
  });
});

describe('assertBindable', () => {
  it('names the refused address and the flag that overrides it', () => {
    expect(() => assertBindable('0.0.0.0', false)).toThrow(/^Refusing to listen on 0\.0\.0\.0: .*--allow-remote/);
    expect(() => assertBindable('0.0.0.0', true)).not.toThrow();
    expect(() => assertBindable('127.0.0.1', false)).not.toThrow();
  });
});

describe('allowedHostHeaders', () => {
  it('allows the loopback names on the bound port only', () => {
    expect([...allowedHostHeaders('127.0.0.1', 4000)].sort()).toEqual(['127.0.0.1:4000', 'localhost:4000']);
    expect([...allowedHostHeaders('::1', 4000)].sort()).toEqual(['127.0.0.1:4000', '[::1]:4000', 'localhost:4000']);
    expect(allowedHostHeaders('127.0.0.2', 4000).has('127.0.0.2:4000')).toBe(true);
  });
});
