//! Sends a core [`HttpRequest`] with `fetch` and returns the core [`HttpResponse`].
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::core::error::{ErrorKind, FleetError};
use crate::core::http::{HttpRequest, HttpResponse};

/// One request, one response: no retries yet (the caller decides).
pub async fn send(fetch: &Function, request: &HttpRequest) -> Result<HttpResponse, FleetError> {
    let connection_error = |cause: JsValue| {
        let reason = Reflect::get(&cause, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "network error".into());
        FleetError::new(
            ErrorKind::Connection,
            format!("Could not reach {} ({reason})", origin_of(&request.url)),
        )
        .with_request_id(&request.request_id)
    };

    let headers = Headers::new().map_err(connection_error)?;
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(connection_error)?;
    }
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }

    let promise: Promise = fetch
        .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
        .map_err(connection_error)?
        .dyn_into()
        .map_err(|_| FleetError::invalid_response("`fetch` did not return a Promise"))?;
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(connection_error)?
        .dyn_into()
        .map_err(|_| FleetError::invalid_response("`fetch` did not resolve to a Response"))?;
    let text = JsFuture::from(response.text().map_err(connection_error)?)
        .await
        .map_err(connection_error)?;
    Ok(HttpResponse {
        status: response.status(),
        body: text.as_string().unwrap_or_default(),
        retry_after: response.headers().get("retry-after").ok().flatten(),
    })
}

/// `scheme://host:port` of a URL, for messages (never a path or query).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}
