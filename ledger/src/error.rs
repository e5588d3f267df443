//! The ledger's errors, and how each maps to an HTTP answer `{"error":{"code","message"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Everything that can go wrong in the ledger service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No bearer token, or one the ledger does not know (or revoked).
    #[error("{reason}")]
    Unauthorized {
        /// What was wrong with the credentials (never the token itself).
        reason: String,
    },
    /// The token's role may not do this.
    #[error("role {role} may not {action}")]
    Forbidden {
        /// The caller's role.
        role: &'static str,
        /// What it tried.
        action: String,
    },
    /// The request is malformed (bad JSON, a bad event line, a bad query parameter).
    #[error("{message}")]
    BadRequest {
        /// A stable code (`malformed_json`, `invalid_event`, `bad_query`).
        code: &'static str,
        /// What was wrong, naming the value.
        message: String,
    },
    /// The id is already in the log (or earlier in the batch) with other content
    /// (`conflict`), or the command collides with the log's state (`already_signed`, …).
    #[error("{message}")]
    Conflict {
        /// A stable code.
        code: &'static str,
        /// What collided, naming the id and where it is.
        message: String,
    },
    /// The server is at a limit of its own (open streams); retry later.
    #[error("{message}")]
    Busy {
        /// Which limit.
        message: String,
    },
    /// The caller's token sent more requests than its rate allows.
    #[error("{name:?} is over its limit of {per_second} requests a second; retry in {retry_after_ms} ms")]
    RateLimited {
        /// The token's name.
        name: String,
        /// The limit.
        per_second: u32,
        /// When a request will be accepted again.
        retry_after_ms: u64,
    },
    /// The body is larger than the limit.
    #[error("the body is larger than {limit_bytes} bytes")]
    TooLarge {
        /// The limit.
        limit_bytes: usize,
    },
    /// Well-formed, but a value is not acceptable.
    #[error("{message}")]
    Unprocessable {
        /// A stable code.
        code: &'static str,
        /// What was wrong, naming the value.
        message: String,
    },
    /// No such route.
    #[error("no route {path}")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// The log moved between the check and the append (another writer); retry.
    #[error("the log's head moved from {expected} to {found} during the append")]
    HeadMoved {
        /// The head the caller validated against.
        expected: u64,
        /// The head found under the lock.
        found: u64,
    },
    /// The database failed.
    #[error("database {url}: {source}")]
    Database {
        /// Which database.
        url: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// The migrations could not be applied.
    #[error("cannot migrate {url}: {source}")]
    Migrate {
        /// Which database.
        url: String,
        /// Why.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A stored record cannot be read back (a damaged database).
    #[error("record seq {seq} is damaged: {reason}")]
    Damaged {
        /// The record.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A command-line value is not acceptable.
    #[error("{message}")]
    Usage {
        /// What was wrong and what to do.
        message: String,
    },
    /// The simulator feed failed: the ledger refused a batch, or could not be reached.
    #[error("{message}")]
    Feed {
        /// What failed, naming the batch and the server's error code.
        message: String,
    },
    /// Input/output outside the database (the listener).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// The ledger's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::BadRequest { code, .. } | Self::Unprocessable { code, .. } => code,
            Self::Conflict { code, .. } => code,
            Self::RateLimited { .. } => "rate_limited",
            Self::Busy { .. } => "busy",
            Self::TooLarge { .. } => "payload_too_large",
            Self::NotFound { .. } => "not_found",
            Self::HeadMoved { .. } => "retry",
            Self::Database { .. } | Self::Migrate { .. } | Self::Damaged { .. } | Self::Io { .. } | Self::Feed { .. } => "internal",
            Self::Usage { .. } => "usage",
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::BadRequest { .. } | Self::Usage { .. } => StatusCode::BAD_REQUEST,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::HeadMoved { .. } | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database { .. } | Self::Migrate { .. } | Self::Damaged { .. } | Self::Io { .. } | Self::Feed { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        // Internal causes are logged, not shown: the client learns only that it failed.
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            if matches!(self, Self::HeadMoved { .. } | Self::Busy { .. }) {
                self.to_string()
            } else {
                "the ledger failed to answer; see its log".to_owned()
            }
        } else {
            self.to_string()
        };
        let body = serde_json::json!({ "error": { "code": self.code(), "message": message } });
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::RateLimited { retry_after_ms, .. } = self {
            let seconds = retry_after_ms.div_ceil(1000).max(1);
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}
