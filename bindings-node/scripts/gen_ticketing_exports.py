#!/usr/bin/env python3
# Generates bindings-node/src/ticketing.rs (napi-rs) and bindings-wasm/src/ticketing.rs (wasm-bindgen)
# from ONE table of functions, classes and methods (JS names, argument names, TS types, docs, the
# festival-js-api call), so the two packages cannot drift apart. The outputs are committed; after
# editing the table run:
#   python3 bindings-node/scripts/gen_ticketing_exports.py
#   rustfmt --edition 2021 bindings-node/src/ticketing.rs bindings-wasm/src/ticketing.rs
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')

# (class, js_name, rust_name, kind, args[(rust, js, ts)], ret_ts, doc, call)
# kind: ctor | factory | ref | mut
# call: expression on `h` (the handle) using the converted args a0, a1...; or special.
def A(rust, js, ts): return (rust, js, ts)

TS_ID = 'string'
TSI = 'TimestampInput'
classes = []

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
 ('place', 'place', 'place', [A('id','id','string'), A('ticket_type','ticketType','TicketTypeInput'), ('@inventory','inventory','Inventory'), A('quantity','quantity','number'), A('total','total','Money'), A('now','now',TSI), A('expires_at','expiresAt',TSI)], None, 'Places an order: checks the sale and holds the seats in `inventory` (hold id = order id).', None),
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
 ('apply', 'apply', 'mut2', [A('event','event','OrderEvent'), ('@inventory','inventory','Inventory'), ('@book','book','TicketBook')], 'OrderState', 'Applies any order event.', 'h.apply(&a0, inv, bk)'),
 ('pay', 'pay', 'mut2', [('@inventory','inventory','Inventory'), A('amount','amount','Money'), A('at','at',TSI)], 'OrderState', 'Pays exactly the total (`ORDER_PAYMENT_MISMATCH`); confirms the hold.', 'h.pay(inv, &a1, &a2)'),
 ('fulfill', 'fulfill', 'mut2', [('@book','book','TicketBook'), A('tickets','tickets','NewTicket[]'), A('at','at',TSI)], 'OrderState', 'Issues exactly `quantity` tickets in `book`.', 'h.fulfill(bk, &a1, &a2)'),
 ('expire', 'expire', 'mut2', [('@inventory','inventory','Inventory'), A('at','at',TSI)], 'OrderState', 'Expires a pending order at or after its hold expiry.', 'h.expire(inv, &a1)'),
 ('cancel', 'cancel', 'mut2', [('@inventory','inventory','Inventory'), A('at','at',TSI)], 'OrderState', 'Cancels a pending order (seats released).', 'h.cancel(inv, &a1)'),
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
 ('decide', 'decide', 'ref2', [('@book','book','TicketBook'), A('scan','scan','Scan')], 'Decision', 'The decision for a scan, changing nothing.', 'h.decide(bk, &a1)'),
 ('scan', 'scan', 'mut2', [('@book','book','TicketBook'), A('scan','scan','Scan')], 'ScanOutcome', 'Decides a scan and records it when admitted (check-in / check-out at perimeter zones).', 'h.scan(bk, &a1)'),
 ('setPolicy', 'set_policy', 'mut', [A('policy','policy','CheckinPolicy')], 'void', 'Sets (or replaces) a check-in policy on its zones (`ACCESS_POLICY_INVALID`, `ACCESS_RULE_*`).', 'h.set_policy(&a0)'),
 ('policies', 'policies', 'ref', [], 'CheckinPolicy[]', 'The check-in policies, by id.', 'h.policies()'),
 ('scanWith', 'scan_with', 'mut2', [('@book','book','TicketBook'), A('scan','scan','Scan'), A('context','context','ScanContext | null')], 'ScanOutcome', 'A scan with what the gate knows (gate, pending order, attributes) for the zone\'s check-in policy; the outcome names what decided.', 'h.scan_with(bk, &a1, &a2)'),
 ('annul', 'annul', 'mut2', [('@book','book','TicketBook'), A('ticket_id','ticketId','string'), A('zone_id','zoneId','string'), A('at','at',TSI)], 'ZoneOccupancy', 'Annuls the last check-in of a ticket into a zone (turned back at a kiosk).', 'h.annul(bk, &a1, &a2, &a3)'),
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
 ('place', 'place', 'place_cart', [A('spec','spec','CartSpec'), A('catalog','catalog','ShopCatalog'), A('config','config','CartConfig'), A('promos','promos','PromoCode[] | null'), ('@quotas','quotas','QuotaBook')], None, 'Places a cart: checks the catalog and sale rules, prices it, holds every line in `quotas` (hold id = order id).', None),
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
 ('pay', 'pay', 'mut2', [('@quotas','quotas','QuotaBook'), A('amount','amount','Money'), A('at','at',TSI)], 'OrderState', 'Pays exactly the total; confirms the quota hold.', 'h.pay(qb, &a1, &a2)'),
 ('fulfill', 'fulfill', 'mut2', [('@book','book','TicketBook'), A('tickets','tickets','NewTicket[]'), A('at','at',TSI)], 'OrderState', 'Issues the tickets of the ticket lines, in line order.', 'h.fulfill(bk, &a1, &a2)'),
 ('expire', 'expire', 'mut2', [('@quotas','quotas','QuotaBook'), A('at','at',TSI)], 'OrderState', 'Expires a pending order at or after its hold expiry.', 'h.expire(qb, &a1)'),
 ('cancel', 'cancel', 'mut2', [('@quotas','quotas','QuotaBook'), A('at','at',TSI)], 'OrderState', 'Cancels a pending order (units released).', 'h.cancel(qb, &a1)'),
 ('refundLine', 'refund_line', 'mut2', [A('refund','refund','LineRefundRequest'), A('at','at',TSI), ('@quotas','quotas','QuotaBook'), ('@book','book','TicketBook')], 'LineRefund', 'Refunds units of one line (amount incl. its shares of order discount and fees); idempotent per `refundId`.', 'h.refund_line(&a0, &a1, qb, bk)'),
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
classes = [inv, book, order, access, quotas, cart, till, catalog, signed_catalog]
# Classes whose handle the hand-written wallet methods borrow (`applyWithCatalog`).
SHARED = {'Catalog'}

