//! The boutique's staff: roles and what each may see and do (least privilege, P18).
//!
//! The matrix lives here, as data, so that the web edge asks one question per route
//! (`role.allows(Permission::…)`) and a test can walk every cell.

use serde::{Deserialize, Serialize};

/// A staff member's role. One per person; the owner can change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Manager,
    Associate,
    Fulfilment,
    Accountant,
    PrivacyOfficer,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Owner, Role::Manager, Role::Associate, Role::Fulfilment, Role::Accountant, Role::PrivacyOfficer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Associate => "associate",
            Role::Fulfilment => "fulfilment",
            Role::Accountant => "accountant",
            Role::PrivacyOfficer => "privacy_officer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How the role reads in the back office.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Manager => "Manager",
            Role::Associate => "Boutique associate",
            Role::Fulfilment => "Fulfilment",
            Role::Accountant => "Accountant",
            Role::PrivacyOfficer => "Privacy officer",
        }
    }

    /// Whether this role may do `permission`. Deny unless the matrix says yes.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Owner => true,
            // The manager may correct a customer's contact (Art. 16): running the shop includes
            // putting a wrong phone number or a misspelt name right when the client asks.
            Role::Manager => !matches!(
                permission,
                P::ManageStaff | P::ViewAudit | P::HandlePrivacyRequests | P::EraseCustomerData | P::ViewBreachRegister
            ),
            // Serves clients in the boutique: their contact, messages and fittings; no money.
            Role::Associate => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewOrders
                    | P::ViewCustomers
                    | P::ViewCustomerContact
                    | P::ViewShippingAddress
                    | P::ViewCustomerMessages
                    | P::ViewFittingNotes
                    | P::ViewSizing
                    | P::EditSizing
                    | P::ViewCatalog
            ),
            // Packs and ships: the parcel's recipient (name, phone for the carrier, address) and
            // nothing about the person beyond it (M5): no email, payments, messages or profile.
            Role::Fulfilment => {
                matches!(permission, P::ViewOrders | P::ViewShippingAddress | P::FulfilOrders | P::ViewCatalog)
            }
            // Books: invoices, payments, refunds; no messages, fittings or addresses.
            Role::Accountant => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewOrders
                    | P::ViewPayments
                    | P::ViewInvoices
                    | P::RefundOrders
                    | P::ExportOrders
            ),
            // Answers rights requests: needs the person's data to find and verify them.
            Role::PrivacyOfficer => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewOrders
                    | P::ViewCustomers
                    | P::ViewCustomerContact
                    | P::ViewShippingAddress
                    | P::ViewCustomerMessages
                    | P::ViewFittingNotes
                    // Reads sizing profiles (audited like every read) to answer access and
                    // rectification requests: to check what the copy hands over and what the
                    // person says is wrong. Never edits them: associates correct a profile.
                    | P::ViewSizing
                    | P::HandlePrivacyRequests
                    | P::ExportCustomerData
                    | P::EraseCustomerData
                    | P::CorrectCustomerData
                    | P::ViewConsents
                    | P::ViewRetention
                    | P::ViewAudit
                    | P::ViewBreachRegister
            ),
        }
    }

    /// Everything the role may do, for the staff page's matrix.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|p| self.allows(*p)).collect()
    }
}

