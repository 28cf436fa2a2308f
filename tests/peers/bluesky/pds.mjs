// A Bluesky PDS with its own in-memory PLC directory, both on 127.0.0.1 only.
//
//   PLC_PORT=2582 PDS_PORT=2583 PDS_DATA_DIRECTORY=… PDS_BLOBSTORE_DISK_LOCATION=… \
//   PDS_JWT_SECRET=… PDS_DPOP_SECRET=… PDS_ADMIN_PASSWORD=… \
//   PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX=… node pds.mjs
//
// The other PDS_* variables are the PDS's own (see tests/peers/bluesky.py for the set used).
// Both packages' start() would listen on every interface, so the servers are built from the
// packages' exports and bound here. The PLC directory lives in memory: the PDS data directory
// must be empty at each start, since the DIDs it holds would be unknown to the new directory.
// Prints one JSON line {"plc": url, "pds": url} once both answer; stops on SIGTERM or SIGINT.
import { once } from 'node:events'
import * as plc from '@did-plc/server'
import { PDS, envToCfg, envToSecrets, readEnv } from '@atproto/pds'

const HOST = '127.0.0.1'

async function listen(app, port) {
  const server = app.listen(port, HOST)
  await once(server, 'listening')
  return server
}

const plcPort = Number(process.env.PLC_PORT)
const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
const plcHttp = await listen(plcServer.app, plcPort)

const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
await pds.ctx.sequencer.start()
const pdsHttp = await listen(pds.app, env.port)
pdsHttp.keepAliveTimeout = 90_000

console.log(JSON.stringify({ plc: `http://localhost:${plcPort}`, pds: `http://localhost:${env.port}` }))

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  pdsHttp.closeAllConnections()
  pdsHttp.close()
  plcHttp.closeAllConnections()
  plcHttp.close()
  try {
    await pds.ctx.destroy()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
