//! `/qr.svg`: any text as a QR code, for the web UI's subscription-link and payment codes.
//! Public: it only draws what the client sends.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiQuery;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};

/// The longest text accepted, in characters, when it is all ASCII.
pub const MAX_TEXT_CHARS: usize = 2048;
/// The longest text accepted otherwise: 582 characters of up to 4 bytes fill the 2331 bytes a
/// QR code holds at level M.
pub const MAX_ANY_TEXT_CHARS: usize = 582;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(qr_svg))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// What to encode: 1 to 2048 ASCII characters, or 1 to 582 characters of any kind.
    pub text: String,
}

/// Renders `text` as an SVG QR code.
pub fn render(text: &str) -> ApiResult<String> {
    let chars = text.chars().count();
    let max = if text.is_ascii() {
        MAX_TEXT_CHARS
    } else {
        MAX_ANY_TEXT_CHARS
    };
    if chars == 0 || chars > max {
        return Err(ApiError::invalid(
            "text",
            format!(
                "Must be 1 to {MAX_TEXT_CHARS} ASCII characters, or 1 to {MAX_ANY_TEXT_CHARS} of any kind."
            ),
        ));
    }
    let code = QrCode::with_error_correction_level(text, EcLevel::M)
        .map_err(|_| ApiError::invalid("text", "Too long for a QR code."))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// `text` as a QR code (`image/svg+xml`); a 422 envelope when it is empty or longer than 2048
/// ASCII characters (582 characters when any is not ASCII).
#[utoipa::path(get, path = "/qr.svg", tag = "user", params(QrQuery),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 422, description = "Missing, empty or too long `text`")))]
async fn qr_svg(ApiQuery(q): ApiQuery<QrQuery>) -> ApiResult<Response> {
    let svg = render(&q.text)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_svg_and_refuses_bad_lengths() {
        let svg = render("https://example.com/sub/abc").unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"));
        assert_eq!(render("").unwrap_err().status(), 422);
        assert_eq!(render(&"a".repeat(2049)).unwrap_err().status(), 422);
        // 2048 characters of 3 bytes each exceed a QR code's capacity.
        assert_eq!(render(&"€".repeat(2048)).unwrap_err().status(), 422);
        assert!(render(&"a".repeat(2048)).is_ok());
        // The widest characters fit up to the documented 582.
        assert!(render(&"😀".repeat(582)).is_ok());
        assert_eq!(render(&"é".repeat(583)).unwrap_err().status(), 422);
    }
}
