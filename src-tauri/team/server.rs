//! The team server's schema and roles. Migrations are append-only: never edit one that has
//! shipped, add a new one at the end. `setup` is idempotent: it creates what is missing and
//! applies the migrations not yet applied, under a lock so two admins cannot race.
//!
//! Who sees what is enforced here, by PostgreSQL:
//! - `parley_agent` (group role): files new sessions as itself (`owner = current_user`) in the
//!   team it was added to, and updates them (never their owner or team); adds note versions to
//!   them; reads comments on them.
//! - `parley_lead` (group role): reads the sessions of the teams it leads, with their note
//!   versions and comments, and adds comments. It cannot change a session or a note.
//! - the admin (the `--admin-url` user, who owns the tables): sets up teams and people.

use postgres::Client;

use super::{ServerUrl, TeamError};

/// The role every agent's login role belongs to.
pub const AGENT_ROLE: &str = "parley_agent";
/// The role every lead's login role belongs to.
pub const LEAD_ROLE: &str = "parley_lead";

/// Each entry moves the server schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The server schema version this build writes.
pub const LATEST: i32 = MIGRATIONS.len() as i32;

/// Any constant: the advisory lock that serialises concurrent setups.
const SETUP_LOCK: i64 = 0x7061_726c_6579;

const V1: &str = r#"
REVOKE ALL ON SCHEMA parley FROM PUBLIC;
GRANT USAGE ON SCHEMA parley TO parley_agent, parley_lead;

-- Who is in which team, as what. A role sees only its own rows.
CREATE TABLE parley.members (
    role     name NOT NULL,
    team     text NOT NULL CHECK (length(team) BETWEEN 1 AND 100),
    kind     text NOT NULL CHECK (kind IN ('agent', 'lead')),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role, team, kind)
);
CREATE UNIQUE INDEX members_one_team_per_agent ON parley.members (role) WHERE kind = 'agent';
ALTER TABLE parley.members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_self ON parley.members FOR SELECT TO parley_agent, parley_lead
    USING (role = current_user);
GRANT SELECT ON parley.members TO parley_agent, parley_lead;

CREATE FUNCTION parley.my_team() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT team FROM parley.members WHERE role = current_user AND kind = 'agent' $$;
-- As an array, so a lead's policy is `team = ANY (...)`, which the team index can serve.
CREATE FUNCTION parley.lead_teams() RETURNS text[] LANGUAGE sql STABLE
    AS $$ SELECT COALESCE(array_agg(team), '{}') FROM parley.members
          WHERE role = current_user AND kind = 'lead' $$;

