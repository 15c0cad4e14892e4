//! The full screen in a pseudo-terminal: the real `natter-tui` started in one, what it draws
//! read back through a vt100 parser, keys typed into it.

use super::WAIT;
use portable_pty::{native_pty_system, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Screen {
    pub parser: Arc<Mutex<vt100::Parser>>,
    /// BEL bytes the program wrote (the parser does not keep them).
    bells: Arc<AtomicUsize>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Screen {
    pub fn start(server: &str, nick: &str, config: &std::path::Path, cols: u16, rows: u16) -> Screen {
        let pair =
            native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_natter-tui"));
        command.args([server, "--nick", nick]);
        command.env("TERM", "xterm-256color");
        command.env("TZ", "UTC");
        command.env("NATTER_LANG", "en");
        command.env("XDG_CONFIG_HOME", config);
        command.env_remove("NATTER_PASSWORD");
        let child = pair.slave.spawn_command(command).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = parser.clone();
        let bells = Arc::new(AtomicUsize::new(0));
        let rung = bells.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                rung.fetch_add(buf[..n].iter().filter(|&&b| b == 0x07).count(), Ordering::Relaxed);
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Screen { parser, bells, master: pair.master, writer, child }
    }

    pub fn bells(&self) -> usize {
        self.bells.load(Ordering::Relaxed)
    }

    /// Waits until the bell has rung `count` times in all.
    pub fn rings(&self, count: usize) {
        let deadline = Instant::now() + WAIT;
        while self.bells() < count {
            assert!(
                Instant::now() < deadline,
                "{} of {count} bells; the screen:\n{}",
                self.bells(),
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn rows(&self) -> Vec<String> {
        let parser = self.parser.lock().unwrap();
        let (_, cols) = parser.screen().size();
        parser.screen().rows(0, cols).collect()
    }

    /// Waits until the screen satisfies `test`.
    pub fn wait(&self, what: &str, test: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !test(&self.contents()) {
            assert!(Instant::now() < deadline, "waiting for {what}; the screen:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn shows(&self, text: &str) {
        self.wait(text, |c| c.contains(text));
    }

    pub fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn line(&mut self, text: &str) {
        self.keys(text);
        self.keys("\r");
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        self.parser.lock().unwrap().set_size(rows, cols);
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
