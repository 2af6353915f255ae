// An offline POS at a stand and the server that reconciles it: the POS signs payments with no
// network, exports a batch when it is back online, and the server reconciles every device's
// batches (any order, duplicates allowed) into one deterministic report. Type-checked with
// `tsc --noEmit --strict`.
import {
  DeviceLog,
  DeviceRegistry,
  DeviceSigner,
  Reconciler,
  Wallet,
  decodeBatch,
  verifyRecord,
  type DeviceEntry,
  type DeviceLimits,
  type FestivalError,
  type Money,
  type ReconcileReport,
  type SignedRecordOut,
} from '@festival-core/node'

const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const STAND = '00000000-0000-4000-8000-0000000000b1'
const eur = (amount: string): Money => ({ amount, currency: 'EUR' })

/** The POS app: its seed comes from the platform's secure storage and entropy source. */
export function openPos(seed: Uint8Array, deviceId: string, synced: Record<string, Money>): DeviceLog {
  const limits: DeviceLimits = {
    perPayment: eur('50.00'),
    perWalletOffline: eur('80.00'),
    maxStoredValue: eur('2000.00'),
    maxQueuedRecords: 5000,
  }
  const log = new DeviceLog(new DeviceSigner(seed, deviceId, FESTIVAL), 'EUR', limits)
  log.setSyncedBalances(synced)
  return log
}

/** A sale at the stand; a refusal (limit, balance) is shown to the cashier, never a crash. */
export function sell(log: DeviceLog, recordId: string, walletId: string, amount: Money): SignedRecordOut | string {
  try {
    const signed = log.pay(recordId, new Date(), walletId, amount, STAND, [])
    const next: bigint = log.signer().nextSequence()
    if (BigInt(signed.record.sequence) + 1n !== next) throw new Error('the log advanced by one record')
    return signed
  } catch (e) {
    const err = e as FestivalError
    return err.code === 'DEVICE_INSUFFICIENT_BALANCE' ? 'not enough credit' : `refused: ${err.code}`
  }
}

/** Back online: the server reconciles the exported batches, the device drops what was judged. */
export function sync(server: Reconciler, registry: DeviceRegistry, devices: DeviceLog[], warnings: string[]): ReconcileReport {
  const batches: Uint8Array[] = devices.map((d) => d.exportBatch())
  const report = server.reconcile(registry, batches, new Date(), { policy: 'accept_with_debt' })
  for (const r of report.records) {
    if (r.status === 'rejected') warnings.push(`record ${r.recordId ?? r.hash} rejected: ${r.reason}`)
  }
  for (const [walletId, debt] of Object.entries(report.debts)) warnings.push(`wallet ${walletId} owes ${debt.amount}`)
  for (const d of devices) {
    const last = decodeBatch(d.exportBatch()).pop()
    if (last) d.acknowledge(BigInt(last.record.sequence))
  }
  return report
}

/** The server side: registry of devices and a state that persists between syncs. */
export function server(devices: { deviceId: string; publicKey: Uint8Array }[], saved?: string): [Reconciler, DeviceRegistry] {
  const entries: DeviceEntry[] = devices.map((d) => ({
    deviceId: d.deviceId,
    publicKey: d.publicKey,
    festivalId: FESTIVAL,
    role: 'pos',
    locations: [STAND],
    validFrom: '2026-07-01T00:00:00Z',
    validUntil: '2026-07-06T00:00:00Z',
  }))
  const state = saved !== undefined ? Reconciler.deserialize(saved) : new Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  return [state, new DeviceRegistry(entries)]
}

export function addWallet(state: Reconciler, wallet: Wallet): Money {
  state.addWallet(wallet)
  return state.totalBalance()
}

export function checkRecord(signed: SignedRecordOut, publicKey: Uint8Array): boolean {
  return verifyRecord(signed.bytes, publicKey)
}