functions = [
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
]

def optional_ts(args, nreq):
    out = []
    for i, a in enumerate(args):
        opt = i >= nreq
        out.append(f"{a[1]}{'?' if opt else ''}: {a[2]}")
    return ', '.join(out)

# ---------------------------------------------------------------- node
N = []
N.append('''//! Ticketing, access, till and catalog exports of the Node package: `priceOrder`, `priceCart`,
//! `tillZReport` and friends, classes `Inventory`, `Order`, `TicketBook`, `AccessControl`,
//! `QuotaBook`, `CartOrder`, `TillSession`, `Catalog`, `SignedCatalog`. Declarations only: every
//! method converts its arguments with [`js`](super::js) and calls
//! `festival_js_api::{ticketing, access, till, catalog}`; errors go through [`run`](super::run).
//! Generated with `bindings-wasm/src/ticketing.rs` from one method table
//! (`bindings-node/scripts/gen_ticketing_exports.py`), so both packages declare the same API.
//!
//! Handles live in a `RefCell` (like `Wallet`): JS arguments are converted BEFORE a cell is
//! borrowed (so a getter in an argument cannot re-enter a borrowed object), and a cell that is
//! already borrowed is a clean `INPUT_INVALID` error, never a panic.

use super::{bytes, js, run, CoreResult};
use festival_core::ticketing::TicketEvent;
use festival_core::InputError;
use festival_js_api::access::AccessControlHandle;
use festival_js_api::catalog::{CatalogHandle, SignedCatalogHandle};
use festival_js_api::ticketing::{CartOrderHandle, InventoryHandle, OrderHandle, QuotaBookHandle, TicketBookHandle};
use festival_js_api::till::TillSessionHandle;
use festival_js_api::{self as api};
use napi::bindgen_prelude::Uint8Array;
use napi::{Env, Unknown};
use napi_derive::napi;
use serde_json::Value;
use std::cell::{Ref, RefCell, RefMut};

fn busy(field: &str) -> festival_core::Error {
    InputError::invalid(field, "this object is already in use by the call in progress").into()
}

fn get<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<Ref<'a, T>> {
    c.try_borrow().map_err(|_| busy(field))
}

fn get_mut<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<RefMut<'a, T>> {
    c.try_borrow_mut().map_err(|_| busy(field))
}
''')

