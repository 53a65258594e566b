//! The review window against the team server, as the role of the saved credential (the file
//! `parley team connect` writes; never the settings file): the server's row-level security
//! decides what comes back. Blocking calls: the commands run them off the async workers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::review::{self, ReviewDetail, TeamPart};
use crate::engine::Playbook;
use crate::store::{Format, Page, SessionFilter};
use crate::team::remote::{self, Comment, TeamRow};
use crate::team::scorecard::ScoreOverride;
use crate::team::trends::{self, WeekRow};
use crate::team::{credentials, ServerUrl, TeamError};

/// The team server as the review window sees it. No password in here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamServer {
    /// `user@host:port/db` the review window reads as, when a URL is saved.
    pub server: Option<String>,
    /// `user@host:port/db` this PC's calls are pushed with, when that is another credential
    /// (a lead reviewing at an agent's PC) or the review one is a lead's and none is saved.
    pub sync: Option<String>,
    /// "lead" or "agent": what the saved role is on the server.
    pub kind: Option<String>,
    /// Why the saved URL cannot be used, when it cannot.
    pub error: Option<String>,
}

fn saved() -> Result<ServerUrl, TeamError> {
    credentials::resolve_review()?.ok_or_else(|| {
        TeamError::BadRequest(
            "no team server saved: enter the URL your admin gave you in Settings".into(),
        )
    })
}

/// The sync credential as `user@host:port/db`, when it is not the review one.
fn sync_unless(review: &str) -> Option<String> {
    let sync = credentials::resolve(None).ok().flatten()?.to_string();
    (sync != review).then_some(sync)
}

/// What is saved, and whether it answers.
pub fn server() -> TeamServer {
    let url = match credentials::resolve_review() {
        Ok(Some(u)) => u,
        Ok(None) => return TeamServer::default(),
        Err(e) => {
            return TeamServer {
                error: Some(e.to_string()),
                ..TeamServer::default()
            }
        }
    };
    let kind = url
        .connect()
        .and_then(|mut c| remote::member_kind(&mut c, &url));
    let server = url.to_string();
    TeamServer {
        sync: sync_unless(&server),
        server: Some(server),
        kind: kind.as_ref().ok().cloned(),
        error: kind.err().map(|e| e.to_string()),
    }
}

/// Checks the URL against the server, then saves it (mode 0600) as `parley team connect` would:
/// a lead's for reviewing only, an agent's as this PC's sync credential. Nothing is saved when
/// the server refuses it.
pub fn connect(url: &str) -> Result<TeamServer, TeamError> {
    let parsed = ServerUrl::parse(url)?;
    let mut client = parsed.connect()?;
    let kind = remote::member_kind(&mut client, &parsed)?;
    credentials::save_for_kind(url, &kind)?;
    let server = parsed.to_string();
    Ok(TeamServer {
        sync: sync_unless(&server),
        server: Some(server),
        kind: Some(kind),
        error: None,
    })
}

pub fn list(filter: &SessionFilter) -> Result<Page<TeamRow>, TeamError> {
    remote::list(&saved()?, filter)
}

pub fn weekly(from: Option<i64>, to: Option<i64>) -> Result<Vec<WeekRow>, TeamError> {
    trends::weekly(&saved()?, from, to, crate::store::now_ms())
}

/// One session from the server, drawn like a local one, with its comments and scorecard.
pub fn session(uid: &str, loaded: Arc<Playbook>) -> Result<ReviewDetail, TeamError> {
    let url = saved()?;
    let mut client = url.connect()?;
    detail_on(&mut client, &url, uid, loaded)
}

fn detail_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    uid: &str,
    loaded: Arc<Playbook>,
) -> Result<ReviewDetail, TeamError> {
    let t = remote::show_on(client, url, uid)?;
    let mut detail = review::build(t.detail, &loaded, &t.overrides);
    detail.team = Some(TeamPart {
        uid: t.uid,
        owner: t.owner,
        team: t.team,
        comments: t.comments,
        error: None,
    });
    Ok(detail)
}

/// A lead's comment, pinned to `at_ms` of the call when given; returns the session again.
pub fn comment(
    uid: &str,
    at_ms: Option<i64>,
    body: &str,
    loaded: Arc<Playbook>,
) -> Result<ReviewDetail, TeamError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(TeamError::BadRequest("write the comment first".into()));
    }
    let url = saved()?;
    let mut client = url.connect()?;
    remote::comment_on(&mut client, &url, uid, at_ms, body)?;
    detail_on(&mut client, &url, uid, loaded)
}

/// A lead overrides a scorecard criterion with a reason; returns the session again.
pub fn override_score(
    uid: &str,
    criterion: &str,
    met: bool,
    reason: &str,
    loaded: Arc<Playbook>,
) -> Result<ReviewDetail, TeamError> {
    if reason.trim().is_empty() {
        return Err(TeamError::BadRequest(
            "say why the criterion is overridden (the reason is empty)".into(),
        ));
    }
    let url = saved()?;
    let mut client = url.connect()?;
    remote::override_score(&mut client, &url, uid, criterion, met, reason)?;
    detail_on(&mut client, &url, uid, loaded)
}

pub fn export(filter: &SessionFilter, format: Format) -> Result<String, TeamError> {
    remote::export(&saved()?, filter, format)
}

/// What leads left on a call: comments, then scorecard overrides.
pub type Remarks = (Vec<Comment>, Vec<ScoreOverride>);

/// For the review of a local call: the comments and scorecard overrides on its copy on the
/// team server, when a server is saved (None when none is); the error as text when it cannot
/// be read, so the local review still opens.
pub fn remote_part(uid: &str) -> Option<Result<Remarks, String>> {
    let url = match credentials::resolve_review() {
        Ok(Some(u)) => u,
        Ok(None) => return None,
        Err(e) => return Some(Err(e.to_string())),
    };
    // Offline, every opened call would wait out the connect timeout: after a failure, the local
    // review goes without the server's remarks for a while and says so.
    static LAST_FAILURE: Mutex<Option<(Instant, String)>> = Mutex::new(None);
    if let Ok(last) = LAST_FAILURE.lock() {
        if let Some((at, why)) = last.as_ref().filter(|(at, _)| at.elapsed() < RETRY_AFTER) {
            let wait = RETRY_AFTER.saturating_sub(at.elapsed()).as_secs();
            return Some(Err(format!("{why} (trying again in {wait} s)")));
        }
    }
    let read = url.connect().and_then(|mut c| {
        let comments = remote::comments_on(&mut c, &url, uid)?;
        let overrides = remote::overrides_on(&mut c, &url, uid)?;
        Ok((comments, overrides))
    });
    if let Ok(mut last) = LAST_FAILURE.lock() {
        *last = read.as_ref().err().map(|e| (Instant::now(), e.to_string()));
    }
    Some(read.map_err(|e| e.to_string()))
}

/// How long the local review leaves an unreachable team server alone.
const RETRY_AFTER: Duration = Duration::from_secs(60);
