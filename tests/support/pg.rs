//! A throwaway PostgreSQL for tests: `initdb` into a temporary folder and `pg_ctl` on a free
//! local port, no system service. Removed when dropped. `None` (and a SKIPPED line) when the
//! server binaries are not installed.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Pg {
    bin: PathBuf,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub password: String,
    /// When the tests run as root, the server runs as this user (PostgreSQL refuses root).
    run_as: Option<(u32, u32)>,
    /// The server's self-signed certificate (for 127.0.0.1) when started with TLS.
    pub cert: Option<PathBuf>,
}

fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PARLEY_PG_BIN") {
        let dir = PathBuf::from(dir);
        return (dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()).then_some(dir);
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path().join("bin")).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

fn id_of(user: &str) -> Option<(u32, u32)> {
    let out = |flag: &str| -> Option<u32> {
        let o = Command::new("id").arg(flag).arg(user).output().ok()?;
        String::from_utf8(o.stdout).ok()?.trim().parse().ok()
    };
    Some((out("-u")?, out("-g")?))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Pg {
    /// Starts a new server, or returns None after printing why the test is skipped.
    pub fn start(test: &str) -> Option<Pg> {
        Pg::start_with(test, false)
    }

    /// Starts a server that offers TLS with a new self-signed certificate for 127.0.0.1.
    pub fn start_tls(test: &str) -> Option<Pg> {
        Pg::start_with(test, true)
    }

    fn start_with(test: &str, tls: bool) -> Option<Pg> {
        let Some(bin) = find_bin() else {
            eprintln!("SKIPPED {test}: PostgreSQL server binaries (initdb, pg_ctl) not found; install the `postgresql` package or set PARLEY_PG_BIN");
            return None;
        };
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let run_as = if root {
            match id_of("postgres").or_else(|| id_of("nobody")) {
                Some(ids) => Some(ids),
                None => {
                    eprintln!("SKIPPED {test}: running as root and no 'postgres' or 'nobody' user to run the server as");
                    return None;
                }
            }
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("parley-pg-")
            .tempdir()
            .unwrap();
        let password = format!("admin-{}", std::process::id());
        std::fs::write(dir.path().join("pw"), &password).unwrap();
        if let Some((uid, gid)) = run_as {
            for p in [dir.path().to_path_buf(), dir.path().join("pw")] {
                std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
            }
        }
        let mut cert = None;
        if tls {
            let (crt, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            let made = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                ])
                .args([
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&crt)
                .output();
            match made {
                Ok(o) if o.status.success() => {}
                _ => {
                    eprintln!("SKIPPED {test}: the openssl command cannot make a test certificate");
                    return None;
                }
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
            if let Some((uid, gid)) = run_as {
                for p in [&crt, &key] {
                    std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
                }
            }
            cert = Some(crt);
        }
        let pg = Pg {
            bin,
            port: free_port(),
            password,
            dir,
            run_as,
            cert,
        };
        let data = pg.data();
        let pw = pg.dir.path().join("pw");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "admin",
                "--pwfile",
                pw.to_str().unwrap(),
                "--auth",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
        );
        pg.start_again();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let mut c = Command::new(self.bin.join(tool));
        if let Some((uid, gid)) = self.run_as {
            use std::os::unix::process::CommandExt;
            c.uid(uid).gid(gid);
        }
        c.current_dir(self.dir.path());
        c
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}\nlog: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
        );
    }

    /// Starts the server (again, after `stop`), waiting until it accepts connections.
    pub fn start_again(&self) {
        let mut opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        if self.cert.is_some() {
            let d = self.dir.path().display();
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key"
            ));
        }
        let data = self.data();
        let log = self.dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server; `immediate` cuts every connection at once, as a crash would.
    pub fn stop(&self, immediate: bool) {
        let data = self.data();
        let mode = if immediate { "immediate" } else { "fast" };
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", mode, "-w", "stop"],
        );
    }

    pub fn url(&self, user: &str, password: &str) -> String {
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    pub fn admin_url(&self) -> String {
        self.url("admin", &self.password)
    }

    pub fn client(&self, url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls).unwrap()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.data();
        if data.join("postmaster.pid").exists() {
            // Best effort: the folder goes either way, and a failure here must not hide the test's.
            let stopped = self
                .command("pg_ctl")
                .args([
                    "-D",
                    data.to_str().unwrap_or(""),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ])
                .output();
            if let Err(e) = stopped {
                eprintln!("could not stop the test PostgreSQL: {e}");
            }
        }
    }
}
