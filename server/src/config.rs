//! Start-up configuration: command-line flags, each with an environment fallback. `--help`
//! and refusals of the command line are in the operator's language (`NATTER_LANG`, else the
//! POSIX locale), with the texts of `server.ftl` (its English says what the doc comments
//! below say, for readers of the code).

use clap::{CommandFactory, Parser, ValueEnum};
use i18n::Locale;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(name = "natter", version, about = "Natter: a real-time chat server")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "NATTER_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory of the embedded SQLite database (created if missing), and of what a node
    /// keeps for itself: the search index and the files of an SQLite node, the session key
    /// when no secret is given.
    #[arg(long, env = "NATTER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Where messages, rooms and people are kept: `postgres://user@host:5432/db` (several
    /// nodes may share it; see docs/scaling.md) or `sqlite://PATH` (a database file).
    /// Default: `natter.db` in the data directory.
    #[arg(long, env = "NATTER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Redis (`redis://host:6379`) for the bus between nodes: each node publishes its room
    /// events, typing and presence there and delivers the others'. Needed by every node of a
    /// cluster; a single node needs none.
    #[arg(long, env = "NATTER_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Directory of the built site (the `pkg/` folder with WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Secret that signs session cookies (at least 32 bytes). Every node of a cluster needs
    /// the same one. Without it, a random key is created once and kept in the data directory.
    #[arg(long, env = "NATTER_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// A file holding the secret (instead of `--secret`), e.g. one mounted on every node.
    #[arg(long, env = "NATTER_SECRET_FILE", conflicts_with = "secret")]
    pub secret_file: Option<PathBuf>,

    /// Mark session cookies `Secure` (set when the site is served over HTTPS).
    #[arg(long, env = "NATTER_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Origins (`scheme://host[:port]`, comma-separated) besides the server's own from which
    /// browsers may open the live connection and post forms (e.g. when a proxy serves the
    /// site under another name).
    #[arg(long = "allowed-origin", env = "NATTER_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Messages one connection may send a second (bursts of six times that); beyond it the
    /// client is told to slow down. Benchmarks of raw capacity raise it.
    #[arg(long, env = "NATTER_MAX_MESSAGES_PER_SECOND", default_value_t = engine::session::MESSAGES_PER_SECOND)]
    pub max_messages_per_second: u32,

    /// Live connections served at once; beyond it a new one is refused (503, Retry-After)
    /// instead of degrading everyone's.
    #[arg(long, env = "NATTER_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: u32,

    /// Seconds between pings on a live connection the client has been silent on. One that
    /// answers nothing (no pong, no frame) for two of them, or takes no bytes for as long, is
    /// dropped: a vanished laptop or phone leaves the presence list and frees its slot.
    #[arg(long, env = "NATTER_KEEPALIVE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_secs: u64,

    /// Largest file one may upload, in bytes.
    #[arg(long, env = "NATTER_MAX_FILE_BYTES", default_value_t = engine::files::FileOptions::default().max_file_bytes)]
    pub max_file_bytes: u64,

    /// Bytes of files one person may keep (their uploads, until the messages are deleted).
    #[arg(long, env = "NATTER_MAX_PERSON_FILE_BYTES", default_value_t = engine::files::FileOptions::default().max_person_bytes)]
    pub max_person_file_bytes: u64,

    /// Bytes of files the server keeps in all; beyond it uploads are refused as "server full".
    #[arg(long, env = "NATTER_MAX_FILE_STORAGE_BYTES", default_value_t = engine::files::FileOptions::default().max_total_bytes)]
    pub max_file_storage_bytes: u64,

    /// Uploads one person may make a minute.
    #[arg(long, env = "NATTER_UPLOADS_PER_MINUTE", default_value_t = engine::files::FileOptions::default().uploads_per_minute)]
    pub uploads_per_minute: u32,

    /// Where files are kept: `file:///dir`, or an S3-compatible bucket
    /// `s3://bucket?endpoint=https://…&region=…` (credentials from the AWS environment
    /// variables). Default: `files/` in the data directory.
    #[arg(long, env = "NATTER_FILE_STORE")]
    pub file_store: Option<String>,

    /// Log format.
    #[arg(long, env = "NATTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Each argument's text in the catalogues (`server.ftl`).
const TEXTS: &[(&str, &str)] = &[
    ("addr", "server-cli-addr"),
    ("data_dir", "server-cli-data-dir"),
    ("database_url", "server-cli-database-url"),
    ("redis_url", "server-cli-redis-url"),
    ("site_root", "server-cli-site-root"),
    ("secret", "server-cli-secret"),
    ("secret_file", "server-cli-secret-file"),
    ("secure_cookies", "server-cli-secure-cookies"),
    ("allowed_origins", "server-cli-allowed-origins"),
    ("max_messages_per_second", "server-cli-max-messages-per-second"),
    ("max_connections", "server-cli-max-connections"),
    ("keepalive_secs", "server-cli-keepalive-secs"),
    ("max_file_bytes", "server-cli-max-file-bytes"),
    ("max_person_file_bytes", "server-cli-max-person-file-bytes"),
    ("max_file_storage_bytes", "server-cli-max-file-storage-bytes"),
    ("uploads_per_minute", "server-cli-uploads-per-minute"),
    ("file_store", "server-cli-file-store"),
    ("log_format", "server-cli-log-format"),
];