/// One protected thing a route reads or does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewDashboard,
    ViewOrders,
    /// Capture, cancel: moves of an order other than fulfilment and refund.
    ManageOrders,
    FulfilOrders,
    RefundOrders,
    /// The orders list as a CSV file, for the books.
    ExportOrders,
    ViewPayments,
    ViewInvoices,
    ViewCustomers,
    /// Name, email, phone of a customer.
    ViewCustomerContact,
    /// The parcel's recipient: the name, phone and delivery address a carrier's label needs
    /// (M5), never the email or anything else about the person.
    ViewShippingAddress,
    /// Communication records: the emails and messages exchanged with a customer.
    ViewCustomerMessages,
    ViewFittingNotes,
    /// A client's sizing profile and the alterations of their pieces (fitting and sizing data).
    ViewSizing,
    /// Edit a sizing profile, record a visit; open and move alterations.
    EditSizing,
    ViewCatalog,
    EditCatalog,
    HandlePrivacyRequests,
    ExportCustomerData,
    EraseCustomerData,
    /// Rectification (Art. 16): correct an order's contact and address or an account's email,
    /// with a reason, audited, the recipients told (Art. 19). Given to the roles that answer
    /// rights requests or run the shop (owner, manager, privacy officer) and only together with
    /// seeing the contact; not to associates, who serve clients but do not change records the
    /// recipients received, nor to fulfilment or the accountant, who never see the contact.
    CorrectCustomerData,
    ViewConsents,
    ViewRetention,
    ViewAudit,
    ViewBreachRegister,
    ManageStaff,
}

impl Permission {
    pub const ALL: [Permission; 26] = [
        Permission::ViewDashboard,
        Permission::ViewOrders,
        Permission::ManageOrders,
        Permission::FulfilOrders,
        Permission::RefundOrders,
        Permission::ExportOrders,
        Permission::ViewPayments,
        Permission::ViewInvoices,
        Permission::ViewCustomers,
        Permission::ViewCustomerContact,
        Permission::ViewShippingAddress,
        Permission::ViewCustomerMessages,
        Permission::ViewFittingNotes,
        Permission::ViewSizing,
        Permission::EditSizing,
        Permission::ViewCatalog,
        Permission::EditCatalog,
        Permission::HandlePrivacyRequests,
        Permission::ExportCustomerData,
        Permission::EraseCustomerData,
        Permission::CorrectCustomerData,
        Permission::ViewConsents,
        Permission::ViewRetention,
        Permission::ViewAudit,
        Permission::ViewBreachRegister,
        Permission::ManageStaff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewDashboard => "view_dashboard",
            Permission::ViewOrders => "view_orders",
            Permission::ManageOrders => "manage_orders",
            Permission::FulfilOrders => "fulfil_orders",
            Permission::RefundOrders => "refund_orders",
            Permission::ExportOrders => "export_orders",
            Permission::ViewPayments => "view_payments",
            Permission::ViewInvoices => "view_invoices",
            Permission::ViewCustomers => "view_customers",
            Permission::ViewCustomerContact => "view_customer_contact",
            Permission::ViewShippingAddress => "view_shipping_address",
            Permission::ViewCustomerMessages => "view_customer_messages",
            Permission::ViewFittingNotes => "view_fitting_notes",
            Permission::ViewSizing => "view_sizing",
            Permission::EditSizing => "edit_sizing",
            Permission::ViewCatalog => "view_catalog",
            Permission::EditCatalog => "edit_catalog",
            Permission::HandlePrivacyRequests => "handle_privacy_requests",
            Permission::ExportCustomerData => "export_customer_data",
            Permission::EraseCustomerData => "erase_customer_data",
            Permission::CorrectCustomerData => "correct_customer_data",
            Permission::ViewConsents => "view_consents",
            Permission::ViewRetention => "view_retention",
            Permission::ViewAudit => "view_audit",
            Permission::ViewBreachRegister => "view_breach_register",
            Permission::ManageStaff => "manage_staff",
        }
    }
}

/// Rules for a staff username: what `luxevault staff create` and the staff page accept.
pub fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || c == '_')
}

/// Staff passwords: at least 12 characters (they guard every customer's data), at most 128.
pub fn valid_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 12 {
        return Err("a staff password needs at least 12 characters");
    }
    if n > 128 {
        return Err("a staff password has at most 128 characters");
    }
    Ok(())
}

