//! `medsearch serve`: the HTTP API and the search page, from the one binary.
//!
//! Routes:
//! - `GET /api/search?q=&limit=&offset=&kind=&plain=&count=&correct=&forgiving=&typing=`: the
//!   object `search --json` prints, written by the same function ([`output::results`]); `400`
//!   with `{"error", "position"}` for a malformed query or parameter, a parameter given twice
//!   or an unknown one (names starting with `_`, cache busters, are ignored). `correct=false`
//!   runs the query as written; `forgiving` reads a query that does not parse as a search box
//!   should (repaired, or as plain words; `read_as` says how); `typing` makes the last word,
//!   with no space after it, also a prefix (the page sends it while people type). Answers
//!   carry `ETag` (the generation); `If-None-Match` with it gets `304`.
//! - `GET /api/records/{doc}/{anchor}`: one record whole, as `show --json` prints it (`404`
//!   with the closest records when there is none).
//! - `GET /api/status`: the object `status --json` prints (without its checksum pass, which
//!   reads the whole index: `medsearch status` does that).
//! - `GET /`: the search page ([`ASSETS`]: HTML, CSS, a script and an icon compiled into the
//!   binary); `GET /?q=` draws the results in it on the server ([`page::search_page`]: the same
//!   markup the script draws, so the page works without script and crawlers see results);
//!   `GET /docs/{doc}?q=`: a document as HTML with the query's words marked ([`page`]);
//!   `GET /docs/`: the list of documents; `GET /robots.txt` and `GET /sitemap.xml` (every
//!   document page) for crawlers.
//!
//! Design:
//! - axum on tokio. Every request that reads the index runs on tokio's blocking pool (a
//!   search is CPU work and file reads) and holds one generation from start to end
//!   ([`live::Live`]): a response never mixes generations, and a new generation published by
//!   `medsearch index` (or `index --watch`) is seen by the next request, with no restart and
//!   no failed request.
//! - Limits, each with its own status: a request body over [`MAX_BODY_BYTES`] gets `413`;
//!   at most `max_searches` requests read the index at once, and when `max_queued` more
//!   already wait, another gets `429` (with `Retry-After`); a request not answered within
//!   the timeout (waiting included) gets `503`. Queries are capped as the CLI caps them (the
//!   parser's limits, `400` with the position), `limit` as `--limit` is (1 to 10,000), and
//!   the request line and headers by hyper's bounds (`431` beyond them).
//! - Other sites: with `--allow-origin`, the API answers browsers on those origins (CORS, GET
//!   only); without it, it sends no CORS headers, so only this server's own page can read it
//!   from a browser.
//! - Security: every response carries a Content-Security-Policy that allows scripts, styles
//!   and requests only from this server (no inline script), `nosniff`, no framing. Text from
//!   the corpus and the query reaches HTML only escaped ([`page`] through maud; the page's
//!   script builds results with `textContent`).
//! - The server stops on Ctrl-C or SIGTERM: it stops accepting, lets requests in flight
//!   finish, then exits 0. It listens on loopback unless given another address.

pub mod live;
pub mod markdown;
pub mod page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{Error, Result};
use crate::index::Searchable;
use crate::output::{self, Style};
use crate::parse::RecordKind;
use crate::search::{self, SearchOptions};
use crate::show;
use live::Live;

/// Largest request body accepted (no route takes a body).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// How many requests may wait for the index beyond those reading it.
pub const MAX_QUEUED: usize = 256;

/// The files of the search page, compiled into the binary: path, content type, content.
pub const ASSETS: [(&str, &str, &str); 4] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    ),
    (
        "/assets/style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
    (
        "/assets/icon.svg",
        "image/svg+xml",
        include_str!("assets/icon.svg"),
    ),
];

/// The response header that names the generation that answered.
pub const GENERATION_HEADER: HeaderName = HeaderName::from_static("x-medsearch-generation");

/// Scripts, styles, images and requests from this server only; no inline script, no plugins,
/// no framing, forms only to this server.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The corpus folder as given (hit paths are shown joined to it).
    pub corpus: PathBuf,
    /// The index folder.
    pub index: PathBuf,
    /// Most requests reading the index at once.
    pub max_searches: usize,
    /// Most requests waiting for the index beyond those ([`MAX_QUEUED`]).
    pub max_queued: usize,
    /// Longest a request may take, waiting included.
    pub timeout: Duration,
    /// Origins (`https://host[:port]`, or `*` for any) whose pages may call the API from a
    /// browser (CORS); none by default.
    pub allowed_origins: Vec<String>,
    /// How searches rank unless a request says (`mode=`); `None`: the index's default.
    pub mode: Option<crate::semantic::Mode>,
}