impl Config {
    /// The command line in `locale`.
    pub fn localized_command(locale: Locale) -> clap::Command {
        i18n::cli::localize(Config::command(), locale, "server-cli-about", TEXTS)
    }

    /// The configuration from the process's arguments and environment; `--help`, `--version`
    /// and wrong arguments end the process, as clap does, in the operator's language.
    pub fn from_command_line() -> Config {
        let locale = Locale::from_env(|name| std::env::var(name).ok());
        i18n::cli::parse(Config::localized_command(locale), locale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use i18n::cli::{try_parse_from, Refused};

    fn help(locale: Locale) -> String {
        Config::localized_command(locale).render_help().to_string()
    }

    fn refusal(locale: Locale, args: &[&str]) -> String {
        let mut command = Config::localized_command(locale);
        match try_parse_from::<Config, _>(&mut command, locale, args) {
            Err(Refused::Wrong { text, code }) => {
                assert_eq!(code, 2, "{text}");
                text
            }
            other => panic!("{args:?} was read: {other:?}"),
        }
    }

    #[test]
    fn every_flag_has_a_text_in_every_language() {
        let flags: Vec<_> = Config::command()
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| id != "help" && id != "version")
            .collect();
        let texts: Vec<_> = TEXTS.iter().map(|(id, _)| id.to_string()).collect();
        assert_eq!(flags, texts, "a flag without a text in server.ftl, or a text for no flag");
        for locale in Locale::ALL {
            for (_, key) in TEXTS {
                assert!(i18n::has(locale, key), "{}: {key}", locale.tag());
            }
        }
    }

    #[test]
    fn the_help_speaks_the_operators_language() {
        let english = help(Locale::En);
        for needle in [
            "Natter: a real-time chat server",
            "Usage: natter [OPTIONS]",
            "Address to listen on. (default 127.0.0.1:3000; environment variable NATTER_ADDR)",
            "possible values: human, json",
            "Print help",
        ] {
            assert!(english.contains(needle), "{needle} in {english}");
        }
        let russian = help(Locale::Ru);
        for needle in [
            "Natter — сервер чата в реальном времени",
            "Использование: natter [OPTIONS]",
            "Параметры:",
            "--addr <ADDR>",
            "Адрес, на котором слушать. (по умолчанию 127.0.0.1:3000; переменная окружения NATTER_ADDR)",
            "возможные значения: human, json",
            "Показать справку",
        ] {
            assert!(russian.contains(needle), "{needle} in {russian}");
        }
        for english_word in ["Usage", "Options", "Print help", "default", "[env:", "possible values"] {
            assert!(!russian.contains(english_word), "{english_word} in {russian}");
        }
        assert!(help(Locale::ZhCn).contains("监听的地址。（默认 127.0.0.1:3000；环境变量 NATTER_ADDR）"));
        assert!(help(Locale::PtBr)
            .contains("Endereço em que escutar. (padrão 127.0.0.1:3000; variável de ambiente NATTER_ADDR)"));
        // No heading for positional arguments: the server takes none.
        assert!(!russian.contains("Аргументы:"), "the server takes no positional arguments");
    }

    #[test]
    fn refusals_speak_the_operators_language() {
        let unknown = refusal(Locale::Ru, &["natter", "--adr", "x"]);
        assert!(unknown.starts_with("ошибка: неизвестный аргумент «--adr»"), "{unknown}");
        assert!(unknown.contains("подсказка: есть похожий аргумент «--addr»"), "{unknown}");
        assert!(unknown.contains("Использование: natter [OPTIONS]"), "{unknown}");
        assert!(unknown.contains("Подробнее: «--help»."), "{unknown}");
        let bad = refusal(Locale::PtBr, &["natter", "--log-format", "xml"]);
        assert!(bad.contains("valor inválido “xml” para “--log-format <LOG_FORMAT>”"), "{bad}");
        assert!(bad.contains("valores possíveis: human, json"), "{bad}");
        let range = refusal(Locale::ZhCn, &["natter", "--keepalive-secs", "0"]);
        assert!(range.contains("错误：“--keepalive-secs <KEEPALIVE_SECS>”的值“0”无效"), "{range}");
        let conflict = refusal(Locale::Ru, &["natter", "--secret", "s", "--secret-file", "f"]);
        assert!(conflict.contains("нельзя использовать вместе с"), "{conflict}");
        let missing = refusal(Locale::Ru, &["natter", "--addr"]);
        assert!(missing.contains("для «--addr <ADDR>» нужно значение"), "{missing}");
        // English is clap's own wording.
        let english = refusal(Locale::En, &["natter", "--adr", "x"]);
        assert!(english.starts_with("error: unexpected argument '--adr' found"), "{english}");
        // What is right is read as before.
        let mut command = Config::localized_command(Locale::Ru);
        let config: Config = try_parse_from(
            &mut command,
            Locale::Ru,
            ["natter", "--addr", "127.0.0.1:4000", "--log-format", "json"],
        )
        .unwrap();
        assert_eq!((config.addr.port(), config.log_format), (4000, LogFormat::Json));
        let Err(Refused::Shown(shown)) =
            try_parse_from::<Config, _>(&mut command, Locale::Ru, ["natter", "--help"])
        else {
            panic!("--help not shown")
        };
        assert!(shown.to_string().contains("Параметры:"));
    }
}
