#!/usr/bin/env python3
"""Generates the JS exports of BOTH JavaScript packages from ONE table.

bindings-node (napi-rs) and bindings-wasm (wasm-bindgen) export the same API. Every exported function,
class and method is declared once below: its JS name, the Rust name, its arguments (Rust name, JS name,
TS type), the TS return type, the doc comment and the `festival-js-api` call. This script writes

  bindings-{node,wasm}/src/exports.rs     money, tax, books, offline crypto and ticket codes,
                                          TicketVerifier, Wallet, TagRegistry, conformanceExecute
  bindings-{node,wasm}/src/ticketing.rs   ticketing, access, till and catalog functions and classes

so the two packages cannot drift apart; each package's lib.rs keeps only its runtime glue (JS value
walking, error objects, `run`). The outputs are committed (marked @generated). After editing the table:

  python3 bindings-node/scripts/gen_js_exports.py
  rustfmt --edition 2021 bindings-{node,wasm}/src/{exports,ticketing}.rs

bindings-node/scripts/check_generated.sh does both and fails when the committed files are stale
(bindings-node/scripts/test.sh runs it first).

Table rows
----------
A(rust, js, ts)   an argument. `ts` may be
                    'T'    required in both packages;
                    '?T'   optional and nullable: node `js?: T | null`, wasm `js: T | null`;
                    '~T'   optional (undefined = default): node `js?: T`, wasm `js: T`.
                  A `Uint8Array` argument is read as bytes (`bytes`), everything else as JSON (`js`).
('@local', js, Class[, busy])   another exported object of the package (a handle), borrowed mutably,
                  or shared with '@&local'; the call sees it as `local`; `busy` is the error message
                  when it is already borrowed (node: the same object passed twice).
F(js, rust, args, ret, doc, call, nreq=None, out=None, ...)   a function; `call` uses a0, a1, ...
                  (the converted arguments, by position).
(js, rust, kind, args, ret, doc, call[, out])   a method of a class; `call` uses `h` (the handle).
   kind  ctor | ctor0 (no arguments, infallible) | factory (static, returns the class)
         ref | mut (borrow the handle shared / mutably; ref2, mut2: the same, with handle arguments)
         refs (-> String) | refv (infallible, -> JSON) | refb (infallible, -> bytes)
         refstr (infallible, -> String) | derive (-> the class) | other (-> the class named by `ret`)
   out   how the Rust result crosses: json (default; `ret` is its TS type), void, string, i32, bool,
         bytes (Uint8Array), bigint (i64 -> BigInt)
"""
import os
import re
from collections import namedtuple

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
SCRIPT = 'bindings-node/scripts/gen_js_exports.py'


def A(rust, js, ts):
    return (rust, js, ts)


Fn = namedtuple('Fn', 'js rust args ret doc call nreq out wasm_cfg snake_errors')


def F(js, rust, args, ret, doc, call, nreq=None, out=None, wasm_cfg=None, snake_errors=False):
    """A function row; `out` defaults to json (void when `ret` is 'void')."""
    if out is None:
        out = 'void' if ret == 'void' else 'json'
    return Fn(js, rust, args, ret, doc, call, nreq, out, wasm_cfg, snake_errors)


TSI = 'TimestampInput'

# =====================================================================================================
# Table 1 -> exports.rs: money, tax, books, offline crypto and ticket codes, wallets and tags
# =====================================================================================================

core_functions = [
 F('conformanceExecute', 'conformance_execute', [A('op', 'op', 'string'), A('input', 'input', 'string')], 'string',
   "Runs a conformance operation (`tests/vectors/README.md`): JSON text in, JSON text out.\nErrors carry the core's snake_case details, like the vectors. In the wasm package only with the\n`conformance` feature (default; the npm package built by scripts/build.sh leaves it out).",
   'api::conformance_execute(&a0, &a1)', out='string', wasm_cfg='feature = "conformance"', snake_errors=True),
 F('parseMoney', 'parse_money', [A('amount', 'amount', 'string'), A('currency', 'currency', 'string')], 'Money',
   'Parses a decimal string in a currency: `parseMoney("12.5", "EUR")` → `{ amount: "12.50", currency: "EUR" }`.\nSub-minor amounts are an error (`MONEY_SCALE_EXCEEDED`), never rounded.',
   'api::parse_money(&a0, &a1)'),
 F('moneyFromMinor', 'money_from_minor', [A('minor', 'minor', 'bigint | number'), A('currency', 'currency', 'string')], 'Money',
   'Money from integer minor units: `moneyFromMinor(1050n, "EUR")` → `10.50 EUR`.', 'api::money_from_minor(&a0, &a1)'),
 F('moneyToMinor', 'money_to_minor', [A('money', 'money', 'Money')], 'bigint',
   'The amount in minor units as a BigInt (`10.50 EUR` → `1050n`).', 'api::money_to_minor(&a0)', out='bigint'),
 F('formatMoney', 'format_money', [A('money', 'money', 'Money')], 'string', '`"12.50 EUR"`.', 'api::format_money(&a0)', out='string'),
 F('addMoney', 'add_money', [A('a', 'a', 'Money'), A('b', 'b', 'Money')], 'Money', '`a + b` (same currency, checked).', 'api::add_money(&a0, &a1)'),
 F('subMoney', 'sub_money', [A('a', 'a', 'Money'), A('b', 'b', 'Money')], 'Money', '`a - b` (same currency, checked).', 'api::sub_money(&a0, &a1)'),
 F('compareMoney', 'compare_money', [A('a', 'a', 'Money'), A('b', 'b', 'Money')], '-1 | 0 | 1', '`-1`, `0` or `1` (same currency required).', 'api::compare_money(&a0, &a1)', out='i32'),
 F('mulQty', 'mul_qty', [A('money', 'money', 'Money'), A('quantity', 'quantity', 'number | bigint')], 'Money', '`money × quantity`, exact.', 'api::mul_qty(&a0, &a1)'),
 F('applyRate', 'apply_rate', [A('money', 'money', 'Money'), A('rate', 'rate', 'string'), A('mode', 'mode', 'RoundingMode')], 'Money',
   '`money × rate` (rate as a decimal string), rounded with `mode`.', 'api::apply_rate(&a0, &a1, &a2)'),
 F('percentage', 'percentage', [A('money', 'money', 'Money'), A('percent', 'percent', 'string'), A('mode', 'mode', 'RoundingMode')], 'Money',
   '`money × percent / 100` (`"19"` for 19 %), rounded with `mode`.', 'api::percentage(&a0, &a1, &a2)'),
 F('allocate', 'allocate', [A('money', 'money', 'Money'), A('ratios', 'ratios', 'string[]')], 'Money[]',
   'Splits `money` by ratios (decimal strings) so the parts sum exactly to the whole.', 'api::allocate(&a0, &a1)'),
 F('split', 'split', [A('money', 'money', 'Money'), A('parts', 'parts', 'number')], 'Money[]',
   'Splits `money` into `parts` near-equal parts that sum exactly to the whole.', 'api::split(&a0, &a1)'),
 F('computeTax', 'compute_tax', [A('lines', 'lines', 'TaxLine[]'), A('basis', 'basis', 'PriceBasis'), A('rounding', 'rounding', 'TaxRounding'), A('mode', 'mode', 'RoundingMode')], 'TaxBreakdown',
   'VAT for gross or net line prices with one of the shop rounding strategies.', 'api::compute_tax(&a0, &a1, &a2, &a3)'),
 F('trialBalance', 'trial_balance', [A('currency', 'currency', 'string'), A('postings', 'postings', 'Posting[]')], 'TrialBalance',
   "The festival's books over postings (from `Wallet.postings()`): account balances (debit\npositive), whether they balance, and net revenue per stand.", 'api::wallet::trial_balance(&a0, &a1)'),
 F('verifySignature', 'verify_signature', [A('public_key', 'publicKey', 'Uint8Array'), A('message', 'message', 'Uint8Array'), A('signature', 'signature', 'Uint8Array')], 'boolean',
   'Strict Ed25519 verification (canonical encodings, no small-order keys); any rejection is `false`.', 'Ok(api::offline::verify_signature(&a0, &a1, &a2))', out='bool'),
 F('publicKeyFromSeed', 'public_key_from_seed', [A('seed', 'seed', 'Uint8Array')], 'Uint8Array',
   'The Ed25519 public key (32 bytes) of a 32-byte secret seed (the caller supplies the entropy).', 'api::offline::public_key_from_seed(&a0)', out='bytes'),
 F('signMessage', 'sign_message', [A('seed', 'seed', 'Uint8Array'), A('message', 'message', 'Uint8Array')], 'Uint8Array',
   'Signs `message` with the key of `seed` (deterministic Ed25519, 64 bytes).', 'api::offline::sign_message(&a0, &a1)', out='bytes'),
 F('issueTicketCode', 'issue_ticket_code', [A('claims', 'claims', 'TicketClaimsInput'), A('issuer_seed', 'issuerSeed', 'Uint8Array')], 'string',
   "Issues the QR text (`FC...`) of a ticket code signed with the issuer's 32-byte seed.", 'api::offline::issue_ticket_code(&a0, &a1)', out='string'),
 F('decodeTicketCode', 'decode_ticket_code', [A('code', 'code', 'string')], 'TicketClaims',
   'Decodes a ticket code WITHOUT verifying it (display only; gates use `TicketVerifier`).', 'api::offline::decode_ticket_code(&a0)'),
 F('issueRevocationList', 'issue_revocation_list', [A('list', 'list', 'RevocationList'), A('issuer_seed', 'issuerSeed', 'Uint8Array')], 'Uint8Array',
   'Signs a revocation / block list; returns its canonical signed bytes.', 'api::offline::issue_revocation_list(&a0, &a1)', out='bytes'),
]