/// What every request handler shares.
struct App {
    live: Live,
    settings: Settings,
    searches: Arc<Semaphore>,
    /// Requests waiting for the index or reading it.
    pending: AtomicUsize,
}

/// What a running server reports: the library prints nothing, the caller decides how
/// these reach people (the CLI writes them to stderr, [`crate::output`]).
#[derive(Debug)]
pub enum Event {
    /// The socket is bound (port 0 has become a real port).
    Listening(SocketAddr),
    /// A newer generation could not be opened; `generation` goes on serving.
    StillServing {
        /// The generation still served.
        generation: String,
        /// Why the newer one could not be opened.
        error: Error,
    },
}

/// Hears a server's [`Event`]s, from any thread.
pub type Listener = Arc<dyn Fn(Event) + Send + Sync>;

/// Serves `searchable` (and the generations after it) until Ctrl-C or SIGTERM; `on` hears
/// what happens ([`Event`]).
pub fn serve(searchable: Searchable, settings: Settings, on: Listener) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("<tokio runtime>", e))?;
    let addr = settings.addr;
    let listen_error = |e| Error::Listen {
        addr: addr.to_string(),
        source: e,
    };
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(listen_error)?;
        let stop = stop_signal()?;
        on(Event::Listening(
            listener.local_addr().map_err(listen_error)?,
        ));
        axum::serve(listener, router(App::new(searchable, settings, on)))
            .with_graceful_shutdown(stop)
            .await
            .map_err(|e| Error::io("<http server>", e))
    })
}

/// The routes and the layers around them (see the module docs).
fn router(app: Arc<App>) -> Router {
    let mut api = Router::new()
        .route("/api/search", get(api_search))
        .route("/api/records/{*id}", get(api_record))
        .route("/api/status", get(api_status));
    if !app.settings.allowed_origins.is_empty() {
        api = api.layer(cors(&app.settings.allowed_origins));
    }
    let mut router = api
        .route("/", get(home))
        .route("/docs/{*doc}", get(doc_page))
        .route("/docs/", get(doc_list))
        .route("/docs", get(doc_list))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap));
    for (path, content_type, content) in ASSETS.into_iter().filter(|(path, ..)| *path != "/") {
        router = router.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, content_type)], content) }),
        );
    }
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    let mut router = router
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .with_state(app)
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// The API's answers to browsers on other sites: GET from `origins` (`*`: any), the
/// generation header readable.
fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET])
        .expose_headers([GENERATION_HEADER])
}

/// Checks an origin for [`Settings::allowed_origins`]: `*`, or `http(s)://host[:port]` with
/// nothing after (what browsers send in `Origin`).
pub fn origin(text: &str) -> std::result::Result<String, String> {
    let host = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let valid = text == "*"
        || host.is_some_and(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
    if valid {
        Ok(text.to_string())
    } else {
        Err("an origin is `*` or scheme://host[:port], e.g. https://example.org".to_string())
    }
}

/// A future that resolves on Ctrl-C or SIGTERM. The handlers are installed now, before the
/// server says it listens: a signal sent as soon as the URL is printed stops it cleanly too.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handler = |e| Error::io("<signal handler>", e);
        let mut interrupt = signal(SignalKind::interrupt()).map_err(handler)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(handler)?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// An API error: its status and `{"error": ..., "position": N}` (position when the query
/// has one).
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    position: Option<usize>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            position: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

/// Bad queries are the client's (`400`); anything else is the server's (`500`).
impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        let message = output::clean(&error.to_string());
        match error {
            Error::Query { position, .. } => ApiError {
                position: Some(position),
                ..ApiError::bad_request(message)
            },
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: &self.message,
            position: self.position,
        };
        let mut response = (self.status, json(&body)).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// A JSON body with its content type.
fn json(value: &impl Serialize) -> Response {
    written(|out| serde_json::to_writer(out, value).map_err(std::io::Error::from))
}

/// A JSON response with the body that `write` writes (one of `output`'s JSON writers: the
/// bytes the CLI prints).
fn written(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Response {
    let mut body = Vec::new();
    write(&mut body).expect("writing to memory");
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Counts a request as pending for as long as it lives.
struct Pending<'a>(&'a AtomicUsize);

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl App {
    fn new(searchable: Searchable, settings: Settings, on: Listener) -> Arc<App> {
        Arc::new(App {
            live: Live::new(
                searchable,
                settings.index.clone(),
                settings.corpus.clone(),
                on,
            ),
            searches: Arc::new(Semaphore::new(settings.max_searches.max(1))),
            pending: AtomicUsize::new(0),
            settings,
        })
    }

    /// Runs `work` on the generation being served, on the blocking pool, within the limits
    /// (see the module docs). Responses name the generation that made them ([`GENERATION_HEADER`]).
    async fn with_index(
        self: &Arc<Self>,
        work: impl FnOnce(&App, &Searchable) -> std::result::Result<Response, ApiError> + Send + 'static,
    ) -> std::result::Result<Response, ApiError> {
        let before = self.pending.fetch_add(1, Ordering::SeqCst);
        let _pending = Pending(&self.pending);
        if before >= self.settings.max_searches + self.settings.max_queued {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests: {before} already waiting or running; try again"),
            ));
        }
        let timeout = self.settings.timeout;
        let app = Arc::clone(self);
        let run = async move {
            let permit = Arc::clone(&app.searches).acquire_owned().await;
            let permit = permit.map_err(|_| {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping")
            })?;
            let joined = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let searchable = app.live.current();
                let mut response = work(&app, &searchable)?;
                if let Ok(name) = HeaderValue::from_str(searchable.generation_name()) {
                    response.headers_mut().insert(GENERATION_HEADER, name);
                }
                Ok(response)
            })
            .await;
            joined.unwrap_or_else(|e| {
                let why = match e.try_into_panic() {
                    Ok(panic) => crate::panic_message(&*panic),
                    Err(e) => e.to_string(),
                };
                Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, why))
            })
        };
        tokio::time::timeout(timeout, run)
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "no answer within {}: the server is busy; try again",
                        output::duration(timeout)
                    ),
                ))
            })
    }
}

