//! Trends per agent over weeks, from the server's weekly rollup (kept by a trigger on every
//! push) and, for overdue follow-ups, from the few sessions that owe one. Runs as the connected
//! role: row-level security decides whose weeks come back.

use serde::{Deserialize, Serialize};

use super::{ServerUrl, TeamError};

/// One agent's week. Weeks start Monday 00:00 UTC (`week` in unix ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekRow {
    pub agent: String,
    pub owner: String,
    pub week: i64,
    pub calls: i64,
    pub nudges: i64,
    pub heeded: i64,
    /// Heeded nudges over nudges; None in a week without nudges.
    pub heeded_rate: Option<f64>,
    pub interruptions_per_call: f64,
    /// Mean agent talk share per call, 0..=1; None when no call recorded one.
    pub talk_share: Option<f64>,
    /// Calls that reached the boundary ladder.
    pub boundary_calls: i64,
    /// Follow-ups promised on that week's calls, not done, due before `now`.
    pub follow_ups_overdue: i64,
}

/// Weeks that overlap `[from, to)` (unix ms; either open), every agent the role may see.
pub fn weekly_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    from: Option<i64>,
    to: Option<i64>,
    now: i64,
) -> Result<Vec<WeekRow>, TeamError> {
    let rows = client
        .query(
            "SELECT agent, owner::text, week, sum(calls)::bigint, sum(nudges)::bigint,
                    sum(heeded)::bigint, sum(interruptions)::bigint, sum(talk_share_sum),
                    sum(talk_share_calls)::bigint, sum(boundary_calls)::bigint
             FROM parley.weekly
             WHERE ($1::bigint IS NULL OR week >= parley.week_of($1))
               AND ($2::bigint IS NULL OR week < $2)
             GROUP BY 1, 2, 3 HAVING sum(calls) > 0 ORDER BY 1, 3",
            &[&from, &to],
        )
        .map_err(url.sql("reading the weekly trend"))?;
    let overdue = client
        .query(
            "SELECT s.agent, s.owner::text, parley.week_of(s.started_at), count(*)
             FROM parley.sessions s CROSS JOIN LATERAL jsonb_array_elements(s.follow_ups) f
             WHERE s.follow_ups <> '[]'::jsonb
               AND ($1::bigint IS NULL OR s.started_at >= parley.week_of($1))
               AND ($2::bigint IS NULL OR s.started_at < $2)
               AND NOT COALESCE((f ->> 'done')::boolean, false)
               AND (f ->> 'due_at')::bigint < $3
             GROUP BY 1, 2, 3",
            &[&from, &to, &now],
        )
        .map_err(url.sql("reading overdue follow-ups"))?;
    let mut out: Vec<WeekRow> = rows
        .iter()
        .map(|r| {
            let calls: i64 = r.get(3);
            let nudges: i64 = r.get(4);
            let heeded: i64 = r.get(5);
            let talk_calls: i64 = r.get(8);
            WeekRow {
                agent: r.get(0),
                owner: r.get(1),
                week: r.get(2),
                calls,
                nudges,
                heeded,
                heeded_rate: (nudges > 0).then(|| heeded as f64 / nudges as f64),
                interruptions_per_call: r.get::<_, i64>(6) as f64 / calls.max(1) as f64,
                talk_share: (talk_calls > 0).then(|| r.get::<_, f64>(7) / talk_calls as f64),
                boundary_calls: r.get(9),
                follow_ups_overdue: 0,
            }
        })
        .collect();
    for o in &overdue {
        let (agent, owner, week): (String, String, i64) = (o.get(0), o.get(1), o.get(2));
        if let Some(w) = out
            .iter_mut()
            .find(|w| w.agent == agent && w.owner == owner && w.week == week)
        {
            w.follow_ups_overdue = o.get(3);
        }
    }
    Ok(out)
}

/// [`weekly_on`] on a new connection.
pub fn weekly(
    url: &ServerUrl,
    from: Option<i64>,
    to: Option<i64>,
    now: i64,
) -> Result<Vec<WeekRow>, TeamError> {
    weekly_on(&mut url.connect()?, url, from, to, now)
}
