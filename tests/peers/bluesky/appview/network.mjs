// A whole local Bluesky network from @atproto/dev-env: PLC directory, PDS, AppView (with its
// dataplane, bsync and ozone). Run with `node --import ../loopback.mjs network.mjs` so that
// every one of its servers listens on 127.0.0.1 only.
//
//   DB_POSTGRES_URL=postgres://… REDIS_HOST=127.0.0.1:6390 \
//   PLC_PORT=… PDS_PORT=… APPVIEW_PORT=… OZONE_PORT=… node --import ../loopback.mjs network.mjs
//
// Needs PostgreSQL (the AppView's, bsync's and ozone's schemas are created in the database the
// URL names) and Redis. Prints one JSON line {"plc", "pds", "appview", "appview_did"} once
// everything answers; stops on SIGTERM or SIGINT.
import { TestNetwork } from '@atproto/dev-env'

const port = (name) => Number(process.env[name]) || undefined

const network = await TestNetwork.create({
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'outlier',
  plc: { port: port('PLC_PORT') },
  pds: { port: port('PDS_PORT') },
  bsky: { port: port('APPVIEW_PORT') },
  ozone: { port: port('OZONE_PORT') },
})

console.log(JSON.stringify({
  plc: network.plc.url,
  pds: network.pds.url,
  appview: network.bsky.url,
  appview_did: network.bsky.serverDid, // a did:plc: this AppView publishes no DID document
}))

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(0), 5000)
  try {
    await network.close()
  } catch {
    // the process is going away either way
  } finally {
    clearTimeout(timer)
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