/// What `/api/search` is asked.
#[derive(Debug, PartialEq)]
struct SearchParams {
    q: String,
    limit: usize,
    offset: usize,
    kind: Option<RecordKind>,
    plain: bool,
    count: bool,
    correct: bool,
    forgiving: bool,
    typing: bool,
    mode: Option<crate::semantic::Mode>,
}

impl SearchParams {
    /// The parameters `/api/search` takes.
    const NAMES: &str = "q, limit, offset, kind, plain, count, correct, forgiving, typing, mode";

    /// Reads the query string's pairs, refusing what `search` would refuse, an unknown
    /// parameter and a parameter given twice; a parameter whose name starts with `_` (a cache
    /// buster such as `_=1712345`) is ignored.
    fn read(pairs: Vec<(String, String)>) -> std::result::Result<SearchParams, ApiError> {
        let mut params = SearchParams {
            q: String::new(),
            limit: search::DEFAULT_LIMIT,
            offset: 0,
            kind: None,
            plain: false,
            count: false,
            correct: true,
            forgiving: false,
            typing: false,
            mode: None,
        };
        let mut query = None;
        let mut seen = std::collections::HashSet::new();
        for (name, value) in pairs {
            if name.starts_with('_') {
                continue;
            }
            if !seen.insert(name.clone()) {
                return Err(ApiError::bad_request(format!(
                    "the {} parameter is given twice",
                    output::clean(&name)
                )));
            }
            match name.as_str() {
                "q" => query = Some(value),
                "limit" => {
                    params.limit = search::read_limit(&value).map_err(invalid(&name, &value))?
                }
                "offset" => {
                    params.offset = search::read_offset(&value).map_err(invalid(&name, &value))?
                }
                "kind" => {
                    params.kind = search::read_kind(&value).map_err(invalid(&name, &value))?
                }
                "plain" => params.plain = flag(&name, &value)?,
                "count" => params.count = flag(&name, &value)?,
                "correct" => params.correct = flag(&name, &value)?,
                "forgiving" => params.forgiving = flag(&name, &value)?,
                "typing" => params.typing = flag(&name, &value)?,
                "mode" => params.mode = Some(value.parse().map_err(invalid(&name, &value))?),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "unknown parameter '{}' ({})",
                        output::clean(&name),
                        SearchParams::NAMES
                    )));
                }
            }
        }
        params.q = query.ok_or_else(|| ApiError::bad_request("the q parameter is missing"))?;
        Ok(params)
    }

    /// The search these parameters ask for.
    fn options(&self, mode: Option<crate::semantic::Mode>) -> SearchOptions {
        SearchOptions {
            mode: self.mode.or(mode),
            limit: self.limit,
            offset: self.offset,
            kind: self.kind,
            plain: self.plain,
            count: self.count,
            correct: self.correct,
            forgiving: self.forgiving,
            typing: self.typing,
            ..SearchOptions::default()
        }
    }
}