def node_fn(js_name, rust, args, ret, doc, call, nreq):
    params = ''.join(f", {a[0]}: Unknown<'_>" for a in args)
    conv = '; '.join(f'let a{i} = js("{a[1]}", {a[0]})?' for i, a in enumerate(args))
    if ret == 'void':
        return f'''
/// {doc}
#[napi(ts_args_type = "{optional_ts(args, nreq)}")]
pub fn {rust}(env: Env{params}) -> napi::Result<()> {{
    run(&env, || {{
        {conv};
        {call}.map(|_| ())
    }})
}}
'''
    return f'''
/// {doc}
#[napi(ts_args_type = "{optional_ts(args, nreq)}", ts_return_type = "{ret}")]
pub fn {rust}(env: Env{params}) -> napi::Result<Value> {{
    run(&env, || {{
        {conv};
        {call}
    }})
}}
'''

N.append('\n// ------------------------------------------------------------------ functions\n')
for f in functions:
    N.append(node_fn(*f))

def is_handle(a): return a[0].startswith('@')

def node_ts(a):
    # '?T': an optional argument (node: `name?: T | null`; wasm: `T | null`, like the wallet's).
    return f"{a[1]}?: {a[2][1:]} | null" if a[2].startswith('?') else f"{a[1]}: {a[2]}"

def wasm_ts(t):
    return f"{t[1:]} | null" if t.startswith('?') else t

def nconv(i, a):
    if a[2] == 'Uint8Array':
        return f'let a{i} = bytes("{a[1]}", {a[0]})?'
    return f'let a{i} = js("{a[1]}", {a[0]})?'

def wconv(i, a):
    if a[2] == 'Uint8Array':
        return f'let a{i} = bytes("{a[1]}", &{a[0]})?'
    return f'let a{i} = js("{a[1]}", &{a[0]})?'

