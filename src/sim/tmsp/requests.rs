//! Asynchronous change requests of the simulated portal: status changes and characteristics
//! changes are accepted with 202 and a request id, stay `InProgress` for `async_delay`, then
//! settle to `Completed` (the change is applied) or `InError` (a tariff or SIM rule refused it).
//! Pending requests can be cancelled (`Cancelled`); finished ones cannot.
//!
//! Settling is lazy: every API call first settles the requests that are due, so results never
//! depend on a background task's timing.

use super::inventory::{self, SimRecord};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What a request asks for.
#[derive(Debug, Clone)]
pub enum Change {
    Status {
        target: String,
    },
    Characteristics {
        product_offering: Option<String>,
        related_party: Option<String>,
        sim_profile: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestError {
    pub code: &'static str,
    pub message: String,
}

/// The wire form of a request (`GET …/requests/{id}`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    pub request_id: String,
    pub request_type: &'static str,
    pub iccid: String,
    pub state: &'static str,
    pub created_at: String,
    pub updated_at: String,
    /// The requested values: `targetStatus`, or the characteristics being changed.
    pub details: serde_json::Value,
    pub error: Option<RequestError>,
}

#[derive(Debug)]
pub struct Request {
    pub id: String,
    pub iccid: String,
    pub change: Change,
    pub state: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub due: Instant,
    pub error: Option<RequestError>,
}

impl Request {
    pub fn new(id: String, iccid: String, change: Change, delay: Duration) -> Self {
        let now = now_rfc3339();
        Request {
            id,
            iccid,
            change,
            state: "InProgress",
            created_at: now.clone(),
            updated_at: now,
            due: Instant::now() + delay,
            error: None,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.state == "InProgress"
    }

    pub fn view(&self) -> RequestView {
        let (request_type, details) = match &self.change {
            Change::Status { target } => (
                "STATUS_CHANGE",
                serde_json::json!({ "targetStatus": target }),
            ),
            Change::Characteristics {
                product_offering,
                related_party,
                sim_profile,
            } => (
                "CHARACTERISTICS_CHANGE",
                serde_json::json!({
                    "productOffering": product_offering,
                    "relatedParty": related_party,
                    "simProfile": sim_profile,
                }),
            ),
        };
        RequestView {
            request_id: self.id.clone(),
            request_type,
            iccid: self.iccid.clone(),
            state: self.state,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            details,
            error: self.error.clone(),
        }
    }

    pub fn cancel(&mut self) {
        self.state = "Cancelled";
        self.updated_at = now_rfc3339();
    }

    /// Finish the request against its SIM: apply the change, or record why it was refused.
    pub fn settle(&mut self, sim: Option<&mut SimRecord>) {
        self.updated_at = now_rfc3339();
        let Some(sim) = sim else {
            self.fail(
                "SIM_NOT_FOUND",
                format!("SIM {} no longer exists", self.iccid),
            );
            return;
        };
        match &self.change {
            Change::Status { target } => {
                let tariff = inventory::offering(&sim.product_offering);
                if target == "Suspended" && tariff.is_some_and(|o| !o.allows_suspension) {
                    self.fail(
                        "TARIFF_RULE_VIOLATION",
                        format!(
                            "tariff '{}' does not allow the status Suspended",
                            sim.product_offering
                        ),
                    );
                    return;
                }
                sim.status = target.clone();
                sim.last_status_change = self.updated_at.clone();
                if sim.activation_date.is_none() && matches!(target.as_str(), "Productive" | "Test")
                {
                    sim.activation_date = Some(self.updated_at.clone());
                }
            }
            Change::Characteristics {
                product_offering,
                related_party,
                sim_profile,
            } => {
                if sim_profile.is_some() && sim.eid.is_none() {
                    self.fail(
                        "PROFILE_SWITCH_NOT_POSSIBLE",
                        "the SIM is not an eUICC (no eID); its SIM profile cannot be switched"
                            .to_string(),
                    );
                    return;
                }
                if let Some(o) = product_offering {
                    sim.product_offering = o.clone();
                    sim.tariff = format!("DT M2M {o}");
                }
                if let Some(p) = related_party {
                    sim.related_party = p.clone();
                }
                if let Some(p) = sim_profile {
                    sim.sim_profile = p.clone();
                }
            }
        }
        self.state = "Completed";
    }

    fn fail(&mut self, code: &'static str, message: String) {
        self.state = "InError";
        self.error = Some(RequestError { code, message });
    }
}

/// The portal's own rules for customer-requested status changes, native → native. Broader than
/// what the CMO exposes (e.g. Productive ↔ Test); `Deleted` and `Undefined` are dead ends.
pub fn transition_allowed(from: &str, to: &str) -> bool {
    let active = |s: &str| matches!(s, "Productive" | "Test");
    let blocked = |s: &str| s.starts_with("Blocked");
    match to {
        "Productive" | "Test" => {
            matches!(
                from,
                "Ordered" | "Ordered for Stock" | "On Stock" | "Delivered" | "Suspended"
            ) || blocked(from)
                || from == "Terminated"
                || (active(from) && from != to)
        }
        "Suspended" => active(from),
        t if blocked(t) => active(from),
        "Terminated" => active(from) || from == "Suspended" || blocked(from),
        _ => false,
    }
}

/// Statuses a customer may request (the others are set by the portal itself).
pub fn settable(status: &str) -> bool {
    matches!(
        status,
        "Productive"
            | "Test"
            | "Suspended"
            | "Blocked(manually)"
            | "Blocked(automatically)"
            | "Blocked(by operator)"
            | "Terminated"
    )
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_rules_allow_reactivation_and_refuse_dead_ends() {
        assert!(transition_allowed("Terminated", "Productive"));
        assert!(transition_allowed("Blocked(by operator)", "Productive"));
        assert!(transition_allowed("Productive", "Blocked(manually)"));
        assert!(!transition_allowed("Deleted", "Productive"));
        assert!(!transition_allowed("Suspended", "Blocked(manually)"));
        assert!(!transition_allowed("Productive", "Productive"));
        assert!(!settable("Deleted"));
    }
}