/// A `400` saying what is wrong with parameter `name`'s `value` (made safe to show): the
/// error of reading it says what it is not.
fn invalid(name: &str, value: &str) -> impl FnOnce(String) -> ApiError {
    let value = output::clean(value);
    move |why| ApiError::bad_request(format!("{name} '{value}' is {why}"))
}

/// A yes/no parameter: `true`/`1`/empty (`?plain`) or `false`/`0`.
fn flag(name: &str, value: &str) -> std::result::Result<bool, ApiError> {
    match value {
        "" | "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "{name} '{}' is not true or false",
            output::clean(value)
        ))),
    }
}

async fn api_search(
    State(app): State<Arc<App>>,
    headers: axum::http::HeaderMap,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> std::result::Result<Response, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let params = SearchParams::read(pairs)?;
    let options = params.options(app.settings.mode);
    let asked = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    app.with_index(move |_, s| {
        // A search's answer is decided by its URL and the generation that answers it.
        let etag = format!("W/\"{}\"", s.generation_name());
        let mut response = match asked {
            Some(asked) if asked.split(',').any(|tag| tag.trim() == etag) => {
                StatusCode::NOT_MODIFIED.into_response()
            }
            _ => {
                let results = search::search(s, &params.q, &options)?;
                written(|out| output::results(out, &results, None, Style::Json))
            }
        };
        if let Ok(value) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        Ok(response)
    })
    .await
}

async fn api_record(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
) -> std::result::Result<Response, ApiError> {
    let Some((doc, anchor)) = id.rsplit_once('/') else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "a record is named /api/records/DOC/ANCHOR",
        ));
    };
    let name = format!("{doc}#{anchor}");
    app.with_index(move |_, s| match show::find(s, &name)? {
        show::Found::Record(record, body) => Ok(written(|out| {
            output::record(out, &record, &body, None, Style::Json)
        })),
        show::Found::Nothing(missing) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            output::no_record(&missing),
        )),
    })
    .await
}

async fn api_status(State(app): State<Arc<App>>) -> std::result::Result<Response, ApiError> {
    app.with_index(|app, s| {
        let at = &app.settings;
        let differences = s.stale_files()?;
        let status = output::Status {
            index: &at.index,
            corpus: &at.corpus,
            public: true,
            searchable: s,
            size_bytes: s.size_bytes()?,
            differences: &differences,
        };
        Ok(written(|out| output::status(out, &status, Style::Json)))
    })
    .await
}