# Wallet operations: a caller-chosen entry id (idempotency) and the time `at` come first.
ID_AT = [A('id', 'id', 'string'), A('at', 'at', TSI)]
WO = 'WalletOutcome'

verifier = ('TicketVerifier', 'TicketVerifierHandle', 'offline', "A gate's offline ticket-code verifier: trusted issuer keys (rotation), its festival, and the\ninstalled revocation list (which only moves forward and must be fresh).", [
 ('new', 'new', 'ctor', [A('keys', 'keys', 'IssuerKey[]'), A('festival_id', 'festivalId', 'string')], None, '`new TicketVerifier(keys, festivalId)`.', 'TicketVerifierHandle::new(&a0, &a1)'),
 ('installRevocationList', 'install_revocation_list', 'mut', [A('list', 'bytes', 'Uint8Array'), A('now', 'now', TSI)], "'installed' | 'unchanged'", 'Verifies and installs signed list bytes.', 'h.install_revocation_list(&a0, &a1)'),
 ('revocationList', 'revocation_list', 'ref', [], 'RevocationList | null', 'The installed revocation list, or null.', 'h.revocation_list()'),
 ('verify', 'verify', 'ref', [A('code', 'code', 'string'), A('now', 'now', TSI), A('max_staleness_ms', 'maxStalenessMs', 'number')], 'TicketClaims', 'Verifies a ticket code at `now`; returns its claims or throws a `CODE_*` error.', 'h.verify(&a0, &a1, &a2)'),
])

wallet = ('Wallet', 'WalletHandle', 'wallet', 'A cashless wallet: refundable and bonus sub-balances derived from its ledger, one method per\noperation (each takes a caller-chosen entry id for idempotency and the time `at`).', [
 ('new', 'new', 'ctor', [A('config', 'config', 'WalletConfigInput')], None, '`new Wallet({ id, festivalId, currency, spendOrder?, limits?, ageClass? })`.', 'WalletHandle::new(&a0)'),
 ('deserialize', 'deserialize', 'factory', [A('state', 'state', 'string')], None, 'Rebuilds a wallet from `serialize()` output by replaying its ledger (tampering is detected).', 'WalletHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The wallet as JSON text (config + ledger; the core's storage format).", 'h.serialize()'),
 ('id', 'id', 'refstr', [], 'string', 'The wallet id.', 'h.id()'),
 ('transferTo', 'transfer_to', 'mut2', [('@to', 'to', 'Wallet', 'a wallet cannot transfer to itself')] + ID_AT + [A('amount', 'amount', 'Money')], 'TransferOutcome', 'Moves refundable money to `to` atomically (both sides or neither).', 'h.transfer_to(to, &a1, &a2, &a3)'),
 ('apply', 'apply', 'mut', [A('entry', 'entry', 'WalletEntry')], WO, 'Applies an entry `{ id, at, operation: { kind, ... } }` (idempotent by id).', 'h.apply(&a0)'),
 ('topUp', 'top_up', 'mut', ID_AT + [A('amount', 'amount', 'Money'), A('method', 'method', '~TopUpMethod')], WO, 'Money paid in (refundable).', 'h.top_up(&a0, &a1, &a2, &a3)'),
 ('creditBonus', 'credit_bonus', 'mut', ID_AT + [A('amount', 'amount', 'Money'), A('expires_at', 'expiresAt', '?TimestampInput')], WO, 'Promotional credit (a bonus lot, optionally expiring).', 'h.credit_bonus(&a0, &a1, &a2, &a3)'),
 ('pay', 'pay', 'mut', ID_AT + [A('stand_id', 'standId', 'string'), A('items', 'items', 'LineItem[]'), A('device_id', 'deviceId', '?string'), A('catalog_version', 'catalogVersion', '?number')], WO, 'A payment at a stand with line items (bonus first unless configured otherwise); lines may\ncarry a `kind` (deposit, voucher) and `catalogVersion` names the catalog that priced them.', 'h.pay(&a0, &a1, &a2, &a3, &a4, &a5)'),
 ('depositReturn', 'deposit_return', 'mut', ID_AT + [A('stand_id', 'standId', 'string'), A('product', 'product', 'string'), A('quantity', 'quantity', 'number'), A('amount', 'amount', 'Money'), A('device_id', 'deviceId', '?string')], WO, 'A returned deposit item (a cup): credits `amount` to the refundable balance.', 'h.deposit_return(&a0, &a1, &a2, &a3, &a4, &a5, &a6)'),
 ('voucherGrant', 'voucher_grant', 'mut', ID_AT + [A('voucher_type', 'voucherType', 'string'), A('count', 'count', 'number')], WO, 'Grants count-vouchers (for example drink vouchers for helpers; not money).', 'h.voucher_grant(&a0, &a1, &a2, &a3)'),
 ('voucherRevoke', 'voucher_revoke', 'mut', ID_AT + [A('voucher_type', 'voucherType', 'string'), A('count', 'count', 'number')], WO, 'Takes count-vouchers back (at most what the wallet holds).', 'h.voucher_revoke(&a0, &a1, &a2, &a3)'),
 ('applyWithCatalog', 'apply_with_catalog', 'mut2', [A('entry', 'entry', 'WalletEntry'), ('@&catalog', 'catalog', 'Catalog')], WO, "Applies an entry at a POS that holds the catalog: a payment must carry the catalog's version\nand match its prices, kinds, vouchers and deposits and the wallet's age class; a deposit\nreturn must be a deposit at its price (`CATALOG_*`).", 'h.apply_with_catalog(&a0, catalog)'),
 ('refund', 'refund', 'mut', ID_AT + [A('payment_id', 'paymentId', 'string'), A('amount', 'amount', 'Money'), A('reason', 'reason', '?string')], WO, 'Refund of (part of) an earlier payment, restored where it came from.', 'h.refund(&a0, &a1, &a2, &a3, &a4)'),
 ('payout', 'payout', 'mut', ID_AT + [A('amount', 'amount', 'Money'), A('fee', 'fee', '?Money')], WO, 'Cash-out of refundable money (optional fee).', 'h.payout(&a0, &a1, &a2, &a3)'),
 ('adjust', 'adjust', 'mut', ID_AT + [A('amount', 'amount', 'Money'), A('target', 'target', 'SubBalance'), A('reason', 'reason', 'string')], WO, 'Operator correction of one sub-balance.', 'h.adjust(&a0, &a1, &a2, &a3, &a4)'),
 ('expireBonus', 'expire_bonus', 'mut', ID_AT, WO, 'Expires bonus lots due at `at`.', 'h.expire_bonus(&a0, &a1)'),
 ('block', 'block', 'mut', ID_AT + [A('reason', 'reason', 'string')], WO, 'Administrative block.', 'h.block(&a0, &a1, &a2)'),
 ('unblock', 'unblock', 'mut', ID_AT, WO, 'Lifts the administrative block.', 'h.unblock(&a0, &a1)'),
 ('close', 'close', 'mut', ID_AT, WO, 'Closes the wallet for good.', 'h.close(&a0, &a1)'),
 ('balances', 'balances', 'ref', [], 'Balances', 'Refundable, bonus, debt and total (derived from the ledger).', 'h.balances()'),
 ('spendable', 'spendable', 'ref', [A('at', 'at', TSI)], 'Money', 'What a payment at `at` could spend.', 'h.spendable(&a0)'),
 ('totals', 'totals', 'ref', [], 'WalletTotals', 'Running sums over the ledger (conservation).', 'h.totals()'),
 ('status', 'status', 'ref', [], 'WalletStatus', "`'active' | 'blocked' | 'closed'`.", 'h.status()'),
 ('blockReasons', 'block_reasons', 'ref', [], 'BlockReason[]', 'Why the wallet is blocked.', 'h.block_reasons()'),
 ('bonusLots', 'bonus_lots', 'ref', [], 'BonusLot[]', 'Bonus lots with expiry and remaining amount.', 'h.bonus_lots()'),
 ('ledger', 'ledger', 'ref', [], 'LedgerEntry[]', 'Every applied entry with its effect.', 'h.ledger()'),
 ('postings', 'postings', 'ref', [], 'Posting[]', 'The double-entry postings of the ledger: one per entry that moves money, legs summing to\nzero (debit positive); feed them to `trialBalance`.', 'h.postings()'),
 ('deposits', 'deposits', 'ref', [], 'DepositTotals[]', 'Deposits charged, returned and outstanding per deposit product.', 'h.deposits()'),
 ('vouchers', 'vouchers', 'refv', [], 'VoucherCount[]', 'Count-vouchers held now, per type (`[{ voucherType, count }]`).', 'h.vouchers()'),
 ('voucherTotals', 'voucher_totals', 'ref', [], 'VoucherTotals[]', 'Count-voucher sums per type: granted, revoked, redeemed, forfeited, balance.', 'h.voucher_totals()'),
 ('config', 'config', 'ref', [], 'WalletConfig', "The wallet's configuration.", 'h.config()'),
])

