//! Tickets and the ticket book (registry).

use super::types::check_text;
use super::{TicketType, TicketingError};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The state of a ticket.
///
/// `valid → checked_in ⇄ checked_out` (back to checked in only where the type allows re-entry);
/// `valid → transferred | cancelled | refunded`; `valid | checked_in | checked_out → revoked`.
/// `transferred`, `cancelled`, `refunded` and `revoked` are final and never admit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Issued, never used.
    Valid,
    /// Inside (checked in at a perimeter gate).
    CheckedIn,
    /// Left after checking in.
    CheckedOut,
    /// Given to a new holder: this ticket is void, a new ticket replaces it.
    Transferred,
    /// Cancelled before use.
    Cancelled,
    /// Refunded before use.
    Refunded,
    /// Revoked by the organiser (fraud, misconduct, chargeback).
    Revoked,
}

impl TicketState {
    /// The snake_case name (`checked_in`, ...), as used in errors and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Valid => "valid",
            TicketState::CheckedIn => "checked_in",
            TicketState::CheckedOut => "checked_out",
            TicketState::Transferred => "transferred",
            TicketState::Cancelled => "cancelled",
            TicketState::Refunded => "refunded",
            TicketState::Revoked => "revoked",
        }
    }

    /// True for the final states that never admit again.
    pub fn is_void(self) -> bool {
        matches!(self, TicketState::Transferred | TicketState::Cancelled | TicketState::Refunded | TicketState::Revoked)
    }
}

/// An event applied to a ticket with [`TicketBook::apply`] (transfers use [`TicketBook::transfer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketEvent {
    /// Enter (perimeter gate).
    CheckIn,
    /// Leave (perimeter gate).
    CheckOut,
    /// Cancel an unused ticket.
    Cancel,
    /// Refund an unused ticket.
    Refund,
    /// Revoke a ticket that is not yet void.
    Revoke,
}

impl TicketEvent {
    /// The snake_case name, as used in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketEvent::CheckIn => "check_in",
            TicketEvent::CheckOut => "check_out",
            TicketEvent::Cancel => "cancel",
            TicketEvent::Refund => "refund",
            TicketEvent::Revoke => "revoke",
        }
    }
}

/// A ticket. Public and serde so that other modules (offline reconciliation, access) and callers
/// can read and persist it; change it only through [`TicketBook`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Unique id (caller-given).
    pub id: Uuid,
    /// Unique human-facing number (caller-given, e.g. printed on the ticket).
    pub number: String,
    /// Its ticket type.
    pub ticket_type_id: Uuid,
    /// The order it was sold in, if any.
    pub order_id: Option<Uuid>,
    /// The holder's name or account reference.
    pub holder: String,
    /// Current state.
    pub state: TicketState,
    /// Id of the first ticket of its transfer chain (its own id if never transferred).
    pub lineage_id: Uuid,
    /// Transfers in the chain before this ticket was issued.
    pub transfers: u32,
    /// True once the ticket was ever checked in (a used ticket is never refunded or transferred).
    pub used: bool,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When its state last changed (issuance, check-in/out, cancel, refund, revoke, transfer).
    pub updated_at: Timestamp,
    /// When it was first checked in, if ever (for double-admission checks).
    pub first_checked_in_at: Option<Timestamp>,
    /// The ticket it replaced by transfer.
    pub replaces: Option<Uuid>,
    /// The ticket that replaced it by transfer.
    pub replaced_by: Option<Uuid>,
}

/// Caller-given identity of a ticket to issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// Unique id.
    pub id: Uuid,
    /// Unique number.
    pub number: String,
    /// Holder.
    pub holder: String,
}

/// A transfer request: the new ticket's id, number and holder.
pub type Transfer = NewTicket;

