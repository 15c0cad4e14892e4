//! `natter-tui`: Natter in the terminal. A full-screen client, or with `--plain` a pipe for
//! scripts and bots. Both speak the live protocol (`docs/protocol.md`) through the state
//! machine the browser uses (`client`).

mod actions;
mod colour;
mod composer;
mod config;
mod format;
mod lang;
mod link;
mod message;
mod plain;
mod screen;
mod text;
mod upload;
mod url;

use clap::{CommandFactory, Parser};

/// Where a server run with `make run` listens.
const DEFAULT_SERVER: &str = "http://127.0.0.1:3000";

#[derive(Parser, Debug)]
#[command(name = "natter-tui", version, about = "Natter chat in the terminal")]
struct Args {
    /// The server: http://, https://, ws:// or wss:// and its host (the path is ignored).
    #[arg(default_value = DEFAULT_SERVER)]
    server: String,
    /// The nickname to chat as.
    #[arg(long)]
    nick: String,
    /// The room to open.
    #[arg(long, default_value = protocol::DEFAULT_ROOM)]
    room: String,
    /// No screen: send each line of standard input, print each message of the room.
    #[arg(long)]
    plain: bool,
    /// Do not ring the terminal bell when someone mentions you.
    #[arg(long)]
    no_bell: bool,
}

/// The command line in the reader's language: `--help` says what the program and each
/// argument is, and wrong arguments are refused in the language too (`i18n::cli`).
fn command() -> clap::Command {
    i18n::cli::localize(
        Args::command(),
        lang::locale(),
        "tui-cli-about",
        &[
            ("server", "tui-cli-server"),
            ("nick", "tui-cli-nick"),
            ("room", "tui-cli-room"),
            ("plain", "tui-cli-plain"),
            ("no_bell", "tui-cli-no-bell"),
        ],
    )
}

fn main() {
    // The language first: everything after speaks it, `--help` included.
    lang::init();
    let args: Args = i18n::cli::parse(command(), lang::locale());
    let code = match start(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("natter-tui: {error}");
            2
        }
    };
    std::process::exit(code);
}

fn start(args: Args) -> Result<i32, String> {
    let url = url::live_url(&args.server)?;
    let nickname = protocol::nickname(&args.nick).map_err(|e| lang::invalid_text(&e))?.to_owned();
    let room = protocol::room_name(&args.room).map_err(|e| lang::invalid_text(&e))?;
    // One TLS provider for the whole process (`wss`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut core = client::Core::new(&nickname);
    let password = std::env::var("NATTER_PASSWORD").ok().filter(|p| !p.is_empty());
    let may_ask = password.is_none();
    core.set_password(password);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let link = link::Link::new(url, core);
    if args.plain {
        Ok(runtime.block_on(plain::run(link, room, may_ask)))
    } else {
        runtime.block_on(screen::run(link, room, may_ask, !args.no_bell))
    }
}

/// Asks for the password of a protected nickname on the terminal, without echo.
fn ask_password(nickname: &str) -> Option<String> {
    let prompt = lang::tf("tui-password-prompt", &[("nickname", nickname.into())]);
    rpassword::prompt_password(format!("{prompt} ")).ok().filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_speaks_the_readers_language() {
        let help = |locale| lang::with_locale(locale, || command().render_help().to_string());
        for (locale, needles) in [
            (
                i18n::Locale::En,
                &[
                    "Natter chat in the terminal",
                    "Usage: natter-tui",
                    "The nickname to chat as.",
                    "--no-bell",
                    "Print help",
                    "(default general)",
                ][..],
            ),
            (
                i18n::Locale::Ru,
                &[
                    "Использование: natter-tui",
                    "Ваш ник в чате.",
                    "Параметры:",
                    "--nick <NICK>",
                    "Показать справку",
                    "(по умолчанию general)",
                ][..],
            ),
            (i18n::Locale::ZhCn, &["用法：natter-tui", "（默认 general）"][..]),
            (i18n::Locale::PtBr, &["Opções:", "(padrão general)"][..]),
        ] {
            let shown = help(locale);
            for needle in needles {
                assert!(shown.contains(needle), "{needle} in {shown}");
            }
        }
        let russian = help(i18n::Locale::Ru);
        assert!(!["Usage", "Print help", "default"].iter().any(|e| russian.contains(e)), "{russian}");
        // The arguments still parse as before.
        let args: Args = i18n::cli::try_parse_from(
            &mut command(),
            i18n::Locale::En,
            ["natter-tui", "--nick", "ann", "--plain", "https://chat.example"],
        )
        .unwrap();
        assert_eq!((args.nick.as_str(), args.plain, args.room.as_str()), ("ann", true, "general"));
        assert_eq!(args.server, "https://chat.example");
    }
}
