import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import proxyaddr from 'proxy-addr';

/** The first value of X-Forwarded-Proto, as Express reads it; anything but http or https is ignored. */
function forwardedProto(header: string): 'http' | 'https' | undefined {
  const first = header.split(',', 1)[0]!.trim().toLowerCase();
  return first === 'http' || first === 'https' ? first : undefined;
}

/**
 * Second in the pipeline (after the request id): decides once who the client is, for the rate limiter, the logs
 * and the security events. Koa's own `app.proxy` would believe X-Forwarded-For from anyone, so it stays off and
 * proxy-addr walks the header from the socket outwards, stopping at the first address not in `trustedProxies`.
 * With an empty list the socket's address is the client whatever the headers say.
 *
 * When the direct peer is a trusted proxy, its X-Forwarded-Proto also decides `ctx.protocol` (and so
 * `ctx.secure`, `ctx.origin`): Koa has no setter for it, so an own property on this request's `ctx.request`
 * shadows the getter for this request only.
 */
export function clientIp(trustedProxies: readonly string[]): Middleware {
  // loadConfig already checked the list with proxy-addr, so this cannot throw for a loaded config.
  const trust = proxyaddr.compile([...trustedProxies]);
  return async (ctx, next) => {
    const socketAddress = ctx.req.socket.remoteAddress ?? '';
    const client = proxyaddr(ctx.req, trust);
    // A trusted hop can still forward a value that is not an address; the socket is then the better answer.
    ctx.request.ip = client && isIP(client) ? client : socketAddress;

    const proto = ctx.get('X-Forwarded-Proto');
    if (proto && socketAddress && trust(socketAddress, 0)) {
      const forwarded = forwardedProto(proto);
      // Koa answers 'https' for a TLS socket of our own, whatever a proxy claims; that answer stands.
      if (forwarded && ctx.request.protocol === 'http') {
        Object.defineProperty(ctx.request, 'protocol', { value: forwarded, enumerable: true });
      }
    }
    await next();
  };
}