/// The registry of ticket types and tickets: issues tickets with unique ids and numbers and applies
/// the ticket state machine.
///
/// ```
/// use festival_core::ticketing::{NewTicket, TicketBook, TicketEvent, TicketState, TicketType};
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let mut book = TicketBook::new();
/// book.add_type(TicketType {
///     id: Uuid::from_u128(1), name: "Day".into(), price: Money::parse("50", Currency::iso("EUR")?)?,
///     capacity: 100, sale_from: t("2026-01-01T00:00:00Z"), sale_until: t("2026-07-04T00:00:00Z"),
///     valid_from: t("2026-07-04T00:00:00Z"), valid_until: t("2026-07-05T00:00:00Z"),
///     max_per_order: 4, zones: vec!["main".into()], reentry_allowed: false, transfer_limit: 1,
/// })?;
/// let spec = NewTicket { id: Uuid::from_u128(10), number: "A-0001".into(), holder: "Ada".into() };
/// book.issue(Uuid::from_u128(1), spec.clone(), None, t("2026-05-01T00:00:00Z"))?;
/// assert_eq!(book.issue(Uuid::from_u128(1), spec, None, t("2026-05-01T00:00:00Z")).unwrap_err().to_string(),
///            "duplicate id 00000000-0000-0000-0000-00000000000a");
/// let at = t("2026-07-04T12:00:00Z");
/// assert_eq!(book.apply(Uuid::from_u128(10), TicketEvent::CheckIn, at)?.state, TicketState::CheckedIn);
/// book.apply(Uuid::from_u128(10), TicketEvent::CheckOut, at)?;
/// assert_eq!(book.apply(Uuid::from_u128(10), TicketEvent::CheckIn, at).unwrap_err().to_string(),
///            "ticket 00000000-0000-0000-0000-00000000000a does not allow re-entry");
/// # Ok::<(), festival_core::Error>(())
/// ```
///
/// Deserialization (any serde path) checks the indexes with [`TicketBook::validate`];
/// [`TicketBook::from_json`] reports a failure as `TICKET_STATE_INVALID`, malformed JSON as
/// `INPUT_INVALID`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TicketBookRepr")]
pub struct TicketBook {
    types: BTreeMap<Uuid, TicketType>,
    tickets: BTreeMap<Uuid, Ticket>,
    numbers: BTreeMap<String, Uuid>,
}

/// The serde mirror of [`TicketBook`] (same fields, same JSON), checked by `TryFrom`.
#[derive(Deserialize)]
struct TicketBookRepr {
    types: BTreeMap<Uuid, TicketType>,
    tickets: BTreeMap<Uuid, Ticket>,
    numbers: BTreeMap<String, Uuid>,
}

impl TryFrom<TicketBookRepr> for TicketBook {
    type Error = TicketingError;

    fn try_from(r: TicketBookRepr) -> Result<TicketBook, TicketingError> {
        let book = TicketBook { types: r.types, tickets: r.tickets, numbers: r.numbers };
        book.validate()?;
        Ok(book)
    }
}

fn illegal(state: TicketState, event: &str) -> TicketingError {
    TicketingError::TicketIllegalTransition { state: state.as_str().into(), event: event.into() }
}

impl TicketBook {
    /// An empty book.
    pub fn new() -> TicketBook {
        TicketBook::default()
    }

    /// Adds a ticket type after [`TicketType::validate`]. Errors with `TICKET_DUPLICATE_ID` if the
    /// id is taken.
    pub fn add_type(&mut self, ticket_type: TicketType) -> Result<(), TicketingError> {
        ticket_type.validate()?;
        if self.types.contains_key(&ticket_type.id) {
            return Err(TicketingError::DuplicateTicketId { id: ticket_type.id });
        }
        self.types.insert(ticket_type.id, ticket_type);
        Ok(())
    }

    /// A ticket type by id.
    pub fn ticket_type(&self, id: Uuid) -> Result<&TicketType, TicketingError> {
        self.types.get(&id).ok_or(TicketingError::UnknownTicketType { ticket_type_id: id })
    }

    /// All ticket types, by id (what a shop lists; the JS and other bindings expose it).
    pub fn ticket_types(&self) -> impl Iterator<Item = &TicketType> {
        self.types.values()
    }

    /// A ticket by id.
    pub fn ticket(&self, id: Uuid) -> Result<&Ticket, TicketingError> {
        self.tickets.get(&id).ok_or(TicketingError::UnknownTicket { ticket_id: id })
    }

    /// A ticket by number.
    pub fn by_number(&self, number: &str) -> Option<&Ticket> {
        self.numbers.get(number).and_then(|id| self.tickets.get(id))
    }

