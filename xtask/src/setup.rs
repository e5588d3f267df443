//! Installs what the build and the tests need, each only when missing: Debian packages,
//! the wasm32 target, and the cargo tools at pinned versions.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::run;

/// Debian packages: Tauri's build deps, the window-test stack, ImageMagick for
/// screenshots, rsvg-convert for the icons.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "librsvg2-dev",
    "librsvg2-bin",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "dbus",
    "softhsm2",
    "opensc",
    "gnome-keyring",
    // The ledger's PostgreSQL back end: its tests start throw-away clusters with this
    // package's initdb and pg_ctl (the package's own cluster need not run).
    "postgresql",
];

/// trunk 0.22 needs a newer rustc than this machine's; 0.21.14 is the last that builds.
const TRUNK_VERSION: &str = "0.21.14";
const SQLX_CLI_VERSION: &str = "0.9.0";

/// `~/.cargo/bin/<tool>` (or `$CARGO_HOME/bin`).
pub(crate) fn cargo_bin(tool: &str) -> PathBuf {
    cargo_home().join("bin").join(tool)
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cargo"))
}

/// PATH with the cargo bin folder first, so trunk finds our wasm-bindgen and the tests
/// find tauri-driver.
pub(crate) fn path_with_cargo_bin() -> std::ffi::OsString {
    let mut paths = vec![cargo_home().join("bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Installs everything that is missing.
pub(crate) fn ensure() -> Result<(), String> {
    apt()?;
    wasm_target()?;
    let wasm_bindgen = wasm_bindgen_version()?;
    cargo_tool("trunk", "trunk", TRUNK_VERSION, &["--locked"])?;
    // Without --locked: with it, a locked dependency of wasm-bindgen-cli no longer resolves.
    cargo_tool("wasm-bindgen-cli", "wasm-bindgen", &wasm_bindgen, &[])?;
    cargo_tool("tauri-driver", "tauri-driver", "2", &["--locked"])?;
    cargo_tool("sqlx-cli", "sqlx", SQLX_CLI_VERSION, &["--locked", "--no-default-features", "--features", "sqlite,rustls"])?;
    npm_tools()
}

/// The npm tools the tests cross-check against (tools/package.json, locked): installed with
/// `npm ci` unless the installed tree already matches the lock file.
fn npm_tools() -> Result<(), String> {
    let tools = crate::root().join("tools");
    let lock = std::fs::read(tools.join("package-lock.json")).map_err(|e| format!("cannot read tools/package-lock.json: {e}"))?;
    // A copy of the lock file written after a successful `npm ci` marks the tree as current.
    let stamp = tools.join("node_modules").join(".clubgate-installed-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        let mut install = Command::new("apt-get");
        install.args(["install", "-y", "--no-install-recommends", "nodejs", "npm"]).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut install)?;
    }
    run(Command::new("npm").current_dir(&tools).args(["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn apt() -> Result<(), String> {
    let missing: Vec<&str> = APT_PACKAGES.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian packages: {}", missing.join(" "));
    let is_root = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false);
    let apt_get = |args: &[&str]| {
        let mut command = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt_get(&["update"]))?;
    let mut install = apt_get(&["install", "-y", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn wasm_target() -> Result<(), String> {
    let installed =
        Command::new("rustup").args(["target", "list", "--installed"]).output().map_err(|e| format!("cannot run rustup: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen version the UI is locked to: trunk uses the CLI of exactly that version.
fn wasm_bindgen_version() -> Result<String, String> {
    let lock_path = crate::root().join("ui").join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")).and_then(|v| v.strip_suffix('"')) {
                return Ok(version.to_owned());
            }
        }
    }
    Err(format!("{} has no wasm-bindgen entry", lock_path.display()))
}

/// Installs `krate` at `version` unless `cargo install --list` already has it and its
/// binary is in place. `version` may be a major version alone ("2").
fn cargo_tool(krate: &str, binary: &str, version: &str, flags: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let list = Command::new(&cargo).args(["install", "--list"]).output().map_err(|e| format!("cannot run cargo install --list: {e}"))?;
    let listed = String::from_utf8_lossy(&list.stdout);
    let found =
        listed.lines().filter_map(|line| line.strip_prefix(krate)?.strip_prefix(" v")?.split([':', ' ']).next()).next().unwrap_or("");
    let matches = if version.contains('.') { found == version } else { found.split('.').next() == Some(version) };
    if matches && cargo_bin(binary).exists() {
        return Ok(());
    }
    let requirement = if version.contains('.') { format!("={version}") } else { format!("^{version}") };
    let mut install = Command::new(&cargo);
    // Tools build into their own target dir so they never disturb the project's cache.
    install.args(["install", krate, "--version", &requirement]).args(flags).env_remove("CARGO_TARGET_DIR");
    run(&mut install)
}

/// A running Xvfb, stopped on drop.
pub(crate) struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on the first free display from :90.
pub(crate) fn start_xvfb() -> Result<(Xvfb, String), String> {
    let number = (90..200).find(|n| !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()).ok_or("no free X display number")?;
    let display = format!(":{number}");
    let child = Command::new("Xvfb")
        .args([display.as_str(), "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start Xvfb: {e}"))?;
    std::thread::sleep(std::time::Duration::from_millis(800));
    Ok((Xvfb(child), display))
}
