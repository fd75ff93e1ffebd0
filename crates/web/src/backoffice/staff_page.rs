//! Staff and roles (owner only): the members, their role and second factor, the forms to add
//! and change them — through `members`, which keeps one active owner and audits every change —
//! and the role → permission matrix as the code enforces it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::Pii;
use luxevault_core::staff::{Permission, Role};
use luxevault_storage::Staff;
use serde::Deserialize;
use serde_json::{Value, json};

use super::orders::{parse_id, when};
use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, page, unavailable};
use crate::state::AppState;
use luxevault_shop::staff::members::{self, Actor, MemberError};

fn refused(state: &AppState, staff: &StaffContext, error: &MemberError) -> Halt {
    let status = match error {
        MemberError::Db(_) | MemberError::Hashing => StatusCode::SERVICE_UNAVAILABLE,
        MemberError::Unknown => StatusCode::NOT_FOUND,
        MemberError::Taken | MemberError::LastOwner => StatusCode::CONFLICT,
        MemberError::Username | MemberError::Email | MemberError::Password(_) | MemberError::Language => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let text = match error {
        MemberError::Db(_) => staff.t(state, "admin.unavailable"),
        MemberError::Language => staff.t(state, "admin.language.unknown"),
        other => {
            let mut text = other.to_string();
            if let Some(first) = text.get(..1) {
                text = format!("{}{}.", first.to_uppercase(), &text[1..]);
            }
            text
        }
    };
    Halt::from(message(state, status, Some(staff), &staff.t(state, "admin.not_done"), &text))
}

/// The members and the permission matrix.
pub async fn list(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    staff.audit(&state, "staff.view", "staff", "*", None).await?;
    let members = Staff::all(state.db()).await.map_err(|_| unavailable())?;
    let rows: Vec<Value> = members
        .iter()
        .map(|m| {
            let role = Role::parse(&m.role);
            json!({
                "id": m.id, "username": m.username, "name": m.display_name, "role": m.role,
                "role_label": role.map(|r| staff.t(&state, &format!("admin.role.{}", r.as_str()))), "active": m.active,
                "last_login": m.last_login_at.map(|t| when(&state, t)), "second_factor": m.totp_secret.is_some(),
                "me": m.id == staff.member.id,
            })
        })
        .collect();
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| json!({"id": r.as_str(), "label": staff.t(&state, &format!("admin.role.{}", r.as_str()))}))
        .collect();
    let matrix: Vec<Value> = Permission::ALL
        .iter()
        .map(|p| {
            let cells: Vec<bool> = Role::ALL.iter().map(|r| r.permissions().contains(p)).collect();
            json!({"permission": p.as_str().replace('_', " "), "cells": cells})
        })
        .collect();
    let data = json!({"members": rows, "roles": roles, "matrix": matrix});
    Ok(page(&state, &staff, "admin/staff.html", &staff.t(&state, "admin.staff.title"), "/admin/staff", data))
}

fn actor_of(staff: &StaffContext) -> String {
    staff.actor()
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// Adds a member, who sets up their second factor at first sign-in.
pub async fn create(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<CreateForm>) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let role = Role::parse(&form.role).ok_or_else(|| refused(&state, &staff, &MemberError::Unknown))?;
    let actor = actor_of(&staff);
    let by = Actor { actor: &actor, client: &staff.client };
    members::create(
        state.db(),
        state.clock(),
        state.hashers(),
        by,
        &members::NewMember { email: &form.email, username: &form.username, display_name: &form.name },
        role,
        Pii::new(form.password),
    )
    .await
    .map_err(|e| refused(&state, &staff, &e))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<RoleForm>,
) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let id = parse_id(&state, &staff, &id, "staff_member")?;
    let role = Role::parse(&form.role).ok_or_else(|| refused(&state, &staff, &MemberError::Unknown))?;
    let actor = actor_of(&staff);
    let by = Actor { actor: &actor, client: &staff.client };
    members::change_role(state.db(), state.clock(), by, id, role).await.map_err(|e| refused(&state, &staff, &e))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

#[derive(Deserialize)]
pub struct ActiveForm {
    /// "true" to enable, anything else to disable.
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<ActiveForm>,
) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let id = parse_id(&state, &staff, &id, "staff_member")?;
    let actor = actor_of(&staff);
    let by = Actor { actor: &actor, client: &staff.client };
    members::set_active(state.db(), state.clock(), by, id, form.active == "true")
        .await
        .map_err(|e| refused(&state, &staff, &e))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn reset_second_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form: EmptyForm {} }: StaffForm<EmptyForm>,
) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let id = parse_id(&state, &staff, &id, "staff_member")?;
    let actor = actor_of(&staff);
    let by = Actor { actor: &actor, client: &staff.client };
    members::reset_second_factor(state.db(), state.clock(), by, id).await.map_err(|e| refused(&state, &staff, &e))?;
    Ok(Redirect::to("/admin/staff").into_response())
}