    /// All tickets, by id.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    fn check_new(&self, spec: &NewTicket) -> Result<(), TicketingError> {
        check_text("number", &spec.number)?;
        check_text("holder", &spec.holder)?;
        if self.tickets.contains_key(&spec.id) {
            return Err(TicketingError::DuplicateTicketId { id: spec.id });
        }
        if self.numbers.contains_key(&spec.number) {
            return Err(TicketingError::DuplicateTicketNumber { number: spec.number.clone() });
        }
        Ok(())
    }

    fn insert(&mut self, ticket: Ticket) {
        self.numbers.insert(ticket.number.clone(), ticket.id);
        self.tickets.insert(ticket.id, ticket);
    }

    /// Checks stored state (run by every deserialization), naming the first broken rule with
    /// `TICKET_STATE_INVALID`: every type and ticket filed under its own id, every ticket of a type
    /// in the book, and the number index exactly the tickets' numbers, each to its ticket.
    pub fn validate(&self) -> Result<(), TicketingError> {
        let bad = |reason: String| Err(TicketingError::TicketStateInvalid { reason });
        if let Some((key, ty)) = self.types.iter().find(|(key, ty)| **key != ty.id) {
            return bad(format!("ticket type {} is filed under {key}", ty.id));
        }
        for (key, t) in &self.tickets {
            if *key != t.id {
                return bad(format!("ticket {} is filed under {key}", t.id));
            }
            if !self.types.contains_key(&t.ticket_type_id) {
                return bad(format!("ticket {} is of the unknown type {}", t.id, t.ticket_type_id));
            }
            if self.numbers.get(&t.number) != Some(&t.id) {
                return bad(format!("ticket {} is not indexed by its number", t.id));
            }
        }
        if self.numbers.len() != self.tickets.len() {
            return bad("the number index lists numbers of no ticket".into());
        }
        Ok(())
    }

    /// Reads stored state written by [`TicketBook::to_json`] (or any serde JSON of a book). Errors:
    /// malformed JSON or a wrong shape (`INPUT_INVALID`, field `state`), inconsistent indexes
    /// (`TICKET_STATE_INVALID`, see [`TicketBook::validate`]).
    pub fn from_json(text: &str) -> Result<TicketBook, crate::Error> {
        super::state_from_json::<TicketBookRepr, _, _>(text)
    }

    /// The core's JSON of this book (the serde form, byte-identical to `serde_json::to_string`).
    pub fn to_json(&self) -> Result<String, crate::Error> {
        super::state_to_json(self)
    }

    /// Issues one valid ticket of type `ticket_type_id`. Errors: unknown type, empty/long number or
    /// holder (`TICKET_INVALID`), id or number already in the book.
    pub fn issue(
        &mut self,
        ticket_type_id: Uuid,
        spec: NewTicket,
        order_id: Option<Uuid>,
        at: Timestamp,
    ) -> Result<Ticket, TicketingError> {
        self.issue_all(ticket_type_id, vec![spec], order_id, at)?
            .pop()
            .ok_or(TicketingError::TicketInvalid { field: "tickets".into(), reason: "nothing issued".into() })
    }

    /// Issues several tickets at once: all or none (ids and numbers must also differ among themselves).
    pub fn issue_all(
        &mut self,
        ticket_type_id: Uuid,
        specs: Vec<NewTicket>,
        order_id: Option<Uuid>,
        at: Timestamp,
    ) -> Result<Vec<Ticket>, TicketingError> {
        self.ticket_type(ticket_type_id)?;
        for (i, spec) in specs.iter().enumerate() {
            self.check_new(spec)?;
            let earlier = specs.get(..i).unwrap_or_default();
            if earlier.iter().any(|s| s.id == spec.id) {
                return Err(TicketingError::DuplicateTicketId { id: spec.id });
            }
            if earlier.iter().any(|s| s.number == spec.number) {
                return Err(TicketingError::DuplicateTicketNumber { number: spec.number.clone() });
            }
        }
        let issued: Vec<Ticket> = specs
            .into_iter()
            .map(|s| Ticket {
                id: s.id,
                number: s.number,
                ticket_type_id,
                order_id,
                holder: s.holder,
                state: TicketState::Valid,
                lineage_id: s.id,
                transfers: 0,
                used: false,
                issued_at: at,
                updated_at: at,
                first_checked_in_at: None,
                replaces: None,
                replaced_by: None,
            })
            .collect();
        for t in &issued {
            self.insert(t.clone());
        }
        Ok(issued)
    }

    /// Issues several batches `(ticket type, tickets)` for one order, all or none: every type,
    /// id and number across all batches is checked before the first ticket is issued.
    pub(crate) fn issue_batches(
        &mut self,
        batches: Vec<(Uuid, Vec<NewTicket>)>,
        order_id: Option<Uuid>,
        at: Timestamp,
    ) -> Result<Vec<Vec<Ticket>>, TicketingError> {
        let mut ids = std::collections::BTreeSet::new();
        let mut numbers = std::collections::BTreeSet::new();
        for (ty, specs) in &batches {
            self.ticket_type(*ty)?;
            for spec in specs {
                self.check_new(spec)?;
                if !ids.insert(spec.id) {
                    return Err(TicketingError::DuplicateTicketId { id: spec.id });
                }
                if !numbers.insert(spec.number.as_str()) {
                    return Err(TicketingError::DuplicateTicketNumber { number: spec.number.clone() });
                }
            }
        }
        batches.into_iter().map(|(ty, specs)| self.issue_all(ty, specs, order_id, at)).collect()
    }

    /// The state `event` would move ticket `ticket_id` to, without changing anything.
    pub fn next_state(&self, ticket_id: Uuid, event: TicketEvent) -> Result<TicketState, TicketingError> {
        let ticket = self.ticket(ticket_id)?;
        let ty = self.ticket_type(ticket.ticket_type_id)?;
        use TicketEvent as E;
        use TicketState as S;
        match (ticket.state, event) {
            (S::Valid, E::CheckIn) => Ok(S::CheckedIn),
            (S::CheckedOut, E::CheckIn) if ty.reentry_allowed => Ok(S::CheckedIn),
            (S::CheckedOut, E::CheckIn) => Err(TicketingError::ReentryNotAllowed { ticket_id }),
            (S::CheckedIn, E::CheckOut) => Ok(S::CheckedOut),
            (S::Valid, E::Cancel) => Ok(S::Cancelled),
            (S::Valid, E::Refund) => Ok(S::Refunded),
            (S::CheckedIn | S::CheckedOut, E::Refund) => {
                Err(TicketingError::TicketAlreadyUsed { ticket_id, event: event.as_str().into() })
            }
            (S::Valid | S::CheckedIn | S::CheckedOut, E::Revoke) => Ok(S::Revoked),
            (state, event) => Err(illegal(state, event.as_str())),
        }
    }

    /// Applies `event` at `at` and returns the updated ticket. Errors name the state and the event
    /// (`TICKET_ILLEGAL_TRANSITION`), or say why (`TICKET_REENTRY_NOT_ALLOWED`, `TICKET_ALREADY_USED`).
    /// Validity windows and zones are the access module's concern, not this state machine's.
    pub fn apply(&mut self, ticket_id: Uuid, event: TicketEvent, at: Timestamp) -> Result<Ticket, TicketingError> {
        let next = self.next_state(ticket_id, event)?;
        let ticket = self.tickets.get_mut(&ticket_id).ok_or(TicketingError::UnknownTicket { ticket_id })?;
        ticket.state = next;
        ticket.updated_at = at;
        if next == TicketState::CheckedIn {
            ticket.used = true;
            ticket.first_checked_in_at.get_or_insert(at);
        }
        Ok(ticket.clone())
    }

    /// Undoes the check-in of a checked-in ticket (its entry was annulled at the gate, see
    /// [`crate::access::AccessControl::annul`]): back to valid and unused if it was the `first`
    /// check-in, otherwise checked out. Errors: unknown ticket, a ticket that is not checked in
    /// (`TICKET_ILLEGAL_TRANSITION`).
    pub fn annul_check_in(&mut self, ticket_id: Uuid, first: bool, at: Timestamp) -> Result<Ticket, TicketingError> {
        let ticket = self.tickets.get_mut(&ticket_id).ok_or(TicketingError::UnknownTicket { ticket_id })?;
        if ticket.state != TicketState::CheckedIn {
            return Err(illegal(ticket.state, "annul_check_in"));
        }
        if first {
            ticket.state = TicketState::Valid;
            ticket.used = false;
            ticket.first_checked_in_at = None;
        } else {
            ticket.state = TicketState::CheckedOut;
        }
        ticket.updated_at = at;
        Ok(ticket.clone())
    }

    /// Transfers a valid, never-used ticket to a new holder: the old ticket becomes `transferred`
    /// (void) and a new valid ticket with the given id, number and holder replaces it, in the same
    /// lineage. Errors: used ticket (`TICKET_ALREADY_USED`), the lineage reached the type's
    /// transfer limit (`TICKET_TRANSFER_LIMIT_REACHED`), other states (`TICKET_ILLEGAL_TRANSITION`),
    /// duplicate id or number of the new ticket.
    pub fn transfer(&mut self, ticket_id: Uuid, to: Transfer, at: Timestamp) -> Result<Ticket, TicketingError> {
        let old = self.ticket(ticket_id)?.clone();
        let ty = self.ticket_type(old.ticket_type_id)?;
        match old.state {
            TicketState::Valid => {}
            TicketState::CheckedIn | TicketState::CheckedOut => {
                return Err(TicketingError::TicketAlreadyUsed { ticket_id, event: "transfer".into() })
            }
            state => return Err(illegal(state, "transfer")),
        }
        if old.transfers >= ty.transfer_limit {
            return Err(TicketingError::TransferLimitReached { ticket_id, limit: ty.transfer_limit });
        }
        self.check_new(&to)?;
        let new = Ticket {
            id: to.id,
            number: to.number,
            ticket_type_id: old.ticket_type_id,
            order_id: old.order_id,
            holder: to.holder,
            state: TicketState::Valid,
            lineage_id: old.lineage_id,
            transfers: old.transfers.saturating_add(1),
            used: false,
            issued_at: at,
            updated_at: at,
            first_checked_in_at: None,
            replaces: Some(old.id),
            replaced_by: None,
        };
        if let Some(t) = self.tickets.get_mut(&ticket_id) {
            t.state = TicketState::Transferred;
            t.replaced_by = Some(new.id);
            t.updated_at = at;
        }
        self.insert(new.clone());
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::{day_pass, ts};
    use super::*;
    use crate::error::ErrorCode;

    fn spec(n: u128) -> NewTicket {
        NewTicket { id: Uuid::from_u128(n), number: format!("T-{n}"), holder: format!("holder {n}") }
    }

    fn book(reentry: bool, transfer_limit: u32) -> TicketBook {
        let mut b = TicketBook::new();
        b.add_type(TicketType { reentry_allowed: reentry, transfer_limit, ..day_pass() }).unwrap();
        b.issue(day_pass().id, spec(100), None, ts("2026-05-01T00:00:00Z")).unwrap();
        b
    }

    const AT: &str = "2026-07-04T12:00:00Z";

    #[test]
    fn ticket_types_lists_every_type_by_id() {
        let mut b = book(false, 0);
        b.add_type(TicketType { id: Uuid::from_u128(0), name: "Early".into(), ..day_pass() }).unwrap();
        let ids: Vec<Uuid> = b.ticket_types().map(|t| t.id).collect();
        assert_eq!(ids, [Uuid::from_u128(0), day_pass().id]);
        assert_eq!(TicketBook::new().ticket_types().count(), 0);
    }

    #[test]
    fn reentry_only_where_allowed() {
        let id = Uuid::from_u128(100);
        for (reentry, expected) in [(true, Ok(TicketState::CheckedIn)), (false, Err("TICKET_REENTRY_NOT_ALLOWED"))] {
            let mut b = book(reentry, 0);
            b.apply(id, TicketEvent::CheckIn, ts(AT)).unwrap();
            assert_eq!(
                b.apply(id, TicketEvent::CheckIn, ts(AT)).unwrap_err(),
                illegal(TicketState::CheckedIn, "check_in")
            );
            b.apply(id, TicketEvent::CheckOut, ts(AT)).unwrap();
            let r = b.apply(id, TicketEvent::CheckIn, ts(AT)).map(|t| t.state).map_err(|e| e.code());
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn used_tickets_cannot_be_refunded_or_transferred() {
        let id = Uuid::from_u128(100);
        let mut b = book(true, 3);
        b.apply(id, TicketEvent::CheckIn, ts(AT)).unwrap();
        assert_eq!(b.apply(id, TicketEvent::Refund, ts(AT)).unwrap_err().code(), "TICKET_ALREADY_USED");
        b.apply(id, TicketEvent::CheckOut, ts(AT)).unwrap();
        assert_eq!(
            b.transfer(id, spec(101), ts(AT)).unwrap_err(),
            TicketingError::TicketAlreadyUsed { ticket_id: id, event: "transfer".into() }
        );
        assert_eq!(b.apply(id, TicketEvent::Cancel, ts(AT)).unwrap_err(), illegal(TicketState::CheckedOut, "cancel"));
        assert!(b.ticket(id).unwrap().used);
        assert_eq!(b.ticket(id).unwrap().first_checked_in_at, Some(ts(AT)));
        assert_eq!(b.apply(id, TicketEvent::Revoke, ts(AT)).unwrap().state, TicketState::Revoked);
        assert_eq!(b.apply(id, TicketEvent::CheckIn, ts(AT)).unwrap_err(), illegal(TicketState::Revoked, "check_in"));
    }

    #[test]
    fn transfers_respect_the_lineage_limit() {
        let mut b = book(false, 2);
        let first = b.transfer(Uuid::from_u128(100), spec(101), ts(AT)).unwrap();
        assert_eq!((first.lineage_id, first.transfers), (Uuid::from_u128(100), 1));
        assert_eq!(b.ticket(Uuid::from_u128(100)).unwrap().state, TicketState::Transferred);
        assert_eq!(
            b.apply(Uuid::from_u128(100), TicketEvent::CheckIn, ts(AT)).unwrap_err().code(),
            "TICKET_ILLEGAL_TRANSITION"
        );
        assert_eq!(
            b.transfer(Uuid::from_u128(100), spec(109), ts(AT)).unwrap_err(),
            illegal(TicketState::Transferred, "transfer")
        );
        b.transfer(Uuid::from_u128(101), spec(102), ts(AT)).unwrap();
        assert_eq!(
            b.transfer(Uuid::from_u128(102), spec(103), ts(AT)).unwrap_err(),
            TicketingError::TransferLimitReached { ticket_id: Uuid::from_u128(102), limit: 2 }
        );
        // Duplicate number of the new ticket: nothing changes.
        let mut b = book(false, 2);
        let dup = NewTicket { number: "T-100".into(), ..spec(101) };
        assert_eq!(b.transfer(Uuid::from_u128(100), dup, ts(AT)).unwrap_err().code(), "TICKET_DUPLICATE_NUMBER");
        assert_eq!(b.ticket(Uuid::from_u128(100)).unwrap().state, TicketState::Valid);
    }

    #[test]
    fn issuance_rejects_duplicates_atomically() {
        let mut b = book(false, 0);
        let ty = day_pass().id;
        let at = ts(AT);
        assert_eq!(b.issue(ty, spec(100), None, at).unwrap_err().code(), "TICKET_DUPLICATE_ID");
        let same_number = NewTicket { number: "T-5".into(), ..spec(6) };
        assert_eq!(
            b.issue_all(ty, vec![spec(5), same_number], None, at).unwrap_err().code(),
            "TICKET_DUPLICATE_NUMBER"
        );
        assert!(b.ticket(Uuid::from_u128(5)).is_err(), "all or none");
        assert_eq!(b.issue(Uuid::from_u128(9), spec(7), None, at).unwrap_err().code(), "TICKET_UNKNOWN_TYPE");
        let blank = NewTicket { holder: "".into(), ..spec(8) };
        assert_eq!(b.issue(ty, blank, None, at).unwrap_err().code(), "TICKET_INVALID");
        assert_eq!(b.by_number("T-100").map(|t| t.id), Some(Uuid::from_u128(100)));
        assert_eq!(b.add_type(day_pass()).unwrap_err().code(), "TICKET_DUPLICATE_ID");
        assert_eq!(b.apply(Uuid::from_u128(77), TicketEvent::CheckIn, at).unwrap_err().code(), "TICKET_UNKNOWN");
        assert_eq!(b.apply(Uuid::from_u128(100), TicketEvent::Cancel, at).unwrap().state, TicketState::Cancelled);
        assert_eq!(
            b.apply(Uuid::from_u128(100), TicketEvent::Refund, at).unwrap_err(),
            illegal(TicketState::Cancelled, "refund")
        );
    }
    fn tampered(b: &TicketBook, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = serde_json::to_value(b).unwrap();
        edit(&mut v);
        v.to_string()
    }

    fn state_error(text: &str) -> String {
        let e = TicketBook::from_json(text).unwrap_err();
        assert_eq!(e.code(), "TICKET_STATE_INVALID", "{e}");
        assert!(serde_json::from_str::<TicketBook>(text).is_err(), "plain serde must reject it too");
        e.to_string()
    }

    #[test]
    fn stored_book_round_trips_byte_identical() {
        let mut b = book(true, 1);
        b.issue(day_pass().id, spec(101), None, ts(AT)).unwrap();
        b.transfer(Uuid::from_u128(101), spec(102), ts(AT)).unwrap();
        b.apply(Uuid::from_u128(100), TicketEvent::CheckIn, ts(AT)).unwrap();
        let text = b.to_json().unwrap();
        assert_eq!(text, serde_json::to_string(&b).unwrap());
        let back = TicketBook::from_json(&text).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.to_json().unwrap(), text);
        assert_eq!(TicketBook::from_json("nope").unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(TicketBook::from_json("{}").unwrap_err().code(), "INPUT_INVALID");
    }

    #[test]
    fn inconsistent_books_are_rejected_with_a_reason() {
        let mut b = book(false, 0);
        b.issue(day_pass().id, spec(101), None, ts(AT)).unwrap();
        let t100 = Uuid::from_u128(100).to_string();
        let t101 = Uuid::from_u128(101).to_string();
        let ty = day_pass().id.to_string();
        let other = Uuid::from_u128(9).to_string();

        let e = state_error(&tampered(&b, |v| v["numbers"]["T-100"] = t101.clone().into()));
        assert!(e.contains("is not indexed by its number"), "{e}");
        let e = state_error(&tampered(&b, |v| v["numbers"]["T-999"] = t101.clone().into()));
        assert!(e.contains("numbers of no ticket"), "{e}");
        let e = state_error(&tampered(&b, |v| {
            let t = v["tickets"][&t100].take();
            v["tickets"][&other] = t;
            v["tickets"].as_object_mut().unwrap().remove(&t100);
        }));
        assert!(e.contains("is filed under"), "{e}");
        let e = state_error(&tampered(&b, |v| {
            let t = v["types"][&ty].take();
            v["types"] = serde_json::json!({ other.clone(): t });
        }));
        assert!(e.contains("ticket type") && e.contains("is filed under"), "{e}");
        let e = state_error(&tampered(&b, |v| v["types"] = serde_json::json!({})));
        assert!(e.contains("unknown type"), "{e}");
    }
}

#[cfg(test)]
mod proptests {
    use super::super::types::tests::{day_pass, ts};
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every book reached by any sequence of issues, events and transfers (failures included)
        /// is valid stored state: serialize then deserialize is the identity.
        #[test]
        fn stored_book_round_trip_is_identity(ops in prop::collection::vec((0u8..7, 0u128..6), 0..30)) {
            let mut b = TicketBook::new();
            b.add_type(TicketType { reentry_allowed: true, transfer_limit: 2, ..day_pass() }).unwrap();
            let at = ts("2026-07-04T12:00:00Z");
            let mut fresh = 100u128;
            for (kind, n) in ops {
                let id = Uuid::from_u128(n);
                fresh += 1;
                let spec = NewTicket { id: Uuid::from_u128(fresh), number: format!("N{}", fresh % 9), holder: "H".into() };
                let _ = match kind {
                    0 => b.issue(day_pass().id, NewTicket { id, ..spec }, None, at),
                    1 => b.apply(id, TicketEvent::CheckIn, at),
                    2 => b.apply(id, TicketEvent::CheckOut, at),
                    3 => b.apply(id, TicketEvent::Cancel, at),
                    4 => b.apply(id, TicketEvent::Refund, at),
                    5 => b.apply(id, TicketEvent::Revoke, at),
                    _ => b.transfer(id, spec, at),
                };
                let text = b.to_json().unwrap();
                let back = TicketBook::from_json(&text).unwrap();
                prop_assert_eq!(&back, &b);
                prop_assert_eq!(back.to_json().unwrap(), text);
            }
        }
    }
}
