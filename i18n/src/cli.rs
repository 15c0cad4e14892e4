//! The command lines of Natter's programs (`natter`, `natter-tui`) in the reader's language
//! (feature `cli`). [`localize`] gives a clap command translated headings, its own `--help`
//! and `--version` flags, and each argument's text from the catalogue, with its default and
//! environment variable said in the language; [`parse`] reads the process's arguments with it
//! and says clap's refusals (an unknown flag, a bad value, a missing argument) in the language
//! too, with clap's exit codes. Shared texts are the `cli-…` keys (`cli.ftl`); each program
//! brings its own (`server-cli-…`, `tui-cli-…`).

use crate::{format, text, Arg, Locale};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Command, FromArgMatches};
use std::ffi::OsString;

/// `command` in `locale`: `about_key` is the program's line, and each `(argument id, key)` in
/// `texts` an argument's text. A default value, the possible values and the environment
/// variable an argument reads are added after its text in the language instead of clap's
/// English brackets; an environment variable's value is never shown.
pub fn localize(command: Command, locale: Locale, about_key: &str, texts: &[(&str, &str)]) -> Command {
    let mut command =
        command.about(text(locale, about_key)).disable_help_flag(true).disable_version_flag(true);
    for (id, key) in texts {
        command = command.mut_arg(*id, |mut arg| {
            let mut notes = Vec::new();
            if arg.get_action().takes_values() {
                let defaults: Vec<_> =
                    arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
                if !defaults.is_empty() && !arg.is_hide_default_value_set() {
                    notes.push(format(locale, "cli-default", &[("value", Arg::Str(&defaults.join(",")))]));
                }
                let possible: Vec<_> =
                    arg.get_possible_values().iter().map(|v| v.get_name().to_owned()).collect();
                if !possible.is_empty() && !arg.is_hide_possible_values_set() {
                    notes.push(format(locale, "cli-possible", &[("values", Arg::Str(&possible.join(", ")))]));
                }
                // (clap allows hiding these only where the argument takes a value.)
                arg = arg.hide_default_value(true).hide_possible_values(true);
            }
            if let Some(name) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
                notes.push(format(locale, "cli-env", &[("name", Arg::Str(&name.to_string_lossy()))]));
            }
            let mut help = text(locale, key);
            if !notes.is_empty() {
                let notes = notes.join(&text(locale, "cli-notes-separator"));
                help = format(locale, "cli-notes", &[("text", Arg::Str(&help)), ("notes", Arg::Str(&notes))]);
            }
            arg.help(help).hide_env(true)
        });
    }
    let positionals = command.get_positionals().next().is_some();
    let mut template =
        format!("{{about-with-newline}}\n{}\n\n", headed(&text(locale, "cli-usage"), "{usage}"));
    if positionals {
        template.push_str(&format!("{}\n{{positionals}}\n\n", text(locale, "cli-arguments")));
    }
    template.push_str(&format!("{}\n{{options}}\n", text(locale, "cli-options")));
    command
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(text(locale, "cli-help")),
        )
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(text(locale, "cli-version")),
        )
        .help_template(template)
}

/// Why a command line was not read.
#[derive(Debug)]
pub enum Refused {
    /// Help or the version was asked for: clap prints it (already in the language) and the
    /// program ends successfully.
    Shown(clap::Error),
    /// The arguments are wrong: `text` says so in the language, for standard error, and the
    /// program ends with `code` (clap's: 2).
    Wrong { text: String, code: i32 },
}

/// Reads `args` (the program's name first) with `command`, saying a refusal in `locale`.
pub fn try_parse_from<T, I>(command: &mut Command, locale: Locale, args: I) -> Result<T, Refused>
where
    T: FromArgMatches,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    let parsed = command.try_get_matches_from_mut(args).and_then(|matches| T::from_arg_matches(&matches));
    parsed.map_err(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Refused::Shown(error),
        _ => Refused::Wrong { text: refusal(command, locale, &error), code: error.exit_code() },
    })
}

/// Reads the process's arguments with `command` (made by [`localize`]): help and the version
/// go to standard output and end the program with 0, wrong arguments are said in `locale` on
/// standard error and end it with clap's code.
pub fn parse<T: FromArgMatches>(mut command: Command, locale: Locale) -> T {
    match try_parse_from(&mut command, locale, std::env::args_os()) {
        Ok(args) => args,
        Err(Refused::Shown(error)) => error.exit(),
        Err(Refused::Wrong { text, code }) => {
            eprint!("{text}");
            std::process::exit(code);
        }
    }
}

/// What clap refused, in `locale`: the fault, a hint if clap has one, the usage, and where
/// help is. English is clap's own wording.
fn refusal(command: &mut Command, locale: Locale, error: &clap::Error) -> String {
    if locale == Locale::En {
        return error.render().to_string();
    }
    let context = |kind| error.get(kind).and_then(value_text);
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let with = |key: &str, args: &[(&str, Arg)]| format(locale, key, args);
    let mut fault = match error.kind() {
        ErrorKind::UnknownArgument => with("cli-unknown-argument", &[("arg", Arg::Str(&arg))]),
        ErrorKind::InvalidValue if value.is_empty() => with("cli-value-required", &[("arg", Arg::Str(&arg))]),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            with("cli-invalid-value", &[("value", Arg::Str(&value)), ("arg", Arg::Str(&arg))])
        }
        ErrorKind::MissingRequiredArgument => with("cli-missing", &[("args", Arg::Str(&arg))]),
        ErrorKind::ArgumentConflict => {
            let other = context(ContextKind::PriorArg).unwrap_or_default();
            with("cli-conflict", &[("arg", Arg::Str(&arg)), ("other", Arg::Str(&other))])
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            with("cli-value-count", &[("arg", Arg::Str(&arg))])
        }
        ErrorKind::NoEquals => with("cli-no-equals", &[("arg", Arg::Str(&arg))]),
        ErrorKind::InvalidUtf8 => text(locale, "cli-not-utf8"),
        // The rest (subcommands, which these programs have none of; I/O) keeps clap's words
        // behind the language's heading.
        _ => error
            .render()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_owned(),
    };
    if let Some(valid) = context(ContextKind::ValidValue) {
        fault.push_str(&format!("\n  {}", with("cli-possible", &[("values", Arg::Str(&valid))])));
    }
    if let Some(suggested) = context(ContextKind::SuggestedArg) {
        fault.push_str(&format!("\n\n  {}", with("cli-similar", &[("arg", Arg::Str(&suggested))])));
    }
    let usage = command.render_usage().to_string();
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(&usage).trim();
    format!(
        "{}\n\n{}\n\n{}\n",
        headed(&text(locale, "cli-error"), &fault),
        headed(&text(locale, "cli-usage"), usage),
        with("cli-more", &[("flag", Arg::Str("--help"))]),
    )
}

/// `rest` after its heading: a space after a Latin or Cyrillic colon, none after a
/// full-width one (`用法：natter`).
fn headed(heading: &str, rest: &str) -> String {
    if heading.ends_with('：') {
        format!("{heading}{rest}")
    } else {
        format!("{heading} {rest}")
    }
}

/// A context value as text: a list joined with commas.
fn value_text(value: &ContextValue) -> Option<String> {
    match value {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(list) => Some(list.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(list) => {
            Some(list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
        }
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
