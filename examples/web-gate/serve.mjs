#!/usr/bin/env node
// Serves the web-gate page: the static files of this folder, the browser build of
// @festival-core/wasm (bindings-wasm/pkg/web) under /pkg/, and the demo festival the gate
// downloads before it goes offline at /festival.json (made by the same core's Node build).
//   node examples/web-gate/serve.mjs [port]      (build the package first: bindings-wasm/scripts/build.sh)
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { demoFestival } from './festival.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const pkgWeb = path.join(root, 'bindings-wasm/pkg/web')
const pkgNode = path.join(root, 'bindings-wasm/pkg/node/festival_core.js')
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' }

/** Starts the server on `port` (0: any free port) of 127.0.0.1; resolves to { url, close, festival }. */
export async function start(port = 0, now = new Date()) {
  if (!fs.existsSync(pkgWeb) || !fs.existsSync(pkgNode)) {
    throw new Error('bindings-wasm/pkg is missing: run bindings-wasm/scripts/build.sh first')
  }
  const fc = createRequire(import.meta.url)(pkgNode)
  const festival = demoFestival(fc, now)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/festival.json') {
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' })
      res.end(JSON.stringify({ gate: festival.gate, shop: festival.shop }))
      return
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
    const base = rel.startsWith('pkg/') ? pkgWeb : here
    const file = path.resolve(base, rel.startsWith('pkg/') ? rel.slice(4) : rel)
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found')
      return
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    fs.createReadStream(file).pipe(res)
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  const { port: bound } = server.address()
  return { url: `http://127.0.0.1:${bound}/`, festival, close: () => new Promise((r) => server.close(r)) }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await start(Number(process.argv[2] ?? 8080))
  console.log(`web-gate: ${s.url}`)
  console.log('demo codes to paste (valid x3, revoked, forged):')
  for (const c of [...s.festival.demoCodes.valid, s.festival.demoCodes.revoked, s.festival.demoCodes.forged]) console.log(`  ${c}`)
}
