//! The packaging files checked without a release build or Docker: the example configuration
//! documents every setting with its default, the compose file wires spanel to MariaDB and Redis with
//! secrets only from the env file, the Dockerfile builds in stages and runs as a non-root user with
//! a health check, the systemd unit runs the packaged binary as `spanel`. (scripts/package-test.sh
//! builds and checks the tarball and the .deb themselves.)

use std::path::Path;

use spanel::config::Config;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn example_config_has_every_setting_at_its_default() {
    let text = read("spanel.example.toml");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spanel.example.toml");
    let loaded = Config::load(Some(&path)).unwrap();
    let defaults = serde_json::to_value(Config::default()).unwrap();
    assert_eq!(serde_json::to_value(&loaded).unwrap(), defaults);
    for key in defaults.as_object().unwrap().keys() {
        let documented = text.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} =")) || l == format!("[{key}]")
        });
        assert!(
            documented,
            "spanel.example.toml does not document `{key}`: add it, commented, with its default"
        );
    }
}

#[test]
fn compose_runs_spanel_with_mariadb_and_redis_and_secrets_from_env() {
    let compose: serde_json::Value = serde_norway::from_str(&read("docker-compose.yml")).unwrap();
    let services = &compose["services"];
    for name in ["spanel", "mariadb", "redis"] {
        assert!(services[name].is_object(), "service {name}");
    }
    let spanel = &services["spanel"];
    let env = spanel["environment"].as_object().unwrap();
    let url = env["SPANEL_DATABASE_URL"].as_str().unwrap();
    assert!(
        url.starts_with("mysql://spanel:${MARIADB_PASSWORD"),
        "{url}"
    );
    assert!(url.ends_with("@mariadb:3306/spanel"), "{url}");
    assert_eq!(env["SPANEL_REDIS_URL"], "redis://redis:6379/");
    assert_eq!(env["SPANEL_MODE"], "production");
    // Every secret is a reference into .env, never a value in the file.
    for service in ["spanel", "mariadb"] {
        for (key, value) in services[service]["environment"].as_object().unwrap() {
            if ["SECRET", "KEY", "PASSWORD"]
                .iter()
                .any(|s| key.contains(s))
            {
                let v = value.as_str().unwrap();
                assert!(
                    v.starts_with("${") && v.contains(":?"),
                    "{service}.{key} must come from .env"
                );
            }
        }
    }
    assert_eq!(
        spanel["depends_on"]["mariadb"]["condition"],
        "service_healthy"
    );
    // Data survives containers: each service keeps a named volume.
    let volumes = compose["volumes"].as_object().unwrap();
    for (service, volume) in [
        ("spanel", "spanel-data:/var/lib/spanel"),
        ("mariadb", "mariadb-data:/var/lib/mysql"),
        ("redis", "redis-data:/data"),
    ] {
        assert!(
            services[service]["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == volume),
            "{service} volume"
        );
        assert!(volumes.contains_key(volume.split(':').next().unwrap()));
    }
    // The env file it names exists as an example with every secret it interpolates.
    let example = read("compose.env.example");
    for secret in [
        "SPANEL_JWT_SECRET",
        "SPANEL_MU_KEY",
        "MARIADB_PASSWORD",
        "MARIADB_ROOT_PASSWORD",
    ] {
        assert!(example.contains(&format!("\n{secret}=")), "{secret}");
    }
}

#[test]
fn dockerfile_builds_in_stages_and_runs_unprivileged_with_a_health_check() {
    let text = read("Dockerfile");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    let stages: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("FROM "))
        .map(|(i, _)| i)
        .collect();
    assert!(stages.len() >= 2, "multi-stage");
    let runtime = &lines[*stages.last().unwrap()..];
    assert!(
        !runtime[0].contains("rust"),
        "the runtime image has no toolchain"
    );
    assert!(runtime
        .iter()
        .any(|l| l.starts_with("COPY --from=build") && l.contains("/usr/bin/spanel")));
    let user = runtime
        .iter()
        .rev()
        .find(|l| l.starts_with("USER "))
        .expect("USER");
    assert!(!user.contains("root") && !user.ends_with(" 0"), "{user}");
    let health = runtime
        .iter()
        .position(|l| l.starts_with("HEALTHCHECK"))
        .expect("HEALTHCHECK");
    assert!(runtime[health..=health + 1]
        .join(" ")
        .contains("\"/usr/bin/spanel\", \"healthcheck\""));
    assert!(text.contains("SPANEL_LISTEN=0.0.0.0:8080"));
    // Everything the build needs is copied in.
    for path in ["Cargo.toml", "Cargo.lock", "src", "web"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("COPY ") && l.contains(path)),
            "{path}"
        );
    }
}

#[test]
fn systemd_unit_runs_the_packaged_binary_as_spanel() {
    let unit = read("packaging/spanel.service");
    for line in [
        "User=spanel",
        "ExecStart=/usr/bin/spanel serve",
        "Environment=SPANEL_CONFIG=/etc/spanel/spanel.toml",
        "EnvironmentFile=-/etc/spanel/spanel.env",
        "WorkingDirectory=/var/lib/spanel",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line}");
    }
    for section in ["[Unit]", "[Service]", "[Install]"] {
        assert!(unit.contains(section));
    }
}

#[test]
fn health_check_url_follows_the_listen_address() {
    assert_eq!(
        spanel::ops::healthz_url("0.0.0.0:8080"),
        "http://127.0.0.1:8080/healthz"
    );
    assert_eq!(
        spanel::ops::healthz_url("127.0.0.1:9000"),
        "http://127.0.0.1:9000/healthz"
    );
}