for (cls, handle, mod, cdoc, methods) in classes:
    vis = 'pub(crate) ' if cls in SHARED else ''
    N.append(f'\n// ------------------------------------------------------------------ {cls}\n')
    N.append(f'''
/// {cdoc}
#[napi]
pub struct {cls} {{
    {vis}inner: RefCell<{handle}>,
}}

#[napi]
impl {cls} {{''')
    for (js_name, rust, kind, args, ret, doc, call) in methods:
        plain = [(i, a) for i, a in enumerate(args) if not is_handle(a)]
        params = ''
        for a in args:
            if is_handle(a):
                params += f", {a[1]}: &{a[2]}"
            else:
                params += f", {a[0]}: Unknown<'_>"
        conv = ''.join(f'\n            {nconv(i, a)};' for i, a in plain)
        ts = ', '.join(node_ts(a) for a in args)
        borrows = ''
        for a in args:
            if a[1] == 'inventory':
                borrows += '\n            let mut inv_guard = get_mut("inventory", &inventory.inner)?;\n            let inv = &mut *inv_guard;'
            if a[1] == 'quotas':
                borrows += '\n            let mut qb_guard = get_mut("quotas", &quotas.inner)?;\n            let qb = &mut *qb_guard;'
            if a[1] == 'book':
                if kind == 'ref2':
                    borrows += '\n            let bk_guard = get("book", &book.inner)?;\n            let bk = &*bk_guard;'
                else:
                    borrows += '\n            let mut bk_guard = get_mut("book", &book.inner)?;\n            let bk = &mut *bk_guard;'
        rts = f', ts_return_type = "{ret}"' if ret else ''
        if kind in ('ctor', 'ctor0'):
            if kind == 'ctor0':
                N.append(f'''
    /// {doc}
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {{
        {cls} {{ inner: RefCell::new({call}) }}
    }}
''')
            else:
                N.append(f'''
    /// {doc}
    #[napi(constructor, ts_args_type = "{ts}")]
    pub fn new(env: Env{params}) -> napi::Result<Self> {{
        run(&env, || {{{conv}
            {call}
        }})
        .map(|h| {cls} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'factory':
            N.append(f'''
    /// {doc}
    #[napi(factory, ts_args_type = "{ts}")]
    pub fn {rust}(env: Env{params}) -> napi::Result<Self> {{
        run(&env, || {{{conv}
            {call}
        }})
        .map(|h| {cls} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'place':
            N.append(f'''
    /// {doc}
    #[napi(factory, ts_args_type = "{ts}")]
    #[allow(clippy::too_many_arguments)]
    pub fn place(env: Env{params}) -> napi::Result<Self> {{
        run(&env, || {{{conv}
            let mut inv = get_mut("inventory", &inventory.inner)?;
            OrderHandle::place(&a0, &a1, &mut inv, &a3, &a4, &a5, &a6)
        }})
        .map(|h| {cls} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'place_cart':
            N.append(f'''
    /// {doc}
    #[napi(factory, ts_args_type = "{ts}")]
    pub fn place(env: Env{params}) -> napi::Result<Self> {{
        run(&env, || {{{conv}
            let mut qb = get_mut("quotas", &quotas.inner)?;
            CartOrderHandle::place(&a0, &a1, &a2, &a3, &mut qb)
        }})
        .map(|h| {cls} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'derive':
            N.append(f'''
    /// {doc}
    #[napi(ts_args_type = "{ts}")]
    pub fn {rust}(&self, env: Env{params}) -> napi::Result<{cls}> {{
        run(&env, || {{{conv}
            let h = get("this", &self.inner)?;
            {call}
        }})
        .map(|h| {cls} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'other':
            tsargs = f'(ts_args_type = "{ts}")' if args else ''
            N.append(f'''
    /// {doc}
    #[napi{tsargs}]
    pub fn {rust}(&self, env: Env{params}) -> napi::Result<{ret}> {{
        run(&env, || {{{conv}
            let h = get("this", &self.inner)?;
            {call}
        }})
        .map(|h| {ret} {{ inner: RefCell::new(h) }})
    }}
''')
        elif kind == 'refb':
            N.append(f'''
    /// {doc}
    #[napi]
    pub fn {rust}(&self, env: Env) -> napi::Result<Uint8Array> {{
        run(&env, || {{
            let h = get("this", &self.inner)?;
            Ok({call})
        }})
        .map(Uint8Array::from)
    }}
''')
        elif kind == 'refs':
            N.append(f'''
    /// {doc}
    #[napi]
    pub fn {rust}(&self, env: Env) -> napi::Result<String> {{
        run(&env, || {{
            let h = get("this", &self.inner)?;
            {call}
        }})
    }}
''')
        elif kind == 'refv':
            N.append(f'''
    /// {doc}
    #[napi(ts_return_type = "{ret}")]
    pub fn {rust}(&self, env: Env) -> napi::Result<Value> {{
        run(&env, || {{
            let h = get("this", &self.inner)?;
            Ok({call})
        }})
    }}
''')
        else:
            mut = kind in ('mut', 'mut2')
            void = ret == 'void'
            tsargs = f'ts_args_type = "{ts}"' if args else ''
            tsret = '' if void else f'ts_return_type = "{ret}"'
            attr = ', '.join(x for x in (tsargs, tsret) if x)
            N.append(f'''
    /// {doc}
    #[napi({attr})]
    pub fn {rust}(&self, env: Env{params}) -> napi::Result<{'()' if void else 'Value'}> {{
        run(&env, || {{{conv}{borrows}
            let {'mut ' if mut else ''}h = {'get_mut' if mut else 'get'}("this", &self.inner)?;
            {call}{'.map(|_| ())' if void else ''}
        }})
    }}
''')
    N.append('}\n')

open(os.path.join(ROOT, 'bindings-node', 'src', 'ticketing.rs'), 'w').write(''.join(N))

# ---------------------------------------------------------------- wasm
W = []
W.append('''//! Ticketing, access, till and catalog exports of the wasm package: the same names, shapes and TS
//! types as `bindings-node/src/ticketing.rs` (both generated by
//! `bindings-node/scripts/gen_ticketing_exports.py`). Declarations only: arguments are converted
//! with [`js`](super::js) and handed to `festival_js_api::{ticketing, access, till, catalog}`;
//! errors are thrown as `FestivalError`s by `run`.

use super::{bytes, js, run};
use festival_core::ticketing::TicketEvent;
use festival_js_api::access::AccessControlHandle;
use festival_js_api::catalog::{CatalogHandle, SignedCatalogHandle};
use festival_js_api::ticketing::{CartOrderHandle, InventoryHandle, OrderHandle, QuotaBookHandle, TicketBookHandle};
use festival_js_api::till::TillSessionHandle;
use festival_js_api::{self as api};
use wasm_bindgen::prelude::*;

fn build<T>(f: impl FnOnce() -> Result<T, festival_core::Error>) -> Result<T, JsValue> {
    f().map_err(|e| super::js_error(&e, true))
}
''')

def wparam(a, nreq_opt=False):
    jsn = f', js_name = {a[1]}' if a[1] != a[0] else ''
    return f'\n    #[wasm_bindgen(unchecked_param_type = "{wasm_ts(a[2])}"{jsn})] {a[0]}: JsValue,'

W.append('\n// ------------------------------------------------------------------ functions\n')
for (js_name, rust, args, ret, doc, call, nreq) in functions:
    params = ''.join(wparam(a) for a in args)
    conv = '; '.join(f'let a{i} = js("{a[1]}", &{a[0]})?' for i, a in enumerate(args))
    void = ret == 'void'
    rt = '' if void else f', unchecked_return_type = "{ret}"'
    W.append(f'''
/// {doc}
#[wasm_bindgen(js_name = {js_name}{rt})]
pub fn {rust}({params}
) -> Result<{'()' if void else 'JsValue'}, JsValue> {{
    {'build' if void else 'run'}(|| {{
        {conv};
        {call}{'.map(|_| ())' if void else ''}
    }})
}}
''')

for (cls, handle, mod, cdoc, methods) in classes:
    vis = 'pub(crate) ' if cls in SHARED else ''
    W.append(f'\n// ------------------------------------------------------------------ {cls}\n')
    W.append(f'''
/// {cdoc}
#[wasm_bindgen]
pub struct {cls} {{
    {vis}inner: {handle},
}}

#[wasm_bindgen]
impl {cls} {{''')
    for (js_name, rust, kind, args, ret, doc, call) in methods:
        plain = [(i, a) for i, a in enumerate(args) if not is_handle(a)]
        params = ''
        for a in args:
            if is_handle(a):
                m = '' if kind == 'ref2' else 'mut '
                params += f"\n        {a[1]}: &{m}{a[2]},"
            else:
                params += '\n    ' + wparam(a).strip('\n').replace('\n', '\n    ')
        conv = ''.join(f'\n            {wconv(i, a)};' for i, a in plain)
        jsn = f'js_name = {js_name}, ' if js_name != rust else ''
        wjsattr = f'\n    #[wasm_bindgen(js_name = {js_name})]' if jsn else ''
        borrows = ''
        for a in args:
            if a[1] == 'inventory':
                borrows += '\n            let inv = &mut inventory.inner;'
            if a[1] == 'quotas':
                borrows += '\n            let qb = &mut quotas.inner;'
            if a[1] == 'book':
                borrows += '\n            let bk = &book.inner;' if kind == 'ref2' else '\n            let bk = &mut book.inner;'
        if kind in ('ctor', 'ctor0'):
            if kind == 'ctor0':
                W.append(f'''
    /// {doc}
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> {cls} {{
        {cls} {{ inner: {call} }}
    }}
''')
            else:
                W.append(f'''
    /// {doc}
    #[wasm_bindgen(constructor)]
    pub fn new({params}
    ) -> Result<{cls}, JsValue> {{
        build(|| {{{conv}
            {call}
        }})
        .map(|inner| {cls} {{ inner }})
    }}
''')
        elif kind == 'factory':
            W.append(f'''
    /// {doc}{wjsattr}
    pub fn {rust}({params}
    ) -> Result<{cls}, JsValue> {{
        build(|| {{{conv}
            {call}
        }})
        .map(|inner| {cls} {{ inner }})
    }}
''')
        elif kind == 'place':
            W.append(f'''
    /// {doc}
    #[allow(clippy::too_many_arguments)]
    pub fn place({params}
    ) -> Result<{cls}, JsValue> {{
        build(|| {{{conv}
            OrderHandle::place(&a0, &a1, &mut inventory.inner, &a3, &a4, &a5, &a6)
        }})
        .map(|inner| {cls} {{ inner }})
    }}
''')
        elif kind == 'place_cart':
            W.append(f'''
    /// {doc}
    pub fn place({params}
    ) -> Result<{cls}, JsValue> {{
        build(|| {{{conv}
            CartOrderHandle::place(&a0, &a1, &a2, &a3, &mut quotas.inner)
        }})
        .map(|inner| {cls} {{ inner }})
    }}
''')
        elif kind == 'derive':
            W.append(f'''
    /// {doc}
    #[wasm_bindgen(js_name = {js_name})]
    pub fn {rust}(&self,{params}
    ) -> Result<{cls}, JsValue> {{
        let h = &self.inner;
        build(|| {{{conv}
            {call}
        }})
        .map(|inner| {cls} {{ inner }})
    }}
''')
        elif kind == 'other':
            W.append(f'''
    /// {doc}{wjsattr}
    pub fn {rust}(&self,{params}
    ) -> Result<{ret}, JsValue> {{
        let h = &self.inner;
        build(|| {{{conv}
            {call}
        }})
        .map(|inner| {ret} {{ inner }})
    }}
''')
        elif kind == 'refb':
            W.append(f'''
    /// {doc}{wjsattr}
    pub fn {rust}(&self) -> Vec<u8> {{
        let h = &self.inner;
        {call}
    }}
''')
        elif kind == 'refs':
            W.append(f'''
    /// {doc}{wjsattr}
    pub fn {rust}(&self) -> Result<String, JsValue> {{
        let h = &self.inner;
        build(|| {call})
    }}
''')
        elif kind == 'refv':
            W.append(f'''
    /// {doc}
    #[wasm_bindgen({jsn}unchecked_return_type = "{ret}")]
    pub fn {rust}(&self) -> JsValue {{
        let h = &self.inner;
        super::to_js(&{call})
    }}
''')
        else:
            mut = kind in ('mut', 'mut2')
            void = ret == 'void'
            attr = f'#[wasm_bindgen(js_name = {js_name})]' if void and jsn else ('' if void else f'#[wasm_bindgen({jsn}unchecked_return_type = "{ret}")]')
            W.append(f'''
    /// {doc}
    {attr}
    pub fn {rust}(&{'mut ' if mut else ''}self,{params}
    ) -> Result<{'()' if void else 'JsValue'}, JsValue> {{
        let h = &{'mut ' if mut else ''}self.inner;
        {'build' if void else 'run'}(|| {{{conv}{borrows}
            {call}{'.map(|_| ())' if void else ''}
        }})
    }}
''')
    W.append('}\n')

open(os.path.join(ROOT, 'bindings-wasm', 'src', 'ticketing.rs'), 'w').write(''.join(W))