/// Back-office sessions end after this long without use…
pub const SESSION_IDLE_MINUTES: i64 = 30;
/// …and after this long in any case (a working day).
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;
/// The window between the password and the second factor.
pub const SECOND_FACTOR_MINUTES: i64 = 5;
/// TOTP guesses per staff member per throttle window.
pub const TOTP_ATTEMPTS_ALLOWED: i32 = 5;
/// Recovery codes issued at enrolment, each usable once.
pub const RECOVERY_CODES: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_may_do_everything_and_nobody_else_manages_staff() {
        for p in Permission::ALL {
            assert!(Role::Owner.allows(p), "{p:?}");
        }
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Owner) {
            assert!(!role.allows(Permission::ManageStaff), "{role:?}");
        }
    }

    #[test]
    fn least_privilege_cells_that_matter() {
        use Permission as P;
        // Fulfilment: the parcel's address, never messages, fittings, payments or contacts.
        assert!(Role::Fulfilment.allows(P::ViewShippingAddress));
        assert!(Role::Fulfilment.allows(P::FulfilOrders));
        for p in [P::ViewCustomerMessages, P::ViewFittingNotes, P::ViewPayments, P::ViewCustomerContact, P::ViewAudit] {
            assert!(!Role::Fulfilment.allows(p), "{p:?}");
        }
        // Correcting a contact: only roles that see it, and never fulfilment or associates.
        for role in Role::ALL {
            if role.allows(P::CorrectCustomerData) {
                assert!(role.allows(P::ViewCustomerContact), "{role:?}");
            }
        }
        for role in [Role::Fulfilment, Role::Associate, Role::Accountant] {
            assert!(!role.allows(P::CorrectCustomerData), "{role:?}");
        }
        assert!(Role::PrivacyOfficer.allows(P::CorrectCustomerData) && Role::Manager.allows(P::CorrectCustomerData));
        // Accountant: invoices and payments; no messages or addresses.
        assert!(Role::Accountant.allows(P::ViewInvoices) && Role::Accountant.allows(P::ViewPayments));
        assert!(!Role::Accountant.allows(P::ViewCustomerMessages));
        assert!(!Role::Accountant.allows(P::ViewShippingAddress));
        // Privacy officer: requests, erasure, audit; not the catalog or refunds.
        assert!(Role::PrivacyOfficer.allows(P::HandlePrivacyRequests) && Role::PrivacyOfficer.allows(P::ViewAudit));
        assert!(!Role::PrivacyOfficer.allows(P::EditCatalog) && !Role::PrivacyOfficer.allows(P::RefundOrders));
        // Manager runs the shop but not the privacy office nor the audit trail.
        assert!(Role::Manager.allows(P::RefundOrders) && Role::Manager.allows(P::EditCatalog));
        assert!(!Role::Manager.allows(P::EraseCustomerData) && !Role::Manager.allows(P::ViewAudit));
        // Sizing profiles: the boutique floor reads and edits them; the privacy officer reads
        // them for requests; fulfilment and the accountant never see them.
        for role in [Role::Owner, Role::Manager, Role::Associate] {
            assert!(role.allows(P::ViewSizing) && role.allows(P::EditSizing), "{role:?}");
        }
        assert!(Role::PrivacyOfficer.allows(P::ViewSizing) && !Role::PrivacyOfficer.allows(P::EditSizing));
        for role in [Role::Fulfilment, Role::Accountant] {
            assert!(!role.allows(P::ViewSizing) && !role.allows(P::EditSizing), "{role:?}");
        }
        // Associates never touch money.
        assert!(!Role::Associate.allows(P::RefundOrders) && !Role::Associate.allows(P::ViewPayments));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }

    #[test]
    fn usernames_and_passwords() {
        assert!(valid_username("claire.m"));
        assert!(!valid_username("Claire"));
        assert!(!valid_username("a"));
        assert!(!valid_username("x y"));
        assert!(valid_password("twelve chars").is_ok());
        assert!(valid_password("short").is_err());
    }
}
