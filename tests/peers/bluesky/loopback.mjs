// Preloaded with `node --import ./loopback.mjs`: every TCP server of the process listens on
// 127.0.0.1, whatever address (or none) its code asks for. The dev-env network starts a dozen
// servers deep inside its packages, each on every interface; this keeps them all on loopback.
import net from 'node:net'

const HOST = '127.0.0.1'
const listen = net.Server.prototype.listen

net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback]): drop a given host, put ours in its place
    const rest = args.slice(1)
    if (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null) rest.shift()
    return listen.call(this, first, HOST, ...rest)
  }
  if (first && typeof first === 'object' && !('path' in first) && !('fd' in first) && !('_handle' in first)) {
    return listen.call(this, { ...first, host: HOST }, ...args.slice(1))
  }
  if (args.length === 0 || typeof first === 'function') {
    return listen.call(this, 0, HOST, ...args)
  }
  return listen.apply(this, args) // a path (Unix socket) or an inherited handle
}
