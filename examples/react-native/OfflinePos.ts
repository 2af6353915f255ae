// Offline POS flow in a React Native app with the festival-core bindings (bindings-mobile,
// uniffi-bindgen-react-native). The TypeScript equivalent of examples/kotlin/OfflinePos.kt:
//
//   1. load the device seed from secure storage
//   2. build the local view from the last sync, with the device limits
//   3. take payments while offline (limits + local balance enforced; records signed and chained)
//   4. persist a snapshot after every record; after an app restart restore the log WITH its
//      unsynced queue (re-verified: signatures, chain, limits), so nothing is lost
//   5. export the batch for the next sync, acknowledge after upload
//   (and at the ticket counter: a price preview with promo code, fees and VAT)
//
// Type-checked with `tsc --noEmit --strict` against the generated bindings by
// bindings-mobile/scripts/test.sh (running it needs a device build: Hermes + the native module).
import {
  DeviceLog,
  FestivalError,
  PriceBasis,
  PromoDiscount,
  RoundingMode,
  TaxRounding,
  decodeBatch,
  moneyDisplay,
  moneyMulQty,
  moneyParse,
  priceOrder,
  type DeviceLimits,
  type DeviceLogLike,
  type LineItem,
  type Money,
  type PriceBreakdown,
  type PricingConfig,
  type PromoCode,
  type SignedRecordInfo,
} from "react-native-festival-core";

/** Platform secure storage (Keychain / Keystore), e.g. via react-native-keychain. */
export interface SecureStorage {
  loadDeviceSeed(): Promise<Uint8Array>;
  /** The log's snapshot (JSON: signer position, limits, synced balances, unsynced records; no seed). */
  saveSnapshot(snapshotJson: string): Promise<void>;
}

/** The sync endpoint: uploads a batch, answers with the last sequence the server judged. */
export interface SyncApi {
  upload(batch: Uint8Array): Promise<bigint>;
}

const eur = (amount: string): Money => moneyParse(amount, "EUR");

export interface Sale {
  walletId: string;
  productId: string;
  quantity: number;
  unitPrice: Money;
}

export type SaleResult =
  | { ok: true; record: SignedRecordInfo; remaining: Money }
  | { ok: false; code: string; message: string };

export class OfflinePos {
  private constructor(private readonly log: DeviceLogLike, private readonly storage: SecureStorage) {}

  /** 1 + 2 (+ 4 after a restart): open the device log with the seed from secure storage, from the
   * last snapshot if there is one (the unsynced queue comes back, re-verified; a tampered
   * snapshot throws FestivalError.Offline), and the last synced balances if a sync just happened. */
  static async open(
    storage: SecureStorage,
    ids: { deviceId: string; festivalId: string },
    lastSync?: Map<string, Money>,
    previousSnapshot?: string,
  ): Promise<OfflinePos> {
    const seed = await storage.loadDeviceSeed();
    const limits: DeviceLimits = {
      perPayment: eur("50"),
      perWalletOffline: eur("60"),
      maxStoredValue: eur("500"),
      maxQueuedRecords: 1000n,
    };
    const log: DeviceLogLike = previousSnapshot
      ? DeviceLog.restore(seed, previousSnapshot)
      : new DeviceLog(seed, ids.deviceId, ids.festivalId, "EUR", limits);
    if (lastSync) log.setSyncedBalances(lastSync);
    await storage.saveSnapshot(log.snapshot());
    return new OfflinePos(log, storage);
  }

  /** 3: one sale, offline. Declines are values the UI shows, not crashes. */
  async sell(sale: Sale, standId: string, recordId: string): Promise<SaleResult> {
    const amount = moneyMulQty(sale.unitPrice, BigInt(sale.quantity));
    const items: LineItem[] = [{ productId: sale.productId, quantity: sale.quantity, unitPrice: sale.unitPrice }];
    try {
      const record = this.log.pay(recordId, BigInt(Date.now()), sale.walletId, amount, standId, items);
      await this.storage.saveSnapshot(this.log.snapshot());
      return { ok: true, record, remaining: this.log.available(sale.walletId) };
    } catch (e: unknown) {
      if (FestivalError.Offline.instanceOf(e)) {
        // DEVICE_INSUFFICIENT_BALANCE, DEVICE_LIMIT_EXCEEDED, DEVICE_QUEUE_FULL, ...
        return { ok: false, code: e.inner.code, message: e.inner.reason };
      }
      if (FestivalError.Money.instanceOf(e) || FestivalError.Input.instanceOf(e)) {
        return { ok: false, code: e.inner.code, message: e.inner.reason };
      }
      throw e;
    }
  }

  /** What the wallet can still spend on this device, for display ("12.50 EUR"). */
  available(walletId: string): string {
    return moneyDisplay(this.log.available(walletId));
  }

  /** 5: export the queued records, upload them, acknowledge what the server judged. */
  async sync(api: SyncApi): Promise<number> {
    const batch = this.log.exportBatch();
    const records = decodeBatch(batch);
    if (records.length === 0) return 0;
    const judgedUpTo = await api.upload(batch);
    this.log.acknowledge(judgedUpTo);
    await this.storage.saveSnapshot(this.log.snapshot());
    return records.filter((r) => r.sequence <= judgedUpTo).length;
  }

  queued(): bigint {
    return this.log.queued();
  }
}

/** At the ticket counter: price preview of `quantity` day tickets with an optional promo code,
 * a 1.50 fee per ticket and 19 % VAT included (all amounts decimal strings). */
export function previewDayTickets(quantity: number, promoCode: string | undefined, nowMs: bigint): PriceBreakdown {
  const config: PricingConfig = {
    currency: "EUR",
    fees: { perTicket: eur("1.50"), percent: "0", rounding: RoundingMode.HalfEven },
    feesTaxable: true,
    tax: { rate: "19", basis: PriceBasis.Gross, rounding: TaxRounding.SumByNetKeepGross, mode: RoundingMode.HalfEven },
    discountRounding: RoundingMode.HalfEven,
  };
  const early: PromoCode = {
    code: "EARLY10",
    discount: PromoDiscount.Percentage.new({ percent: "10" }),
    maxUses: 100,
    used: 3,
    minQuantity: 2,
    ticketTypeIds: [],
  };
  const line = { ticketTypeId: "d1d1d1d1-0000-4000-8000-000000000001", unitPrice: eur("59.00"), quantity };
  return priceOrder([line], promoCode, nowMs, config, [early]);
}