UID = 'Uint8Array | string'
tags = ('TagRegistry', 'TagRegistryHandle', 'wallet', 'NFC wristband tags ↔ wallets: link, report lost, replace; a used tag is never re-linked.', [
 ('new', 'new', 'ctor0', [], None, 'An empty registry.', 'TagRegistryHandle::new()'),
 ('deserialize', 'deserialize', 'factory', [A('state', 'state', 'string')], None, 'Rebuilds a registry from `serialize()` output.', 'TagRegistryHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', 'The registry as JSON text.', 'h.serialize()'),
 ('lookup', 'lookup', 'ref', [A('uid', 'uid', UID)], 'string', 'The wallet id of an active tag.', 'h.lookup(&a0)', 'string'),
 ('link', 'link', 'mut', [A('uid', 'uid', UID), A('wallet_id', 'walletId', 'string'), A('at', 'at', TSI)], 'TagRecord', 'Links a tag UID to a wallet.', 'h.link(&a0, &a1, &a2)'),
 ('reportLost', 'report_lost', 'mut', [A('uid', 'uid', UID), A('at', 'at', TSI)], 'TagRecord', 'Reports a tag lost (blocked forever).', 'h.report_lost(&a0, &a1)'),
 ('replace', 'replace', 'mut', [A('old_uid', 'oldUid', UID), A('new_uid', 'newUid', UID), A('at', 'at', TSI)], 'TagRecord', 'Moves a wallet from a lost/old tag to a new one.', 'h.replace(&a0, &a1, &a2)'),
 ('records', 'records', 'ref', [], 'TagRecord[]', 'Every tag record.', 'h.records()'),
])

core_classes = [verifier, wallet, tags]

# =====================================================================================================
# Table 2 -> ticketing.rs: ticketing, access, till and catalog
# =====================================================================================================

inv = ('Inventory', 'InventoryHandle', 'ticketing', 'The seats of one ticket type with caller-identified, time-limited holds (`sold + held ≤ capacity`).', [
 ('new', 'new', 'ctor', [A('ticket_type_id','ticketTypeId','string'), A('capacity','capacity','number')], None, '`new Inventory(ticketTypeId, capacity)`.', 'InventoryHandle::new(&a0, &a1)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds an inventory from `serialize()` output (checked: `sold + held ≤ capacity`).', 'InventoryHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The inventory as JSON text (the core's format).", 'h.serialize()'),
 ('ticketTypeId', 'ticket_type_id', 'refv', [], 'string', 'The ticket type these seats belong to.', 'h.ticket_type_id()'),
 ('capacity', 'capacity', 'refv', [], 'number', 'Seats on sale in total.', 'h.capacity()'),
 ('sold', 'sold', 'refv', [], 'number', 'Seats sold.', 'h.sold()'),
 ('hold', 'hold', 'ref', [A('hold_id','holdId','string')], 'Hold | null', 'A hold by id, or null.', 'h.hold(&a0)'),
 ('holds', 'holds', 'ref', [], 'Hold[]', 'Every hold (any state), by id.', 'h.holds()'),
 ('available', 'available', 'ref', [A('now','now',TSI)], 'number', 'Seats neither sold nor in a live hold at `now`.', 'h.available(&a0)'),
 ('counts', 'counts', 'ref', [A('now','now',TSI)], 'InventoryCounts', 'Capacity, sold, held and available at `now`.', 'h.counts(&a0)'),
 ('reserve', 'reserve', 'mut', [A('hold_id','holdId','string'), A('quantity','quantity','number'), A('now','now',TSI), A('expires_at','expiresAt',TSI)], 'Hold', 'Holds seats until `expiresAt` (`INVENTORY_SOLD_OUT` with how many are left).', 'h.reserve(&a0, &a1, &a2, &a3)'),
 ('confirm', 'confirm', 'mut', [A('hold_id','holdId','string'), A('now','now',TSI)], 'Hold', 'Sells the seats of a live hold.', 'h.confirm(&a0, &a1)'),
 ('release', 'release', 'mut', [A('hold_id','holdId','string')], 'Hold', 'Puts the seats of a held hold back on sale.', 'h.release(&a0)'),
 ('expire', 'expire', 'mut', [A('now','now',TSI)], 'Hold[]', 'Expires every hold due at `now` and returns them.', 'h.expire(&a0)'),
 ('restock', 'restock', 'mut', [A('quantity','quantity','number')], 'number', 'Puts sold seats back on sale; returns the seats sold afterwards.', 'h.restock(&a0)'),
 ('invariantHolds', 'invariant_holds', 'refv', [], 'boolean', '`sold + held ≤ capacity`.', 'h.invariant_holds()'),
])

