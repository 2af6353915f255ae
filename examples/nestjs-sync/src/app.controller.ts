// HTTP wiring only: every handler hands the parsed JSON body to FestivalService.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common'
import type { Response } from 'express'
import { FestivalService, Reply } from './festival.service'

const send = (res: Response, r: Reply) => res.status(r.status).json(r.body)

@Controller()
export class AppController {
  constructor(private readonly svc: FestivalService) {}

  @Get('health')
  health() {
    return { ok: true }
  }

  @Get('server-key')
  serverKey(@Res() res: Response) {
    send(res, this.svc.serverKey())
  }

  @Post('sync/batch')
  async sync(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res() res: Response) {
    send(res, await this.svc.sync(body, key))
  }

  @Post('wallets')
  async createWallet(@Body() body: unknown, @Res() res: Response) {
    send(res, await this.svc.createWallet(body))
  }

  @Get('wallets/:id')
  wallet(@Param('id') id: string, @Res() res: Response) {
    send(res, this.svc.wallet(id))
  }

  @Post('topups')
  async topUp(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res() res: Response) {
    send(res, await this.svc.topUp(body, key))
  }

  @Post('payments')
  async pay(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res() res: Response) {
    send(res, await this.svc.pay(body, key))
  }

  @Post('devices')
  async device(@Body() body: unknown, @Res() res: Response) {
    send(res, await this.svc.registerDevice(body))
  }

  @Post('ticket-types')
  async ticketType(@Body() body: unknown, @Res() res: Response) {
    send(res, await this.svc.addTicketType(body))
  }

  @Post('tickets')
  async ticket(@Body() body: unknown, @Res() res: Response) {
    send(res, await this.svc.issueTicket(body))
  }

  @Post('checkin')
  @HttpCode(200)
  async checkIn(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res() res: Response) {
    send(res, await this.svc.checkIn(body, key))
  }

  @Get('reports/settlement')
  async settlement(@Res() res: Response) {
    send(res, await this.svc.settlement())
  }
}
