//! The consent ledger (P10, P22): consents given or withdrawn in one step each, recorded with their
//! proof (when, where, how, under which policy version), append-only. Only purposes whose legal
//! basis is consent can be consented to; withdrawing is exactly as easy as giving.

use luxevault_core::policy::LegalBasis;
use luxevault_storage::{ConsentRecord, Consents, NewConsent};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;

/// Whether `purpose` is one the policy bases on consent.
pub fn is_consent_purpose(shop: &Shop, purpose: &str) -> bool {
    shop.policy().policy.purposes.iter().any(|p| p.id == purpose && p.legal_basis == LegalBasis::Consent)
}

/// Records a consent given or withdrawn, under the policy version in force. `source` is where
/// the person acted (a path of the shop, no personal data), `method` how (`checkbox`, `api`).
pub async fn record(
    shop: &Shop,
    customer: Uuid,
    purpose: &str,
    granted: bool,
    source: &str,
    method: &str,
) -> Result<(), ShopError> {
    if !is_consent_purpose(shop, purpose) {
        return Err(ShopError::invalid(
            "not_a_consent_purpose",
            "This purpose does not rest on consent; see the privacy policy for its legal basis.",
        ));
    }
    let source = source.trim();
    let source_ok = source.starts_with('/') && source.len() <= 200 && !source.contains(['?', '#', ' ']);
    if !source_ok {
        return Err(ShopError::invalid("invalid_source", "source must be a path of the shop, e.g. /account."));
    }
    let consent = NewConsent {
        holder: customer,
        purpose,
        granted,
        policy_version: &shop.policy().policy.version,
        source,
        method,
    };
    Consents::record(shop.db(), &consent, shop.clock().now()).await?;
    Ok(())
}

/// The customer's ledger: the state of each consent purpose, and every record behind it.
pub async fn ledger(shop: &Shop, customer: Uuid) -> Result<(Vec<(String, bool)>, Vec<ConsentRecord>), ShopError> {
    let records = Consents::of_customer(shop.db(), customer).await?;
    let mut current = Vec::new();
    for purpose in shop.policy().policy.purposes.iter().filter(|p| p.legal_basis == LegalBasis::Consent) {
        current.push((purpose.id.clone(), Consents::is_granted(shop.db(), customer, &purpose.id).await?));
    }
    Ok((current, records))
}
