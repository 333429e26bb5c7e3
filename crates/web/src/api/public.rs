//! What a visitor may do without logging in, through the API: offer a
//! pledge on a published need line (`POST /api/v1/public/needs/{id}/pledges`).
//! The same function as the public page's form decides (a name, an amount
//! above zero and never above what the line still lacks); the offer is
//! recorded as `pledged` and waits for the coordinator's confirmation.
//!
//! Only a JSON body is taken: a plain cross-site form cannot send one, and
//! a cross-site script would need a CORS answer this server never gives —
//! which is why `csrf::check` lets such requests through without a token.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::needs::{OfferRefused, PublicOffer, offer_public_pledge};
use crate::state::AppState;

use super::flows::{body, refusal};

#[derive(Deserialize)]
struct OfferIn {
    name: String,
    #[serde(default)]
    contact: String,
    amount: i64,
    /// Consent to show the name publicly (default: anonymous).
    #[serde(default)]
    publish_name: bool,
}

/// Whether the request says its body is JSON (`application/json`, with or
/// without parameters).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /api/v1/public/needs/{id}/pledges`.
pub async fn pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    crate::pages::login::ClientIp(ip): crate::pages::login::ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    crate::pages::needs::limit_public_pledges(&state, ip)?;
    if !is_json(&headers) {
        return Err(AppError::bad(
            "api-bad-json",
            "Content-Type: application/json",
        ));
    }
    let input: OfferIn = body(&bytes)?;
    let amount = input.amount.to_string();
    let offer = PublicOffer {
        name: &input.name,
        contact: &input.contact,
        amount: &amount,
        publish_name: input.publish_name,
    };
    match offer_public_pledge(&state, &ctx, &id, &offer).await? {
        Ok(p) => {
            crate::pages::needs::count_public_pledge(&state, ip);
            Ok((
                StatusCode::CREATED,
                Json(
                    json!({"id": p.id, "code": p.code(), "status": p.status, "amount": p.amount,
                "need_line_id": p.need_line_id, "payment_page": format!("/p/{}", p.id)}),
                ),
            )
                .into_response())
        }
        Err(OfferRefused::NotFound) => Err(AppError::NotFound),
        Err(OfferRefused::Invalid) => {
            let key = "public-pledge-error";
            Ok(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
                i18n::t(ctx.lang, key),
                json!({}),
            ))
        }
    }
}
