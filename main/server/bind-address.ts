// Where the serve shell may listen, and which Host headers it answers. Binding anything but loopback
// would expose the user's files to the network, so it takes an explicit flag; checking the Host header
// defeats DNS rebinding (a hostile page whose domain suddenly resolves to 127.0.0.1).
import net from 'node:net';
import os from 'node:os';
import { invalidArgument } from '../api/errors.js';

export { DEFAULT_HOST } from './default-host.js';

export function isLoopbackAddress(host: string): boolean {
  const bare = stripBrackets(host).toLowerCase();
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}

/** Throws unless the address is loopback or remote access was asked for explicitly. */
export function assertBindable(host: string, allowRemote: boolean): void {
  if (isLoopbackAddress(host) || allowRemote) return;
  throw invalidArgument(
    `Refusing to listen on ${host}: it is not a loopback address, so anyone on the network could reach your files. ` +
      'Use 127.0.0.1, or pass --allow-remote if you really mean it.',
    { host },
  );
}

/** The Host header values (`name:port`) that this server answers: its own address and the loopback names. */
export function allowedHostHeaders(boundHost: string, port: number): Set<string> {
  const bare = stripBrackets(boundHost);
  const names = new Set(['127.0.0.1', 'localhost', formatHostName(bare)]);
  if (bare === '::') names.add('[::1]');
  if (bare === '0.0.0.0' || bare === '::') {
    // Listening on every interface: each interface's address is a legitimate way in.
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) names.add(formatHostName(address.address));
    }
    names.add(os.hostname().toLowerCase());
  }
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`));
}

/** How a host appears in a URL or Host header: IPv6 in brackets. */
export function formatHostName(host: string): string {
  const bare = stripBrackets(host);
  return net.isIPv6(bare) ? `[${bare}]` : bare;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
