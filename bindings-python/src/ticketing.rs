//! Ticket inventory with holds (sold + live holds never exceed capacity).

use crate::convert::{timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::CoreResult;
use festival_core::ticketing::{Hold, Inventory};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A seat hold.
#[pyclass(frozen, module = "festival_core", name = "Hold")]
pub struct PyHold {
    inner: Hold,
}

#[pymethods]
impl PyHold {
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id)
    }

    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity
    }

    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.created_at)
    }

    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.expires_at)
    }

    /// `held`, `confirmed`, `released` or `expired`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state.as_str()
    }

    fn __repr__(&self) -> String {
        format!(
            "Hold(id=UUID('{}'), quantity={}, expires_at='{}', state='{}')",
            self.inner.id,
            self.inner.quantity,
            self.inner.expires_at,
            self.inner.state.as_str()
        )
    }
}

/// Seats of one ticket type: reserve (hold with expiry), confirm, release, expire.
#[pyclass(module = "festival_core", name = "Inventory")]
pub struct PyInventory {
    inner: Inventory,
}

#[pymethods]
impl PyInventory {
    #[new]
    fn new(ticket_type_id: &Bound<'_, PyAny>, capacity: u32) -> PyResult<Self> {
        Ok(PyInventory { inner: Inventory::new(uuid_from_py("ticket_type_id", ticket_type_id)?, capacity) })
    }

    /// Holds `quantity` seats until `expires_at` (`INVENTORY_SOLD_OUT` says how many are left).
    fn reserve(
        &mut self,
        py: Python<'_>,
        hold_id: &Bound<'_, PyAny>,
        quantity: u32,
        now: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
    ) -> PyResult<PyHold> {
        let h = self
            .inner
            .reserve(
                uuid_from_py("hold_id", hold_id)?,
                quantity,
                timestamp_from_py("now", now)?,
                timestamp_from_py("expires_at", expires_at)?,
            )
            .py(py)?;
        Ok(PyHold { inner: h })
    }

    /// Turns a live hold into sold seats.
    fn confirm(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<PyHold> {
        let h = self.inner.confirm(uuid_from_py("hold_id", hold_id)?, timestamp_from_py("now", now)?).py(py)?;
        Ok(PyHold { inner: h })
    }

    /// Gives a live hold's seats back.
    fn release(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>) -> PyResult<PyHold> {
        Ok(PyHold { inner: self.inner.release(uuid_from_py("hold_id", hold_id)?).py(py)? })
    }

    /// Expires every hold whose expiry is at or before `now`; returns them.
    fn expire(&mut self, now: &Bound<'_, PyAny>) -> PyResult<Vec<PyHold>> {
        Ok(self.inner.expire(timestamp_from_py("now", now)?).into_iter().map(|h| PyHold { inner: h }).collect())
    }

    /// Seats available at `now`.
    fn available(&self, now: &Bound<'_, PyAny>) -> PyResult<u32> {
        Ok(self.inner.available(timestamp_from_py("now", now)?))
    }

    /// `{"capacity", "sold", "held", "available"}` at `now`.
    fn counts<'py>(&self, py: Python<'py>, now: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.counts(timestamp_from_py("now", now)?);
        let d = PyDict::new(py);
        d.set_item("capacity", c.capacity)?;
        d.set_item("sold", c.sold)?;
        d.set_item("held", c.held)?;
        d.set_item("available", c.available)?;
        Ok(d)
    }

    #[getter]
    fn capacity(&self) -> u32 {
        self.inner.capacity()
    }

    #[getter]
    fn sold(&self) -> u32 {
        self.inner.sold()
    }

    fn __repr__(&self) -> String {
        format!(
            "Inventory(ticket_type_id=UUID('{}'), capacity={}, sold={})",
            self.inner.ticket_type_id(),
            self.inner.capacity(),
            self.inner.sold()
        )
    }
}
