//! Lookup by ICCID or terminal serial when the list has no such product: a filter that matches
//! no loaded row but is a whole ICCID, a numeric serial or a product id asks every backend
//! (`products find`), so a SIM a listing does not return (Control Center lists only SIMs changed
//! in the last year; a listing may still be running or have failed) can still be found. One
//! result opens at once; several (the same SIM on a direct account and a CMO tenant) are shown.

use crate::domain::{BusinessId, Iccid, ProductId, ProductSummary, TerminalSerial};
use crate::ui::app::App;
use crate::ui::apply::open_detail;
use crate::ui::effect::Effect;
use crate::ui::msg::MsgResult;

/// What a filter text asks for, if it names one product: a product id, an ICCID (18–22 digits
/// from 89), or a numeric serial not starting like an ICCID. Words never do — "active" is a filter, not a lookup.
pub fn target(text: &str) -> Option<BusinessId> {
    let text = text.trim();
    // A product id with a numeric business id; "jasper-demo" (an account) stays a filter.
    if let Ok(id) = text.parse::<ProductId>()
        && id.business_id.len() >= 3
        && id.business_id.chars().all(|c| c.is_ascii_digit())
    {
        return Some(id.business());
    }
    if text.len() < 3 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match text.parse::<Iccid>() {
        Ok(iccid) => Some(BusinessId::Iccid(iccid)),
        // A partial ICCID ("8988…") is a filter, not a serial.
        Err(_) if text.len() < 18 && !text.starts_with("89") => {
            text.parse::<TerminalSerial>().ok().map(BusinessId::Serial)
        }
        Err(_) => None,
    }
}

/// The filter was applied: when it shows nothing and names a product, look it up.
pub fn on_filter_applied(app: &mut App) -> Vec<Effect> {
    if !app.visible.is_empty() {
        return Vec::new();
    }
    let Some(id) = target(app.filter.input.value()) else {
        return Vec::new();
    };
    app.set_info(&format!(
        "no loaded product matches; asking every backend for {id}…"
    ));
    vec![Effect::Find { id }]
}

/// The backends' answer: the products found join the list (one opens), or why none was.
pub fn on_found(
    app: &mut App,
    id: &BusinessId,
    result: MsgResult<Vec<ProductSummary>>,
) -> Vec<Effect> {
    let found = match result {
        Ok(found) if !found.is_empty() => found,
        Ok(_) => {
            app.set_error(&format!("{id} was not found on any backend"));
            return Vec::new();
        }
        Err(e) => {
            app.set_error(&format!("{id}: {}", crate::text::sanitize(&e)));
            return Vec::new();
        }
    };
    let accounts = found
        .iter()
        .map(|s| crate::text::sanitize(&s.related_party.name))
        .collect::<Vec<_>>()
        .join(", ");
    let first = found[0].id.clone();
    let several = found.len() > 1;
    app.upsert(found, true);
    app.refilter();
    app.set_info(&format!("{id} found on {accounts}"));
    if several {
        return Vec::new();
    }
    vec![open_detail(app, first)]
}

#[cfg(test)]
mod tests {
    use super::target;
    use crate::domain::BusinessId;

    #[test]
    fn only_a_whole_identifier_is_looked_up() {
        assert!(matches!(
            target("8988228066612345678"),
            Some(BusinessId::Iccid(_))
        ));
        assert!(matches!(
            target(" 1NCE-8988228066612345678 "),
            Some(BusinessId::Iccid(_))
        ));
        assert!(matches!(target("10002"), Some(BusinessId::Serial(_))));
        assert!(matches!(
            target("INTELSAT-10002"),
            Some(BusinessId::Serial(_))
        ));
        for filter in [
            "active",
            "89",
            "8988",
            "jasper-demo",
            "12345678901234567890123",
            "",
        ] {
            assert!(target(filter).is_none(), "{filter:?} looked up");
        }
    }
}