async fn doc_page(
    State(app): State<Arc<App>>,
    UrlPath(doc): UrlPath<String>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let q = query
        .ok()
        .and_then(|Query(pairs)| pairs.into_iter().find(|(n, _)| n == "q"))
        .map(|(_, v)| v);
    app.with_index(move |_, s| {
        Ok(match page::document(s, &doc, q.as_deref())? {
            Some(html) => html_response(StatusCode::OK, html),
            None => html_response(StatusCode::NOT_FOUND, page::not_found(&doc)),
        })
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /`: the search page, with the results of `?q=` drawn in it ([`page::search_page`]).
async fn home(
    State(app): State<Arc<App>>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let pairs = query.map(|Query(pairs)| pairs).unwrap_or_default();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let q = value("q").unwrap_or_default();
    let correct = value("correct").is_none_or(|v| v != "false");
    if q.trim().is_empty() {
        return html_response(StatusCode::OK, ASSETS[0].2.to_string());
    }
    app.with_index(move |_, s| {
        Ok(html_response(
            StatusCode::OK,
            page::search_page(s, &q, correct)?,
        ))
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /docs/?page=N`: the list of documents.
async fn doc_list(
    State(app): State<Arc<App>>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = query
        .ok()
        .and_then(|Query(pairs)| pairs.into_iter().find(|(n, _)| n == "page"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    app.with_index(move |_, s| Ok(html_response(StatusCode::OK, page::document_list(s, page)?)))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// This server's origin as the request names it (`http://` and its `Host`, when that is a
/// plain host and port).
fn own_origin(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn robots(headers: axum::http::HeaderMap) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        page::robots(&own_origin(&headers)),
    )
        .into_response()
}

async fn sitemap(State(app): State<Arc<App>>, headers: axum::http::HeaderMap) -> Response {
    let origin = own_origin(&headers);
    app.with_index(move |_, s| {
        Ok((
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            page::sitemap(s, &origin)?,
        )
            .into_response())
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// A method other than GET (and HEAD): `405` with a JSON body saying which method works.
async fn not_allowed(method: Method) -> Response {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {} is not allowed here: only GET",
            output::clean(method.as_str())
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no such endpoint '{}' (/api/search, /api/records/DOC/ANCHOR, /api/status)",
                output::clean(uri.path())
            ),
        )
        .into_response();
    }
    html_response(StatusCode::NOT_FOUND, page::not_found(uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &str) -> std::result::Result<SearchParams, ApiError> {
        let pairs = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        SearchParams::read(pairs)
    }

    /// A server's state on an index of one page, with the limits given.
    fn app(dir: &std::path::Path, max_searches: usize, max_queued: usize) -> Arc<App> {
        let (corpus, index) = (dir.join("corpus"), dir.join("index"));
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join("a.txt"), "Alpha\n\nText.\n").unwrap();
        let bytes = crate::index::WRITER_HEAP_BYTES;
        crate::index::update(
            &corpus,
            &index,
            crate::index::Mode::Full,
            None,
            bytes,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
        let searchable = Searchable::open(&index, &corpus).unwrap();
        let settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            corpus,
            index,
            max_searches,
            max_queued,
            timeout: Duration::from_millis(300),
            allowed_origins: Vec::new(),
            mode: None,
        };
        App::new(searchable, settings, Arc::new(|_| {}))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limits_answer_429_when_the_queue_is_full_and_503_past_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), 1, 1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                app.with_index(move |_, _| {
                    wait.recv().unwrap();
                    Ok(StatusCode::OK.into_response())
                })
                .await
            })
        };
        let settle = |pending: usize| {
            let app = Arc::clone(&app);
            async move {
                while app.pending.load(Ordering::SeqCst) != pending
                    || app.searches.available_permits() != 0
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        };
        settle(1).await;
        let queued = {
            let app = Arc::clone(&app);
            tokio::spawn(async move { app.with_index(|_, _| unreachable!()).await })
        };
        settle(2).await;
        let refused = app.with_index(|_, _| unreachable!()).await.unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        let response = refused.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let late = queued.await.unwrap().unwrap_err();
        assert_eq!(late.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            late.message,
            "no answer within 300 ms: the server is busy; try again"
        );
        // The first request timed out too, its work still running and holding its permit:
        // the bound on concurrent work holds past a timeout.
        let slow = busy.await.unwrap().unwrap_err();
        assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(app.searches.available_permits(), 0);
        release.send(()).unwrap();
        assert_eq!(app.pending.load(Ordering::SeqCst), 0);
        let answered = app.with_index(|_, s| Ok(s.generation_name().to_string().into_response()));
        let response = answered.await.unwrap();
        assert!(response.headers().contains_key(GENERATION_HEADER));
    }

    #[test]
    fn origins_are_a_scheme_and_a_host_or_any() {
        for good in [
            "*",
            "https://charity.example",
            "http://localhost:8080",
            "http://[::1]:3000",
        ] {
            assert_eq!(origin(good), Ok(good.to_string()));
        }
        for bad in [
            "charity.example",
            "https://",
            "https://a.org/path",
            "ftp://a.org",
            "https://a b",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_parameters_are_read_as_the_cli_reads_its_options() {
        let p = read("q=embolic+agent&limit=5&kind=reference&plain&count=false&_=171").unwrap();
        assert_eq!(
            p,
            SearchParams {
                q: "embolic agent".into(),
                limit: 5,
                offset: 0,
                kind: Some(RecordKind::Reference),
                plain: true,
                count: false,
                correct: true,
                forgiving: false,
                typing: false,
                mode: None,
            }
        );
        let p = read("q=oct&correct=false&forgiving&typing=1&offset=20&mode=semantic").unwrap();
        assert_eq!(p.mode, Some(crate::semantic::Mode::Semantic));
        assert!(read("q=a&mode=fuzzy").is_err());
        assert_eq!(
            (p.correct, p.forgiving, p.typing, p.offset),
            (false, true, true, 20)
        );
        assert_eq!(read("q=x&kind=all").unwrap().kind, None);
        for (bad, message) in [
            ("limit=3", "the q parameter is missing"),
            (
                "q=x&limit=0",
                "limit '0' is not a whole number from 1 to 10000",
            ),
            ("q=x&limit=10001", "limit '10001' is not"),
            ("q=x&kind=chapter", "kind 'chapter' is not one of"),
            ("q=x&plain=maybe", "plain 'maybe' is not true or false"),
            ("q=x&sort=date", "unknown parameter 'sort'"),
            ("q=x&q=y", "the q parameter is given twice"),
            ("q=x&limit=5&limit=6", "the limit parameter is given twice"),
            (
                "q=x&offset=-1",
                "offset '-1' is not a whole number from 0 to 10000",
            ),
        ] {
            let e = read(bad).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(e.message.starts_with(message), "{bad}: {}", e.message);
        }
    }
}
