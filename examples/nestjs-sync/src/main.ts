// One command: `npm start` (SQLite file data/festival.sqlite, port 3000). Environment:
//   DATABASE_URL      sqlite:<file> (default sqlite:data/festival.sqlite) or postgres://user@host:port/db
//   PORT, HOST        default 3000, 127.0.0.1
//   FESTIVAL_ID       the festival's UUID;  FESTIVAL_CURRENCY  default EUR
//   FESTIVAL_POLICY   first_wins (default) | accept_with_debt | reject
//   FESTIVAL_SERVER_SEED  64 hex chars: the acknowledgement signing key (default: made on first start, kept in the DB)
import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import express, { NextFunction, Request, Response } from 'express'
import * as fc from '@festival-core/node'
import { AppController } from './app.controller'
import { errorBody, FestivalExceptionFilter } from './errors'
import { Config, FestivalService } from './festival.service'
import { openStore } from './store'

async function main(): Promise<void> {
  const config: Config = {
    festivalId: process.env.FESTIVAL_ID ?? '67e55044-10b1-426f-9247-bb680e5fe0c8',
    currency: process.env.FESTIVAL_CURRENCY ?? 'EUR',
    policy: (process.env.FESTIVAL_POLICY ?? 'first_wins') as fc.ConflictPolicy,
    serverSeedHex: process.env.FESTIVAL_SERVER_SEED,
  }
  const store = await openStore(process.env.DATABASE_URL)
  const service = new FestivalService(store, config)
  await service.load()

  @Module({ controllers: [AppController], providers: [{ provide: FestivalService, useValue: service }] })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: ['error', 'warn'] })
  // Our own JSON parser, so that malformed JSON, a wrong content type or an oversized body get
  // the same { code, message } body as every other error (never an HTML page or a stack).
  app.use(express.json({ limit: '16mb', type: () => true }))
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next()
    const e = err as { type?: string; status?: number; message?: string }
    if (e.type === 'entity.parse.failed') {
      return res.status(400).json({ code: 'INPUT_INVALID', message: 'malformed JSON body', details: { reason: e.message } })
    }
    if (e.type === 'entity.too.large') {
      return res.status(413).json({ code: 'INPUT_TOO_LARGE', message: 'request body over 16 MB', details: {} })
    }
    const [status, body] = errorBody(err, req)
    return res.status(e.status && e.status < 500 ? e.status : status).json(body)
  })
  app.useGlobalFilters(new FestivalExceptionFilter())
  app.enableShutdownHooks()
  const port = Number(process.env.PORT ?? 3000)
  const host = process.env.HOST ?? '127.0.0.1'
  await app.listen(port, host)
  console.log(`festival sync service on http://${host}:${port} (${store.kind}, festival ${config.festivalId})`)
}

main().catch((e) => {
  console.error('startup failed:', e)
  process.exit(1)
})