-- One row per session, keyed by the global id the agent's machine gave it. Times are unix
-- milliseconds (UTC), as in the local store; the rest is the review's JSON.
CREATE TABLE parley.sessions (
    uid          text PRIMARY KEY CHECK (uid ~ '^[0-9a-f]{32}$'),
    owner        name NOT NULL DEFAULT current_user,
    team         text NOT NULL DEFAULT parley.my_team(),
    local_id     bigint NOT NULL,
    agent        text NOT NULL,
    started_at   bigint NOT NULL,
    ended_at     bigint,
    duration_ms  bigint,
    playbook     text NOT NULL,
    outcome      text,
    status       text NOT NULL CHECK (status IN ('complete', 'interrupted')),
    source       text NOT NULL,
    nudge_count  bigint NOT NULL,
    heeded_count bigint NOT NULL,
    heeded_ratio double precision,
    items_done   bigint NOT NULL,
    items_total  bigint NOT NULL,
    tags         text[] NOT NULL DEFAULT '{}',
    rules        text[] NOT NULL DEFAULT '{}',
    note         text NOT NULL DEFAULT '',
    transcript   text NOT NULL DEFAULT '',
    summary      jsonb,
    checklist    jsonb NOT NULL,
    nudges       jsonb NOT NULL,
    follow_ups   jsonb NOT NULL,
    timeline     jsonb NOT NULL,
    search       tsvector GENERATED ALWAYS AS (to_tsvector('simple', note || ' ' || transcript)) STORED,
    pushed_at    timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_team_started ON parley.sessions (team, started_at DESC);
CREATE INDEX sessions_started ON parley.sessions (started_at, uid);
CREATE INDEX sessions_owner_started ON parley.sessions (owner, started_at DESC);
CREATE INDEX sessions_search ON parley.sessions USING gin (search);
CREATE INDEX sessions_tags ON parley.sessions USING gin (tags);
CREATE INDEX sessions_rules ON parley.sessions USING gin (rules);
ALTER TABLE parley.sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY sessions_agent_read ON parley.sessions FOR SELECT TO parley_agent
    USING (owner = current_user);
-- A new session is filed in the agent's team; an agent moved to another team can still update
-- the sessions filed before (owner and team cannot be updated at all: see the grants).
CREATE POLICY sessions_agent_file ON parley.sessions FOR INSERT TO parley_agent
    WITH CHECK (owner = current_user AND team = parley.my_team());
CREATE POLICY sessions_agent_update ON parley.sessions FOR UPDATE TO parley_agent
    USING (owner = current_user) WITH CHECK (owner = current_user);
CREATE POLICY sessions_lead ON parley.sessions FOR SELECT TO parley_lead
    USING (team = ANY (parley.lead_teams()));
GRANT SELECT, INSERT ON parley.sessions TO parley_agent;
GRANT UPDATE (local_id, agent, started_at, ended_at, duration_ms, playbook, outcome, status, source,
    nudge_count, heeded_count, heeded_ratio, items_done, items_total, tags, rules, note,
    transcript, summary, checklist, nudges, follow_ups, timeline, updated_at)
    ON parley.sessions TO parley_agent;
GRANT SELECT ON parley.sessions TO parley_lead;

-- Every saved version of a note, never overwritten. `seq` is the version's place in the
-- agent's local history; the current note is the newest by saved_at.
CREATE TABLE parley.note_versions (
    session_uid text NOT NULL REFERENCES parley.sessions (uid) ON DELETE CASCADE,
    seq         integer NOT NULL,
    body        text NOT NULL,
    saved_at    bigint NOT NULL,
    saved_by    text NOT NULL,
    pushed_by   name NOT NULL DEFAULT current_user,
    PRIMARY KEY (session_uid, seq)
);
ALTER TABLE parley.note_versions ENABLE ROW LEVEL SECURITY;
-- The sessions subqueries run under the reader's own session policies.
CREATE POLICY notes_agent ON parley.note_versions TO parley_agent
    USING (pushed_by = current_user)
    WITH CHECK (pushed_by = current_user
        AND EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
CREATE POLICY notes_lead ON parley.note_versions FOR SELECT TO parley_lead
    USING (EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
GRANT SELECT, INSERT ON parley.note_versions TO parley_agent;
GRANT SELECT ON parley.note_versions TO parley_lead;

-- A lead's comment on a session, optionally pinned to a moment of its timeline.
CREATE TABLE parley.comments (
    id          bigserial PRIMARY KEY,
    session_uid text NOT NULL REFERENCES parley.sessions (uid) ON DELETE CASCADE,
    author      name NOT NULL DEFAULT current_user,
    at_ms       bigint CHECK (at_ms >= 0),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_session ON parley.comments (session_uid, id);
ALTER TABLE parley.comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY comments_read ON parley.comments FOR SELECT TO parley_agent, parley_lead
    USING (EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
CREATE POLICY comments_write ON parley.comments FOR INSERT TO parley_lead
    WITH CHECK (author = current_user
        AND EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
GRANT SELECT ON parley.comments TO parley_agent;
GRANT SELECT, INSERT ON parley.comments TO parley_lead;
GRANT USAGE ON SEQUENCE parley.comments_id_seq TO parley_lead;
"#;

/// The weekly rollup behind the trend charts (kept by a trigger, so no client can skip it or
/// fake it) and the leads' scorecard overrides.
const V2: &str = r#"
-- One row per agent and week (weeks start Monday 00:00 UTC, as unix ms). A trend over months
-- reads a few hundred of these instead of aggregating every session.
CREATE TABLE parley.weekly (
    team              text NOT NULL,
    owner             name NOT NULL,
    agent             text NOT NULL,
    week              bigint NOT NULL,
    calls             bigint NOT NULL,
    nudges            bigint NOT NULL,
    heeded            bigint NOT NULL,
    interruptions     bigint NOT NULL,
    talk_share_sum    double precision NOT NULL,
    talk_share_calls  bigint NOT NULL,
    boundary_calls    bigint NOT NULL,
    PRIMARY KEY (team, week, owner, agent)
);
ALTER TABLE parley.weekly ENABLE ROW LEVEL SECURITY;
CREATE POLICY weekly_agent ON parley.weekly FOR SELECT TO parley_agent
    USING (owner = current_user);
CREATE POLICY weekly_lead ON parley.weekly FOR SELECT TO parley_lead
    USING (team = ANY (parley.lead_teams()));
GRANT SELECT ON parley.weekly TO parley_agent, parley_lead;

CREATE FUNCTION parley.week_of(ms bigint) RETURNS bigint LANGUAGE sql IMMUTABLE
    AS $$ SELECT 345600000 + floor((ms - 345600000) / 604800000.0)::bigint * 604800000 $$;

-- Adds (sign 1) or takes away (sign -1) one session's figures. Runs as the table owner: the
-- pushing role may not write the rollup itself.
CREATE FUNCTION parley.weekly_apply(s parley.sessions, sign integer) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, parley AS $$
    INSERT INTO parley.weekly AS w (team, owner, agent, week, calls, nudges, heeded,
        interruptions, talk_share_sum, talk_share_calls, boundary_calls)
    VALUES (s.team, s.owner, s.agent, parley.week_of(s.started_at), sign,
        sign * s.nudge_count, sign * s.heeded_count,
        sign * COALESCE((s.summary -> 'pacing' ->> 'interruptions')::bigint, 0),
        sign * COALESCE((s.summary -> 'pacing' ->> 'agent_talk_share')::double precision, 0),
        sign * COALESCE(s.summary -> 'pacing' ? 'agent_talk_share', false)::integer,
        sign * (COALESCE((s.summary ->> 'boundary_step')::integer, 0) > 0)::integer)
    ON CONFLICT (team, week, owner, agent) DO UPDATE SET
        calls = w.calls + excluded.calls, nudges = w.nudges + excluded.nudges,
        heeded = w.heeded + excluded.heeded, interruptions = w.interruptions + excluded.interruptions,
        talk_share_sum = w.talk_share_sum + excluded.talk_share_sum,
        talk_share_calls = w.talk_share_calls + excluded.talk_share_calls,
        boundary_calls = w.boundary_calls + excluded.boundary_calls
$$;
REVOKE ALL ON FUNCTION parley.weekly_apply(parley.sessions, integer) FROM PUBLIC;

CREATE FUNCTION parley.weekly_track() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, parley AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM parley.weekly_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM parley.weekly_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_weekly AFTER INSERT OR UPDATE OR DELETE ON parley.sessions
    FOR EACH ROW EXECUTE FUNCTION parley.weekly_track();
INSERT INTO parley.weekly
SELECT team, owner, agent, parley.week_of(started_at), count(*), sum(nudge_count), sum(heeded_count),
    sum(COALESCE((summary -> 'pacing' ->> 'interruptions')::bigint, 0)),
    sum(COALESCE((summary -> 'pacing' ->> 'agent_talk_share')::double precision, 0)),
    count(*) FILTER (WHERE summary -> 'pacing' ? 'agent_talk_share'),
    count(*) FILTER (WHERE COALESCE((summary ->> 'boundary_step')::integer, 0) > 0)
FROM parley.sessions GROUP BY 1, 2, 3, 4;

-- Overdue follow-ups are found among the few sessions that owe one.
CREATE INDEX sessions_follow_ups ON parley.sessions (team, started_at)
    WHERE follow_ups <> '[]'::jsonb;

-- A lead overrides one scorecard criterion of a call, with a reason. Never updated: the newest
-- row per criterion counts and the older ones are the history.
CREATE TABLE parley.score_overrides (
    id          bigserial PRIMARY KEY,
    session_uid text NOT NULL REFERENCES parley.sessions (uid) ON DELETE CASCADE,
    criterion   text NOT NULL CHECK (length(criterion) BETWEEN 1 AND 100),
    met         boolean NOT NULL,
    reason      text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    author      name NOT NULL DEFAULT current_user,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX score_overrides_session ON parley.score_overrides (session_uid, id);
ALTER TABLE parley.score_overrides ENABLE ROW LEVEL SECURITY;
CREATE POLICY overrides_read ON parley.score_overrides FOR SELECT TO parley_agent, parley_lead
    USING (EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
CREATE POLICY overrides_write ON parley.score_overrides FOR INSERT TO parley_lead
    WITH CHECK (author = current_user
        AND EXISTS (SELECT 1 FROM parley.sessions s WHERE s.uid = session_uid));
GRANT SELECT ON parley.score_overrides TO parley_agent;
GRANT SELECT, INSERT ON parley.score_overrides TO parley_lead;
GRANT USAGE ON SEQUENCE parley.score_overrides_id_seq TO parley_lead;
"#;

/// What `setup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    pub from: i32,
    pub to: i32,
}

/// Creates or migrates the schema and the group roles. Safe to run again.
pub fn setup(url: &ServerUrl) -> Result<SetupReport, TeamError> {
    let mut client = url.connect()?;
    let mut tx = client.transaction().map_err(url.sql("starting setup"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])
        .map_err(url.sql("waiting for another setup"))?;
    tx.batch_execute(
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parley_agent') THEN
                CREATE ROLE parley_agent NOLOGIN;
            END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parley_lead') THEN
                CREATE ROLE parley_lead NOLOGIN;
            END IF;
         END $$;
         CREATE SCHEMA IF NOT EXISTS parley;
         CREATE TABLE IF NOT EXISTS parley.schema_migrations (
             version    integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         );",
    )
    .map_err(url.sql("creating the schema and roles"))?;
    let found: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM parley.schema_migrations",
            &[],
        )
        .map_err(url.sql("reading the schema version"))?
        .get(0);
    if found > LATEST {
        return Err(TeamError::TooNew {
            server: url.to_string(),
            found,
            supported: LATEST,
        });
    }
    for v in found..LATEST {
        tx.batch_execute(MIGRATIONS[v as usize])
            .map_err(url.sql(format!("applying migration {}", v + 1)))?;
        tx.execute(
            "INSERT INTO parley.schema_migrations (version) VALUES ($1)",
            &[&(v + 1)],
        )
        .map_err(url.sql(format!("recording migration {}", v + 1)))?;
    }
    tx.commit().map_err(url.sql("committing setup"))?;
    Ok(SetupReport {
        from: found,
        to: LATEST,
    })
}

/// The schema version on the server, 0 when not set up.
pub fn version(client: &mut Client, url: &ServerUrl) -> Result<i32, TeamError> {
    let row = client
        .query_one(
            "SELECT to_regclass('parley.schema_migrations') IS NOT NULL",
            &[],
        )
        .map_err(url.sql("reading the schema version"))?;
    if !row.get::<_, bool>(0) {
        return Ok(0);
    }
    Ok(client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM parley.schema_migrations",
            &[],
        )
        .map_err(url.sql("reading the schema version"))?
        .get(0))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Agent,
    Lead,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Agent => "agent",
            Kind::Lead => "lead",
        }
    }

    fn group(self) -> &'static str {
        match self {
            Kind::Agent => AGENT_ROLE,
            Kind::Lead => LEAD_ROLE,
        }
    }
}

/// A person just added: their connection URL (with a new password) to hand to them.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub team: String,
    pub kind: Kind,
    /// Contains the password: show it to the admin once, never log it.
    pub url: String,
}

/// Role names become SQL identifiers; only a safe subset is accepted, so no quoting games.
pub fn check_name(name: &str, kind: &'static str) -> Result<(), TeamError> {
    let ok = (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with("pg_")
        && !name.starts_with("parley_");
    if ok {
        Ok(())
    } else {
        Err(TeamError::BadName {
            name: name.to_string(),
            kind,
        })
    }
}

fn new_password() -> Result<String, TeamError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)
        .map_err(|e| TeamError::BadRequest(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Adds an agent or a lead to a team (creating the login role, or giving an existing Parley
/// member a new password) and returns the URL to hand to them.
pub fn add_member(
    admin: &ServerUrl,
    name: &str,
    team: &str,
    kind: Kind,
) -> Result<Member, TeamError> {
    check_name(name, kind.as_str())?;
    let team = team.trim();
    if team.is_empty() || team.len() > 100 {
        return Err(TeamError::BadName {
            name: team.to_string(),
            kind: "team",
        });
    }
    let mut client = admin.connect()?;
    if version(&mut client, admin)? < LATEST {
        return Err(TeamError::NotSetUp {
            server: admin.to_string(),
        });
    }
    let password = new_password()?;
    let mut tx = client.transaction().map_err(admin.sql("starting"))?;
    let existing = tx
        .query_opt(
            "SELECT pg_has_role(r.oid, g.oid, 'MEMBER') FROM pg_roles r, pg_roles g
             WHERE r.rolname = $1 AND g.rolname = $2",
            &[&name, &kind.group()],
        )
        .map_err(admin.sql(format!("looking up role '{name}'")))?;
    // The name is checked above and the password is hex: both are safe inside the statement.
    match existing.map(|r| r.get::<_, bool>(0)) {
        None => tx
            .batch_execute(&format!(
                "CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {}",
                kind.group()
            ))
            .map_err(admin.sql(format!("creating role '{name}'")))?,
        Some(true) => tx
            .batch_execute(&format!("ALTER ROLE {name} LOGIN PASSWORD '{password}'"))
            .map_err(admin.sql(format!("resetting the password of '{name}'")))?,
        Some(false) => {
            return Err(TeamError::RoleTaken {
                server: admin.to_string(),
                name: name.to_string(),
                kind: kind.as_str(),
            })
        }
    }
    if kind == Kind::Agent {
        // An agent is in one team: moving them keeps their sessions where they were filed.
        tx.execute(
            "DELETE FROM parley.members WHERE role = $1 AND kind = 'agent' AND team <> $2",
            &[&name, &team],
        )
        .map_err(admin.sql(format!("moving '{name}'")))?;
    }
    tx.execute(
        "INSERT INTO parley.members (role, team, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&name, &team, &kind.as_str()],
    )
    .map_err(admin.sql(format!("adding '{name}' to team '{team}'")))?;
    tx.commit().map_err(admin.sql("committing"))?;
    let (host, port) = admin.host_port();
    let db = admin.dbname().or(admin.user()).unwrap_or("postgres");
    Ok(Member {
        name: name.to_string(),
        team: team.to_string(),
        kind,
        url: format!("postgresql://{name}:{password}@{host}:{port}/{db}"),
    })
}
