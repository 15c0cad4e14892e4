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

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "natter-tui", version, about = "Natter chat in the terminal")]
struct Args {
    /// The server: http://, https://, ws:// or wss:// and its host (the path is ignored).
    #[arg(default_value = "http://127.0.0.1:3000")]
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

fn main() {
    // The language first: everything after speaks it (`--help` stays English, as clap writes it).
    lang::init();
    let args = Args::parse();
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
