//! Secrets typed by the operator (token PINs): read with echo off from a terminal, or as one
//! line from standard input when it is not one (scripts and tests pipe it), and kept in memory
//! that is wiped when dropped. Never from the command line, which other users can see.

use std::io::{BufRead, IsTerminal, Read};

use zeroize::Zeroizing;

use crate::commands::{Error, Result};

/// The longest secret read from a pipe; a PIN is far shorter.
const MAX_SECRET_BYTES: usize = 1024;

/// Reads a secret: on a terminal, prompts with `prompt` and reads with echo off; otherwise
/// reads one line of standard input (without its line ending). An empty secret is refused.
pub(crate) fn read_secret(prompt: &str) -> Result<Zeroizing<String>> {
    let unreadable = |e: std::io::Error| Error::Input(format!("cannot read the secret ({}): {e}", prompt.trim_end_matches([':', ' '])));
    let secret = if std::io::stdin().is_terminal() {
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(unreadable)?)
    } else {
        // Room for the longest accepted line up front, so the buffer never moves (and never
        // leaves a copy behind in freed memory) while the line is read.
        let mut line = Zeroizing::new(String::with_capacity(MAX_SECRET_BYTES + 2));
        std::io::stdin().lock().take(MAX_SECRET_BYTES as u64 + 2).read_line(&mut line).map_err(unreadable)?;
        while line.ends_with(['\n', '\r']) {
            line.pop();
        }
        if line.len() > MAX_SECRET_BYTES {
            return Err(Error::Input(format!("the line on standard input is longer than {MAX_SECRET_BYTES} bytes; it is not a PIN")));
        }
        line
    };
    if secret.is_empty() {
        return Err(Error::Input(format!("nothing was given for {}", prompt.trim_end_matches([':', ' ']))));
    }
    Ok(secret)
}