book = ('TicketBook', 'TicketBookHandle', 'ticketing', 'The ticket registry: ticket types, tickets with unique ids and numbers, the ticket state machine.', [
 ('new', 'new', 'ctor0', [], None, '`new TicketBook()` (empty).', 'TicketBookHandle::new()'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds a book from `serialize()` output (indexes checked).', 'TicketBookHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The book as JSON text (the core's format).", 'h.serialize()'),
 ('addType', 'add_type', 'mut', [A('ticket_type','ticketType','TicketTypeInput')], 'void', 'Adds a ticket type (validated; `TICKET_DUPLICATE_ID` if the id is taken).', 'h.add_type(&a0)'),
 ('ticketType', 'ticket_type', 'ref', [A('id','id','string')], 'TicketType', 'A ticket type (`TICKET_UNKNOWN_TYPE`).', 'h.ticket_type(&a0)'),
 ('ticketTypes', 'ticket_types', 'ref', [], 'TicketType[]', 'Every ticket type, by id.', 'h.ticket_types()'),
 ('ticket', 'ticket', 'ref', [A('id','id','string')], 'Ticket', 'A ticket (`TICKET_UNKNOWN`).', 'h.ticket(&a0)'),
 ('byNumber', 'by_number', 'ref', [A('number','number','string')], 'Ticket | null', 'A ticket by its number, or null.', 'h.by_number(&a0)'),
 ('tickets', 'tickets', 'ref', [], 'Ticket[]', 'Every ticket, by id.', 'h.tickets()'),
 ('issue', 'issue', 'mut', [A('ticket_type_id','ticketTypeId','string'), A('ticket','ticket','NewTicket'), A('order_id','orderId','string | null'), A('at','at',TSI)], 'Ticket', 'Issues one valid ticket.', 'h.issue(&a0, &a1, &a2, &a3)'),
 ('issueAll', 'issue_all', 'mut', [A('ticket_type_id','ticketTypeId','string'), A('tickets','tickets','NewTicket[]'), A('order_id','orderId','string | null'), A('at','at',TSI)], 'Ticket[]', 'Issues several tickets, all or none.', 'h.issue_all(&a0, &a1, &a2, &a3)'),
 ('nextState', 'next_state', 'ref', [A('ticket_id','ticketId','string'), A('event','event','TicketEvent')], 'TicketState', 'The state an event would lead to, changing nothing.', 'h.next_state(&a0, &a1)'),
 ('apply', 'apply', 'mut', [A('ticket_id','ticketId','string'), A('event','event','TicketEvent'), A('at','at',TSI)], 'Ticket', 'Applies a ticket event.', 'h.apply(&a0, &a1, &a2)'),
 ('checkIn', 'check_in', 'mut', [A('ticket_id','ticketId','string'), A('at','at',TSI)], 'Ticket', 'Checks a ticket in (`apply(id, "check_in", at)`).', 'h.event(&a0, TicketEvent::CheckIn, &a1)'),
 ('checkOut', 'check_out', 'mut', [A('ticket_id','ticketId','string'), A('at','at',TSI)], 'Ticket', 'Checks a ticket out.', 'h.event(&a0, TicketEvent::CheckOut, &a1)'),
 ('cancel', 'cancel', 'mut', [A('ticket_id','ticketId','string'), A('at','at',TSI)], 'Ticket', 'Cancels an unused ticket.', 'h.event(&a0, TicketEvent::Cancel, &a1)'),
 ('refund', 'refund', 'mut', [A('ticket_id','ticketId','string'), A('at','at',TSI)], 'Ticket', 'Refunds an unused ticket (`TICKET_ALREADY_USED` after a check-in).', 'h.event(&a0, TicketEvent::Refund, &a1)'),
 ('revoke', 'revoke', 'mut', [A('ticket_id','ticketId','string'), A('at','at',TSI)], 'Ticket', 'Revokes a ticket that is not yet void.', 'h.event(&a0, TicketEvent::Revoke, &a1)'),
 ('transfer', 'transfer', 'mut', [A('ticket_id','ticketId','string'), A('to','to','NewTicket'), A('at','at',TSI)], 'Ticket', 'Transfers an unused ticket to a new holder; returns the new ticket.', 'h.transfer(&a0, &a1, &a2)'),
])

order = ('Order', 'OrderHandle', 'ticketing', 'An order for tickets of one type: pending → paid → fulfilled, pending → expired / cancelled, paid → (partially) refunded.', [
 ('place', 'place', 'factory', [A('id','id','string'), A('ticket_type','ticketType','TicketTypeInput'), ('@inv','inventory','Inventory'), A('quantity','quantity','number'), A('total','total','Money'), A('now','now',TSI), A('expires_at','expiresAt',TSI)], None, 'Places an order: checks the sale and holds the seats in `inventory` (hold id = order id).', 'OrderHandle::place(&a0, &a1, inv, &a3, &a4, &a5, &a6)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds an order from `serialize()` output.', 'OrderHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The order as JSON text (the core's format).", 'h.serialize()'),
 ('id', 'id', 'refv', [], 'string', 'The order id.', 'h.id()'),
 ('ticketTypeId', 'ticket_type_id', 'refv', [], 'string', 'The ticket type.', 'h.ticket_type_id()'),
 ('quantity', 'quantity', 'refv', [], 'number', 'Tickets ordered.', 'h.quantity()'),
 ('total', 'total', 'refv', [], 'Money', 'Amount due.', 'h.total()'),
 ('state', 'state', 'refv', [], 'OrderState', 'Current state.', 'h.state()'),
 ('createdAt', 'created_at', 'refv', [], 'string', 'When it was placed.', 'h.created_at()'),
 ('updatedAt', 'updated_at', 'refv', [], 'string', 'When its state last changed.', 'h.updated_at()'),
 ('expiresAt', 'expires_at', 'refv', [], 'string', 'When its hold expires.', 'h.expires_at()'),
 ('paid', 'paid', 'refv', [], 'Money | null', 'Amount paid, once paid.', 'h.paid()'),
 ('refunded', 'refunded', 'refv', [], 'Money', 'Cumulative refunds.', 'h.refunded()'),
 ('refundable', 'refundable', 'ref', [], 'Money', 'What can still be refunded.', 'h.refundable()'),
 ('ticketIds', 'ticket_ids', 'refv', [], 'string[]', 'Ids of the issued tickets.', 'h.ticket_ids()'),
 ('apply', 'apply', 'mut2', [A('event','event','OrderEvent'), ('@inv','inventory','Inventory'), ('@bk','book','TicketBook')], 'OrderState', 'Applies any order event.', 'h.apply(&a0, inv, bk)'),
 ('pay', 'pay', 'mut2', [('@inv','inventory','Inventory'), A('amount','amount','Money'), A('at','at',TSI)], 'OrderState', 'Pays exactly the total (`ORDER_PAYMENT_MISMATCH`); confirms the hold.', 'h.pay(inv, &a1, &a2)'),
 ('fulfill', 'fulfill', 'mut2', [('@bk','book','TicketBook'), A('tickets','tickets','NewTicket[]'), A('at','at',TSI)], 'OrderState', 'Issues exactly `quantity` tickets in `book`.', 'h.fulfill(bk, &a1, &a2)'),
 ('expire', 'expire', 'mut2', [('@inv','inventory','Inventory'), A('at','at',TSI)], 'OrderState', 'Expires a pending order at or after its hold expiry.', 'h.expire(inv, &a1)'),
 ('cancel', 'cancel', 'mut2', [('@inv','inventory','Inventory'), A('at','at',TSI)], 'OrderState', 'Cancels a pending order (seats released).', 'h.cancel(inv, &a1)'),
 ('refund', 'refund', 'mut', [A('amount','amount','Money'), A('at','at',TSI)], 'OrderState', 'Refunds (part of) the payment (`ORDER_REFUND_EXCEEDS_PAID`).', 'h.refund(&a0, &a1)'),
])

access = ('AccessControl', 'AccessControlHandle', 'access', 'Access zones: scans decide admit or deny with a reason; occupancy and capacity alerts.', [
 ('new', 'new', 'ctor', [A('zones','zones','Zone[]')], None, '`new AccessControl(zones)`.', 'AccessControlHandle::new(&a0)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds zones and presence from `serialize()` output (zones checked again).', 'AccessControlHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The zones, occupancy and presence as JSON text (the core's format).", 'h.serialize()'),
 ('zone', 'zone', 'ref', [A('zone_id','zoneId','string')], 'Zone', 'A zone definition (`ACCESS_UNKNOWN_ZONE`).', 'h.zone(&a0)'),
 ('occupancy', 'occupancy', 'ref', [A('zone_id','zoneId','string')], 'ZoneOccupancy', "A zone's occupancy.", 'h.occupancy(&a0)'),
 ('occupancies', 'occupancies', 'ref', [], 'ZoneOccupancy[]', 'Occupancy of every zone, by id.', 'h.occupancies()'),
 ('isInside', 'is_inside', 'ref', [A('zone_id','zoneId','string'), A('ticket_id','ticketId','string')], 'boolean', 'Whether a ticket is inside a zone.', 'h.is_inside(&a0, &a1)'),
 ('decide', 'decide', 'ref2', [('@&bk','book','TicketBook'), A('scan','scan','Scan')], 'Decision', 'The decision for a scan, changing nothing.', 'h.decide(bk, &a1)'),
 ('scan', 'scan', 'mut2', [('@bk','book','TicketBook'), A('scan','scan','Scan')], 'ScanOutcome', 'Decides a scan and records it when admitted (check-in / check-out at perimeter zones).', 'h.scan(bk, &a1)'),
 ('setPolicy', 'set_policy', 'mut', [A('policy','policy','CheckinPolicy')], 'void', 'Sets (or replaces) a check-in policy on its zones (`ACCESS_POLICY_INVALID`, `ACCESS_RULE_*`).', 'h.set_policy(&a0)'),
 ('policies', 'policies', 'ref', [], 'CheckinPolicy[]', 'The check-in policies, by id.', 'h.policies()'),
 ('scanWith', 'scan_with', 'mut2', [('@bk','book','TicketBook'), A('scan','scan','Scan'), A('context','context','ScanContext | null')], 'ScanOutcome', 'A scan with what the gate knows (gate, pending order, attributes) for the zone\'s check-in policy; the outcome names what decided.', 'h.scan_with(bk, &a1, &a2)'),
 ('annul', 'annul', 'mut2', [('@bk','book','TicketBook'), A('ticket_id','ticketId','string'), A('zone_id','zoneId','string'), A('at','at',TSI)], 'ZoneOccupancy', 'Annuls the last check-in of a ticket into a zone (turned back at a kiosk).', 'h.annul(bk, &a1, &a2, &a3)'),
])
quotas = ('QuotaBook', 'QuotaBookHandle', 'ticketing', 'Shared quotas over ticket types and add-ons with cart holds (`sold + held ≤ size` for every quota).', [
 ('new', 'new', 'ctor', [A('quotas','quotas','Quota[]')], None, '`new QuotaBook(quotas)`.', 'QuotaBookHandle::new(&a0)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds a quota book from `serialize()` output (invariants checked).', 'QuotaBookHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The quotas and holds as JSON text (the core's format).", 'h.serialize()'),
 ('quotas', 'quotas', 'ref', [], 'Quota[]', 'Every quota, by id.', 'h.quotas()'),
 ('hold', 'hold', 'ref', [A('hold_id','holdId','string')], 'QuotaHold | null', 'A hold by id, or null.', 'h.hold(&a0)'),
 ('holds', 'holds', 'ref', [], 'QuotaHold[]', 'Every hold (any state), by id.', 'h.holds()'),
 ('counts', 'counts', 'ref', [A('now','now',TSI)], 'QuotaCounts[]', 'Size, sold, held and available of every quota at `now`.', 'h.counts(&a0)'),
 ('available', 'available', 'ref', [A('item_id','itemId','string'), A('now','now',TSI)], 'number | null', 'Units of an item that can still be held (its most limiting quota; null: unlimited).', 'h.available(&a0, &a1)'),
 ('reserve', 'reserve', 'mut', [A('hold_id','holdId','string'), A('lines','lines','QuotaRequest[]'), A('now','now',TSI), A('expires_at','expiresAt',TSI)], 'QuotaHold', 'Holds every line in every quota of its item, all or nothing (`QUOTA_EXHAUSTED`).', 'h.reserve(&a0, &a1, &a2, &a3)'),
 ('confirm', 'confirm', 'mut', [A('hold_id','holdId','string'), A('now','now',TSI)], 'QuotaHold', 'Sells a live hold.', 'h.confirm(&a0, &a1)'),
 ('release', 'release', 'mut', [A('hold_id','holdId','string')], 'QuotaHold', 'Gives the units of a held hold back.', 'h.release(&a0)'),
 ('expire', 'expire', 'mut', [A('now','now',TSI)], 'QuotaHold[]', 'Expires every hold due at `now` and returns them.', 'h.expire(&a0)'),
 ('refundLine', 'refund_line', 'mut', [A('hold_id','holdId','string'), A('line_id','lineId','string'), A('quantity','quantity','number')], 'number', 'Gives sold units of one line back to its quotas; returns the units still sold.', 'h.refund_line(&a0, &a1, &a2)'),
 ('invariantHolds', 'invariant_holds', 'refv', [], 'boolean', '`sold + held ≤ size` for every quota.', 'h.invariant_holds()'),
])

cart = ('CartOrder', 'CartOrderHandle', 'ticketing', 'An order of several lines (tickets and add-ons) held in shared quotas; single lines are refunded idempotently.', [
 ('place', 'place', 'factory', [A('spec','spec','CartSpec'), A('catalog','catalog','ShopCatalog'), A('config','config','CartConfig'), A('promos','promos','PromoCode[] | null'), ('@qb','quotas','QuotaBook')], None, 'Places a cart: checks the catalog and sale rules, prices it, holds every line in `quotas` (hold id = order id).', 'CartOrderHandle::place(&a0, &a1, &a2, &a3, qb)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds a cart order from `serialize()` output (checked).', 'CartOrderHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The order as JSON text (the core's format).", 'h.serialize()'),
 ('id', 'id', 'refv', [], 'string', 'The order id.', 'h.id()'),
 ('state', 'state', 'refv', [], 'OrderState', 'Current state.', 'h.state()'),
 ('total', 'total', 'refv', [], 'Money', 'Amount due.', 'h.total()'),
 ('paid', 'paid', 'refv', [], 'Money | null', 'Amount paid, once paid.', 'h.paid()'),
 ('refunded', 'refunded', 'ref', [], 'Money', 'Sum of the line refunds.', 'h.refunded()'),
 ('refundable', 'refundable', 'ref', [], 'Money', 'What can still be refunded.', 'h.refundable()'),
 ('breakdown', 'breakdown', 'ref', [], 'CartBreakdown', 'The price breakdown made at placement.', 'h.breakdown()'),
 ('refunds', 'refunds', 'ref', [], 'LineRefund[]', 'Every line refund, in the order made.', 'h.refunds()'),
 ('tickets', 'tickets', 'ref', [], 'LineTickets[]', 'The tickets of each ticket line (empty before fulfilment).', 'h.tickets()'),
 ('createdAt', 'created_at', 'refv', [], 'string', 'When it was placed.', 'h.created_at()'),
 ('updatedAt', 'updated_at', 'refv', [], 'string', 'When its state last changed.', 'h.updated_at()'),
 ('expiresAt', 'expires_at', 'refv', [], 'string', 'When its hold expires.', 'h.expires_at()'),
 ('refundedQuantity', 'refunded_quantity', 'ref', [A('line_id','lineId','string')], 'number', 'Units of a line refunded so far.', 'h.refunded_quantity(&a0)'),
 ('lineRefundAmount', 'line_refund_amount', 'ref', [A('line_id','lineId','string'), A('quantity','quantity','number')], 'Money', 'What refunding the next `quantity` units of a line gives back (changes nothing).', 'h.line_refund_amount(&a0, &a1)'),
 ('pay', 'pay', 'mut2', [('@qb','quotas','QuotaBook'), A('amount','amount','Money'), A('at','at',TSI)], 'OrderState', 'Pays exactly the total; confirms the quota hold.', 'h.pay(qb, &a1, &a2)'),
 ('fulfill', 'fulfill', 'mut2', [('@bk','book','TicketBook'), A('tickets','tickets','NewTicket[]'), A('at','at',TSI)], 'OrderState', 'Issues the tickets of the ticket lines, in line order.', 'h.fulfill(bk, &a1, &a2)'),
 ('expire', 'expire', 'mut2', [('@qb','quotas','QuotaBook'), A('at','at',TSI)], 'OrderState', 'Expires a pending order at or after its hold expiry.', 'h.expire(qb, &a1)'),
 ('cancel', 'cancel', 'mut2', [('@qb','quotas','QuotaBook'), A('at','at',TSI)], 'OrderState', 'Cancels a pending order (units released).', 'h.cancel(qb, &a1)'),
 ('refundLine', 'refund_line', 'mut2', [A('refund','refund','LineRefundRequest'), A('at','at',TSI), ('@qb','quotas','QuotaBook'), ('@bk','book','TicketBook')], 'LineRefund', 'Refunds units of one line (amount incl. its shares of order discount and fees); idempotent per `refundId`.', 'h.refund_line(&a0, &a1, qb, bk)'),
])

till = ('TillSession', 'TillSessionHandle', 'till', 'A till session: float, cash and card operations, gap-free receipts with VAT per rate, a signed closing with counted amounts.', [
 ('open', 'open', 'factory', [A('spec','spec','SessionSpec')], None, 'Opens a session with a cash float (`TILL_INVALID_AMOUNT` for a negative float).', 'TillSessionHandle::open(&a0)'),
 ('deserialize', 'deserialize', 'factory', [A('state','state','string')], None, 'Rebuilds a session from `serialize()` output (checked: `TILL_STATE_INVALID`).', 'TillSessionHandle::deserialize(&a0)'),
 ('serialize', 'serialize', 'refs', [], 'string', "The session as JSON text (the core's format).", 'h.serialize()'),
 ('openNext', 'open_next', 'derive', [A('spec','spec','SessionSpec')], None, 'Opens the next session of this closed till: receipt numbers continue (`TILL_SESSION_OPEN`, `TILL_SESSION_MISMATCH`).', 'h.open_next(&a0)'),
 ('spec', 'spec', 'ref', [], 'SessionSpec', 'How the session was opened.', 'h.spec()'),
 ('id', 'id', 'refv', [], 'string', 'The session id.', 'h.id()'),
 ('isClosed', 'is_closed', 'refv', [], 'boolean', 'Whether it is closed.', 'h.is_closed()'),
 ('nextReceiptNumber', 'next_receipt_number', 'refv', [], 'number', 'The number the next receipt gets.', 'h.next_receipt_number()'),
 ('operationsHash', 'operations_hash', 'refv', [], 'string', 'SHA-256 (hex) of the operations and receipts, as carried by the closing.', 'h.operations_hash()'),
 ('totals', 'totals', 'ref', [], 'SessionTotals', 'Float, cash in / out by kind, sales by method, expected cash and card.', 'h.totals()'),
 ('postings', 'postings', 'ref', [], 'Posting[]', 'Double-entry postings: float, cash top-ups, payouts, safe moves, cash/card receipts on `cash_drawer:<till>`, `safe`, `funds:*`, `revenue:<stand>`; the closing empties the drawer into the safe and books differences to `expense:cash_differences`.', 'h.postings()'),
 ('operations', 'operations', 'ref', [], 'TillOperation[]', 'The cash and card operations, in the order recorded.', 'h.operations()'),
 ('receipts', 'receipts', 'ref', [], 'Receipt[]', 'The receipts, by number.', 'h.receipts()'),
 ('receipt', 'receipt', 'ref', [A('payment_id','paymentId','string')], 'Receipt | null', 'The receipt of a payment, or null.', 'h.receipt(&a0)'),
 ('closing', 'closing', 'ref', [], 'SignedClosing | null', 'The signed closing, once closed.', 'h.closing()'),
 ('record', 'record', 'mut', [A('operation','operation','TillOperation')], 'TillOperation', 'Records a cash or card operation; idempotent per id (`TILL_OPERATION_CONFLICT`, `TILL_INSUFFICIENT_CASH`).', 'h.record(&a0)'),
 ('sale', 'sale', 'mut', [A('request','request','SaleRequest'), A('products','products','ProductInfo[]')], 'Receipt', 'Issues the receipt of a payment with the next number; idempotent per payment id.', 'h.sale(&a0, &a1)'),
 ('attachFiscalSignature', 'attach_fiscal_signature', 'mut', [A('payment_id','paymentId','string'), A('signature','signature','FiscalSignature')], 'Receipt', "Stores the caller's TSE signature on a receipt.", 'h.attach_fiscal_signature(&a0, &a1)'),
 ('close', 'close', 'mut', [A('closed_at','closedAt',TSI), A('counted','counted','CountedAmounts'), A('seed','seed','Uint8Array')], 'SignedClosing', "Closes with the counted cash and card total; the device's seed signs the closing (`TILL_ALREADY_CLOSED`).", 'h.close(&a0, &a1, &a2)'),
])
catalog = ('Catalog', 'CatalogHandle', 'catalog', 'A product catalog of stands (validated): prices, VAT rates, deposits (Pfand), voucher prices and minimum ages; signed for offline devices.', [
 ('new', 'new', 'ctor', [A('spec','spec','CatalogSpec')], None, '`new Catalog({ festivalId, version, currency, products })` (`CATALOG_*` for a catalog that does not validate).', 'CatalogHandle::new(&a0)'),
 ('fromJson', 'from_json', 'factory', [A('text','text','string')], None, "Reads a catalog from the core's JSON (snake_case; validated like the constructor).", 'CatalogHandle::from_json(&a0)'),
 ('toJson', 'to_json', 'refs', [], 'string', "The core's JSON (snake_case), byte-identical to every other runtime's.", 'h.to_json()'),
 ('festivalId', 'festival_id', 'refv', [], 'string', 'The festival.', 'h.festival_id()'),
 ('version', 'version', 'refv', [], 'number', 'The catalog version (put it on payments).', 'h.version()'),
 ('currency', 'currency', 'refv', [], 'string', 'The currency of every price.', 'h.currency()'),
 ('products', 'products', 'ref', [], 'Product[]', 'The products, sorted by id.', 'h.products()'),
 ('product', 'product', 'ref', [A('id','id','string')], 'Product | null', 'The product with this id, or null.', 'h.product(&a0)'),
 ('encode', 'encode', 'refb', [], 'Uint8Array', 'The canonical encoding the signature covers.', 'h.encode()'),
 ('sign', 'sign', 'other', [A('organizer_seed','organizerSeed','Uint8Array')], 'SignedCatalog', "Signs the catalog with the organizer's 32-byte seed.", 'h.sign(&a0)'),
 ('expand', 'expand', 'ref', [A('lines','lines','BasketLine[]'), A('rounding','rounding','?TaxRounding')], 'Basket', 'Prices a basket: payment lines (goods, then deposits), goods / deposit totals, vouchers needed, VAT of the goods (rounding default `per_line`).', 'h.expand(&a0, &a1)'),
 ('checkPayment', 'check_payment', 'ref', [A('items','items','LineItem[]'), A('catalog_version','catalogVersion','?number')], 'void', "Checks payment lines against the catalog: its version, prices, kinds, voucher prices and deposits (`CATALOG_VERSION_MISMATCH`, `CATALOG_PRICE_MISMATCH`, ...).", 'h.check_payment(&a0, &a1)'),
 ('checkAge', 'check_age', 'ref', [A('items','items','LineItem[]'), A('age_class','ageClass','AgeClass | null')], 'void', 'Refuses the first line above the age class (`CATALOG_AGE_RESTRICTED`; null: unknown, counts as under 16).', 'h.check_age(&a0, &a1)'),
 ('checkDepositReturn', 'check_deposit_return', 'ref', [A('product','product','string'), A('quantity','quantity','number'), A('amount','amount','Money')], 'void', 'Checks a cup return: a deposit product and exactly `quantity` × its price.', 'h.check_deposit_return(&a0, &a1, &a2)'),
])
signed_catalog = ('SignedCatalog', 'SignedCatalogHandle', 'catalog', "A catalog with the organizer's Ed25519 signature over its canonical encoding.", [
 ('fromJson', 'from_json', 'factory', [A('text','text','string')], None, "Reads a signed catalog from the core's JSON (not verified: call `verify`).", 'SignedCatalogHandle::from_json(&a0)'),
 ('toJson', 'to_json', 'refs', [], 'string', "The core's JSON: `{\"catalog\": {...}, \"signature\": \"<hex>\"}`.", 'h.to_json()'),
 ('catalog', 'catalog', 'other', [], 'Catalog', 'The catalog as signed, NOT verified (devices use `verify`).', 'Ok(h.catalog())'),
 ('signature', 'signature', 'refb', [], 'Uint8Array', 'The signature (64 bytes).', 'h.signature()'),
 ('verify', 'verify', 'other', [A('public_key','publicKey','Uint8Array')], 'Catalog', "Verifies the signature under the organizer's public key and returns the catalog (`CATALOG_BAD_SIGNATURE`, `OFFLINE_INVALID_KEY`).", 'h.verify(&a0)'),
])

ticketing_classes = [inv, book, order, access, quotas, cart, till, catalog, signed_catalog]

# (js, rust, args, ret, doc, call, nreq): arguments from index nreq on are optional in node (`name?: T`).
ticketing_functions = [F(*row) for row in [
 ('priceOrder', 'price_order', [A('request','request','PriceRequest'), A('config','config','PricingConfig'), A('promos','promos','PromoCode[] | null')], 'PriceBreakdown', 'Prices an order: quantity × unit price, promo code, service fees and VAT, exactly.', 'api::ticketing::price_order(&a0, &a1, &a2)', 2),
 ('pricingConfig', 'pricing_config', [A('currency','currency','string'), A('vat_rate','vatRate','string'), A('basis','basis','PriceBasis'), A('rounding','rounding','TaxRounding')], 'PricingConfig', "The core's default pricing configuration (no fees, half-even rounding) for a currency and VAT rate.", 'api::ticketing::pricing_config(&a0, &a1, &a2, &a3)', 4),
 ('checkPromo', 'check_promo', [A('promo','promo','PromoCode'), A('lines','lines','PriceLine[]'), A('at','at',TSI)], 'void', 'Checks that a promo code can be used for these lines at `at` (throws `PROMO_*`).', 'api::ticketing::check_promo(&a0, &a1, &a2)', 3),
 ('recordPromoUse', 'record_promo_use', [A('promo','promo','PromoCode')], 'PromoCode', 'The promo code with one more use (`PROMO_EXHAUSTED` when none is left).', 'api::ticketing::record_promo_use(&a0)', 1),
 ('checkinPolicy', 'checkin_policy', [A('policy','policy','CheckinPolicy')], 'CheckinPolicy', 'Checks a check-in policy (rule bounds, operators, variables: `ACCESS_RULE_*`) and returns it as stored.', 'api::access::checkin_policy(&a0)', 1),
 ('evaluateCheckin', 'evaluate_checkin', [A('policy','policy','CheckinPolicy'), A('context','context','CheckinContext')], 'PolicyDecision', 'The check-in evaluator that gates, servers and reconciliation share: admit / deny and what decided.', 'api::access::evaluate_checkin(&a0, &a1)', 2),
 ('festivalDay', 'festival_day', [A('calendar','calendar','FestivalCalendar'), A('at','at',TSI)], 'DayInfo', 'The festival day of an instant in a calendar (time zone + day start), DST-correct.', 'api::access::festival_day(&a0, &a1)', 2),
 ('festivalDayBounds', 'festival_day_bounds', [A('calendar','calendar','FestivalCalendar'), A('day','day','string')], 'FestivalDayBounds', 'Start, end and length (23 / 24 / 25 h) of a festival day.', 'api::access::festival_day_bounds(&a0, &a1)', 2),
 ('scanStats', 'scan_stats', [A('scans','scans','ScanFactOutcome[]'), A('calendar','calendar','FestivalCalendar | null')], 'ScanStats', 'Failed-scan and admitted-in-error counts of scan facts, in total and per festival day.', 'api::access::scan_stats(&a0, &a1)', 1),
 ('priceCart', 'price_cart', [A('request','request','CartPriceRequest'), A('config','config','CartConfig'), A('promos','promos','PromoCode[] | null')], 'CartBreakdown', 'Prices a cart: tickets and add-ons, promo codes per line or order, line and order fees, VAT per line, exactly.', 'api::ticketing::price_cart(&a0, &a1, &a2)', 2),
 ('verifyTillClosing', 'verify_till_closing', [A('closing','closing','SignedClosing'), A('registry','registry','DeviceEntry[]')], 'void', "Verifies a till closing as the server does: registered device of the festival, signature, arithmetic (`TILL_UNKNOWN_DEVICE`, `TILL_SIGNATURE_INVALID`, `TILL_CLOSING_INVALID`).", 'api::till::verify_till_closing(&a0, &a1)', 2),
 ('tillZReport', 'till_z_report', [A('request','request','ZReportRequest'), A('calendar','calendar','FestivalCalendar'), A('sessions','sessions','string[]')], 'ZReport', "The Z-report of a till for a festival day from its sessions' `serialize()` texts.", 'api::till::till_z_report(&a0, &a1, &a2)', 3),
 ('tillExportRows', 'till_export_rows', [A('report','report','ZReport'), A('sessions','sessions','string[]')], 'TillExportRow[]', "One DSFinV-K-shaped row per receipt line of a Z-report's sessions.", 'api::till::till_export_rows(&a0, &a1)', 2),
 ('tillExportCsv', 'till_export_csv', [A('rows','rows','TillExportRow[]')], 'string', 'The rows as RFC 4180 CSV with the DSFinV-K column names.', 'api::till::till_export_csv(&a0)', 1),
 ('checkTicketSale', 'check_ticket_sale', [A('ticket_type','ticketType','TicketTypeInput'), A('at','at',TSI), A('quantity','quantity','number')], 'void', 'Validates a ticket type and checks that `quantity` may be sold at `at`.', 'api::ticketing::check_ticket_sale(&a0, &a1, &a2)', 3),
]]

# =====================================================================================================
# Emitters: one for napi-rs, one for wasm-bindgen. Nothing below is specific to an export.
# =====================================================================================================

# How a Rust result crosses into JS: (node type, node .map, wasm type, the TS type both infer).
OUTS = {
    'json': ('Json', '.map(Json)', 'JsValue', None),
    'void': ('()', '.map(|_| ())', '()', None),
    'string': ('String', '', 'String', 'string'),
    'i32': ('i32', '', 'i32', 'number'),
    'bool': ('bool', '', 'bool', 'boolean'),
    'bytes': ('Uint8Array', '.map(Uint8Array::from)', 'Vec<u8>', 'Uint8Array'),
    'bigint': ('BigInt', '.map(BigInt::from)', 'i64', 'bigint'),
}
# Names an argument must not take: they would shadow the helpers the generated code calls.
RESERVED = {'bytes', 'js', 'run', 'run_with', 'run_plain', 'get', 'get_mut', 'get_mut_or', 'env', 'h', 'inner'}

Method = namedtuple('Method', 'js rust kind args ret doc call out static instance infallible mutable')


def camel(rust):
    head, *rest = rust.split('_')
    return head + ''.join(w[:1].upper() + w[1:] for w in rest)


def is_handle(a):
    return a[0].startswith('@')


def handle_parts(a):
    """('@local' | '@&local', js, Class[, busy]) -> (local, js, Class, shared, busy)."""
    name = a[0][1:]
    shared = name.startswith('&')
    return name.lstrip('&'), a[1], a[2], shared, (a[3] if len(a) > 3 else None)


def method(cls, row):
    js, rust, kind, args, ret, doc, call = row[:7]
    out = row[7] if len(row) > 7 else None
    static = kind in ('ctor', 'ctor0', 'factory')
    infallible = kind in ('ctor0', 'refv', 'refb', 'refstr')
    if static or kind == 'derive':
        out = ('class', cls)
    elif kind == 'other':
        out = ('class', ret)
    elif kind in ('refs', 'refstr'):
        out = 'string'
    elif kind == 'refv':
        out = 'json'
    elif kind == 'refb':
        out = 'bytes'
    elif kind in ('ref', 'ref2', 'mut', 'mut2'):
        out = out or ('void' if ret == 'void' else 'json')
    else:
        raise SystemExit(f'{cls}.{js}: unknown kind {kind!r}')
    return Method(js, rust, kind, args, ret, doc, call, out, static, not static, infallible, kind in ('mut', 'mut2'))


def check(where, js, rust, args):
    # napi-rs derives the JS name from the Rust name; the table must agree with it.
    if rust != 'new' and camel(rust) != js:
        raise SystemExit(f'{where}: JS name {js!r} is not the camelCase of {rust!r} (napi-rs would export {camel(rust)!r})')
    for a in args:
        if not is_handle(a) and a[0] in RESERVED:
            raise SystemExit(f'{where}: argument name {a[0]!r} would shadow a helper; rename it (keep the JS name)')


def docs(text, indent=''):
    return ''.join(f'{indent}/// {line}'.rstrip() + '\n' for line in text.split('\n'))


def node_ts(a, optional=False):
    ts = a[2]
    if is_handle(a):
        return f'{a[1]}: {ts}'
    if ts.startswith('?'):
        return f'{a[1]}?: {ts[1:]} | null'
    if ts.startswith('~'):
        return f'{a[1]}?: {ts[1:]}'
    return f"{a[1]}{'?' if optional else ''}: {ts}"


def wasm_ts(ts):
    if ts.startswith('?'):
        return f'{ts[1:]} | null'
    if ts.startswith('~'):
        return ts[1:]
    return ts


def conv(i, a, wasm):
    f = 'bytes' if a[2] == 'Uint8Array' else 'js'
    return f'let a{i} = {f}("{a[1]}", {"&" if wasm else ""}{a[0]})?;'


def ret_ts(out, ret):
    """The TS return type to declare, or None where napi-rs / wasm-bindgen infer the same."""
    if isinstance(out, tuple) or out == 'void':
        return None
    infer = OUTS[out][3]
    return None if ret == infer else ret


def allow_many(n):
    return '#[allow(clippy::too_many_arguments)]\n' if n > 7 else ''


# ---------------------------------------------------------------------------------------------- node

def node_borrows(args):
    out = []
    for a in args:
        if not is_handle(a):
            continue
        local, js, _cls, shared, busy = handle_parts(a)
        if shared:
            out.append(f'let {local}_guard = get("{js}", &{js}.inner)?;\nlet {local} = &*{local}_guard;')
        elif busy:
            out.append(f'let mut {local}_guard = get_mut_or("{js}", &{js}.inner, "{busy}")?;\nlet {local} = &mut *{local}_guard;')
        else:
            out.append(f'let mut {local}_guard = get_mut("{js}", &{js}.inner)?;\nlet {local} = &mut *{local}_guard;')
    return out


def node_params(args):
    return ''.join(f', {a[1]}: &{a[2]}' if is_handle(a) else f", {a[0]}: Unknown<'_>" for a in args)


def node_result(out):
    if isinstance(out, tuple):
        return out[1], f'.map(|h| {out[1]} {{ inner: RefCell::new(h) }})'
    return OUTS[out][0], OUTS[out][1]


def node_attr(head, args, ts_args, rts):
    parts = list(head)
    if args:
        parts.append(f'ts_args_type = "{ts_args}"')
    if rts:
        parts.append(f'ts_return_type = "{rts}"')
    return '#[napi]' if not parts else f'#[napi({", ".join(parts)})]'


def node_function(f):
    check(f.js, f.js, f.rust, f.args)
    nreq = len(f.args) if f.nreq is None else f.nreq
    ts = ', '.join(node_ts(a, i >= nreq) for i, a in enumerate(f.args))
    rtype, rmap = node_result(f.out)
    body = [conv(i, a, False) for i, a in enumerate(f.args)] + [f.call]
    runner = 'run_with(&env, false, ' if f.snake_errors else 'run(&env, '
    return (f'\n{docs(f.doc)}{node_attr([], f.args, ts, ret_ts(f.out, f.ret))}\n{allow_many(1 + len(f.args))}'
            f'pub fn {f.rust}(env: Env{node_params(f.args)}) -> napi::Result<{rtype}> {{\n'
            f'{runner}|| {{\n' + '\n'.join(body) + f'\n}}){rmap}\n}}\n')


def node_method(cls, m):
    check(f'{cls}.{m.js}', m.js, m.rust, m.args)
    ts = ', '.join(node_ts(a) for a in m.args)
    if m.kind == 'ctor0':
        return (f'\n{docs(m.doc)}#[napi(constructor)]\n#[allow(clippy::new_without_default)]\n'
                f'pub fn new() -> Self {{\n{cls} {{ inner: RefCell::new({m.call}) }}\n}}\n')
    head = ['constructor'] if m.kind == 'ctor' else ['factory'] if m.kind == 'factory' else []
    rtype, rmap = node_result(m.out)
    if m.static:
        rtype = 'Self'
    body = [conv(i, a, False) for i, a in enumerate(m.args) if not is_handle(a)]
    if m.instance:
        body.append(f'let {"mut " if m.mutable else ""}h = {"get_mut" if m.mutable else "get"}("this", &self.inner)?;')
    body += node_borrows(m.args)
    body.append(f'Ok({m.call})' if m.infallible else m.call)
    recv = '&self, ' if m.instance else ''
    return (f'\n{docs(m.doc)}{node_attr(head, m.args, ts, ret_ts(m.out, m.ret))}\n'
            f'{allow_many(m.instance + 1 + len(m.args))}'
            f'pub fn {m.rust}({recv}env: Env{node_params(m.args)}) -> napi::Result<{rtype}> {{\n'
            f'run(&env, || {{\n' + '\n'.join(body) + f'\n}}){rmap}\n}}\n')


def node_class(cls, handle, cdoc, rows):
    out = [f'\n// ------------------------------------------------------------------ {cls}\n',
           f'\n{docs(cdoc)}#[napi]\npub struct {cls} {{\npub(crate) inner: RefCell<{handle}>,\n}}\n\n#[napi]\nimpl {cls} {{']
    out += [node_method(cls, method(cls, r)) for r in rows]
    out.append('}\n')
    return ''.join(out)


# ---------------------------------------------------------------------------------------------- wasm

def wasm_params(args, shared_self):
    out = []
    for a in args:
        if is_handle(a):
            _local, js, c, shared, _busy = handle_parts(a)
            out.append(f'\n{js}: &{"" if shared else "mut "}{c},')
        else:
            jsn = f', js_name = {a[1]}' if a[1] != a[0] else ''
            out.append(f'\n#[wasm_bindgen(unchecked_param_type = "{wasm_ts(a[2])}"{jsn})] {a[0]}: JsValue,')
    return ''.join(out)


def wasm_locals(args):
    out = []
    for a in args:
        if is_handle(a):
            local, js, _c, shared, _busy = handle_parts(a)
            out.append(f'let {local} = &{"" if shared else "mut "}{js}.inner;')
    return out


def wasm_result(out):
    if isinstance(out, tuple):
        return out[1], f'.map(|inner| {out[1]} {{ inner }})'
    return OUTS[out][2], ('.map(|_| ())' if out == 'void' else '')


def wasm_attr(parts):
    return f'#[wasm_bindgen({", ".join(parts)})]\n' if parts else ''


def wasm_function(f):
    rtype, rmap = wasm_result(f.out)
    parts = [f'js_name = {f.js}']
    rts = ret_ts(f.out, f.ret) if f.out != 'json' else f.ret
    if rts:
        parts.append(f'unchecked_return_type = "{rts}"')
    runner = 'run_with(false, ' if f.snake_errors else ('run(' if f.out == 'json' else 'run_plain(')
    if f.wasm_cfg:  # a path, not an import that builds without the feature would not use
        runner = 'super::' + runner
    body = [conv(i, a, True) for i, a in enumerate(f.args)] + [f.call]
    cfg = f'#[cfg({f.wasm_cfg})]\n' if f.wasm_cfg else ''
    return (f'\n{docs(f.doc)}{cfg}{wasm_attr(parts)}{allow_many(len(f.args))}pub fn {f.rust}({wasm_params(f.args, True)}\n'
            f') -> Result<{rtype}, JsValue> {{\n{runner}|| {{\n' + '\n'.join(body) + f'\n}}){rmap}\n}}\n')


def wasm_method(cls, m):
    if m.kind == 'ctor0':
        return (f'\n{docs(m.doc)}#[wasm_bindgen(constructor)]\n#[allow(clippy::new_without_default)]\n'
                f'pub fn new() -> {cls} {{\n{cls} {{ inner: {m.call} }}\n}}\n')
    parts = ['constructor'] if m.kind == 'ctor' else ([f'js_name = {m.js}'] if m.js != m.rust else [])
    rtype, rmap = wasm_result(m.out)
    rts = m.ret if m.out == 'json' else ret_ts(m.out, m.ret)
    if rts:
        parts.append(f'unchecked_return_type = "{rts}"')
    recv = ('&mut self,' if m.mutable else '&self,') if m.instance else ''
    head = f'\n{docs(m.doc)}{wasm_attr(parts)}{allow_many(m.instance + len(m.args))}'
    this = f'let h = &{"mut " if m.mutable else ""}self.inner;\n' if m.instance else ''
    if m.infallible:  # refv / refb / refstr: no arguments, nothing can fail
        value = f'to_js(&{m.call})' if m.out == 'json' else m.call
        return f'{head}pub fn {m.rust}(&self) -> {rtype} {{\n{this}{value}\n}}\n'
    body = [conv(i, a, True) for i, a in enumerate(m.args) if not is_handle(a)] + wasm_locals(m.args) + [m.call]
    runner = 'run(' if m.out == 'json' else 'run_plain('
    return (f'{head}pub fn {m.rust}({recv}{wasm_params(m.args, True)}\n) -> Result<{rtype}, JsValue> {{\n'
            f'{this}{runner}|| {{\n' + '\n'.join(body) + f'\n}}){rmap}\n}}\n')


def wasm_class(cls, handle, cdoc, rows):
    out = [f'\n// ------------------------------------------------------------------ {cls}\n',
           f'\n{docs(cdoc)}#[wasm_bindgen]\npub struct {cls} {{\npub(crate) inner: {handle},\n}}\n\n#[wasm_bindgen]\nimpl {cls} {{']
    out += [wasm_method(cls, method(cls, r)) for r in rows]
    out.append('}\n')
    return ''.join(out)


# ---------------------------------------------------------------------------------------------- files

def uses_of(body, classes, foreign, extra, wasm):
    """The `use` lines a generated file needs (only what its body mentions)."""
    def has(pat):
        return re.search(pat, body) is not None
    helpers = ['bytes', 'get', 'get_mut', 'get_mut_or', 'js', 'run', 'run_plain', 'run_with', 'to_js']
    sup = [n for n in helpers if has(rf'(?<![\w.:]){n}\(')] + (['Json'] if has(r'\bJson\b') else [])
    lines = [f'use super::{{{", ".join(sup)}}};'] if sup else []
    for c, mod in sorted(foreign.items()):
        if has(rf'&(mut )?{c}\b'):
            lines.append(f'use super::{mod}::{c};')
    lines += [u for name, u in extra if has(rf'\b{name}\b')]
    mods = {}
    for (_cls, handle, mod, _doc, _rows) in classes:
        mods.setdefault(mod, []).append(handle)
    lines += [f'use festival_js_api::{m}::{{{", ".join(sorted(hs))}}};' for m, hs in sorted(mods.items())]
    if has(r'\bapi::'):
        lines.append('use festival_js_api::{self as api};')
    if wasm:
        lines.append('use wasm_bindgen::prelude::*;')
    else:
        prel = [n for n in ('BigInt', 'Uint8Array') if has(rf'\b{n}\b')]
        if prel:
            lines.append(f'use napi::bindgen_prelude::{{{", ".join(prel)}}};')
        env = [n for n in ('Env', 'Unknown') if has(rf'\b{n}\b')]
        lines.append(f'use napi::{{{", ".join(env)}}};')
        lines.append('use napi_derive::napi;')
        if classes:
            lines.append('use std::cell::RefCell;')
    return '\n'.join(lines) + '\n'


def generated(doc, body, classes, foreign, extra, wasm):
    head = (f'// @generated by {SCRIPT} — edit the table in that script, not this file\n'
            f'// (then run it and rustfmt: see its header; bindings-node/scripts/check_generated.sh checks this file is current).\n')
    return head + ''.join(f'//! {line}'.rstrip() + '\n' for line in doc.split('\n')) + '\n' + uses_of(body, classes, foreign, extra, wasm) + body


def write(rel, text):
    with open(os.path.join(ROOT, rel), 'w') as f:
        f.write(text)


def emit(name, functions, classes, node_doc, wasm_doc, extra, foreign):
    nb = ''.join(['\n// ------------------------------------------------------------------ functions\n'] +
                 [node_function(f) for f in functions] + [node_class(c, h, d, r) for (c, h, _m, d, r) in classes])
    wb = ''.join(['\n// ------------------------------------------------------------------ functions\n'] +
                 [wasm_function(f) for f in functions] + [wasm_class(c, h, d, r) for (c, h, _m, d, r) in classes])
    write(f'bindings-node/src/{name}.rs', generated(node_doc, nb, classes, foreign, extra, False))
    write(f'bindings-wasm/src/{name}.rs', generated(wasm_doc, wb, classes, foreign, extra, True))


NODE_NOTE = '''

Handles live in a `RefCell`: JS arguments are converted BEFORE a cell is borrowed (so a getter in
an argument cannot re-enter a borrowed object), and a cell that is already borrowed (the same
object passed twice) is a clean `INPUT_INVALID` error, never a panic or two `&mut` to one object.'''

# Which generated file defines each class (for handle arguments that cross files).
HOME = {c[0]: 'exports' for c in core_classes} | {c[0]: 'ticketing' for c in ticketing_classes}


def foreign(classes):
    mine = {c[0] for c in classes}
    return {c: m for c, m in HOME.items() if c not in mine}


emit('exports', core_functions, core_classes,
     'Money, tax, books, offline signatures and ticket codes, `TicketVerifier`, `Wallet`, `TagRegistry`\n'
     'and `conformanceExecute` of the Node package. Declarations only: every export converts its\n'
     'arguments with [`js`](super::js) / [`bytes`](super::bytes), calls `festival_js_api` and returns\n'
     'through [`run`](super::run) (errors become `FestivalError`s). The same table generates\n'
     '`bindings-wasm/src/exports.rs`, so both packages declare the same API.' + NODE_NOTE,
     'Money, tax, books, offline signatures and ticket codes, `TicketVerifier`, `Wallet`, `TagRegistry`\n'
     'and `conformanceExecute` of the wasm package: the same names, shapes and TS types as\n'
     '`bindings-node/src/exports.rs` (one table generates both). Declarations only: arguments are\n'
     'converted with [`js`](super::js) and handed to `festival_js_api`; errors are thrown as\n'
     '`FestivalError`s by [`run`](super::run).',
     [], foreign(core_classes))
emit('ticketing', ticketing_functions, ticketing_classes,
     'Ticketing, access, till and catalog exports of the Node package: `priceOrder`, `priceCart`,\n'
     '`tillZReport` and friends, classes `Inventory`, `Order`, `TicketBook`, `AccessControl`,\n'
     '`QuotaBook`, `CartOrder`, `TillSession`, `Catalog`, `SignedCatalog`. Declarations only: every\n'
     'method converts its arguments with [`js`](super::js) and calls\n'
     '`festival_js_api::{ticketing, access, till, catalog}`; errors go through [`run`](super::run).\n'
     'The same table generates `bindings-wasm/src/ticketing.rs`, so both packages declare the same API.' + NODE_NOTE,
     'Ticketing, access, till and catalog exports of the wasm package: the same names, shapes and TS\n'
     'types as `bindings-node/src/ticketing.rs` (one table generates both). Declarations only:\n'
     'arguments are converted with [`js`](super::js) and handed to\n'
     '`festival_js_api::{ticketing, access, till, catalog}`; errors are thrown as `FestivalError`s\n'
     'by [`run`](super::run).',
     [('TicketEvent', 'use festival_core::ticketing::TicketEvent;')], foreign(ticketing_classes))
