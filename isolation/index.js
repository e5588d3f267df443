// Tauri's isolation pattern: every IPC message from the UI passes through this sandboxed
// frame before it reaches the shell. Only the app's own commands get through; anything
// else (a core plugin, an injected script calling something new) is refused here, on top
// of the capability file that already grants nothing more.
const ALLOWED_COMMANDS = new Set([
  "overview",
  "set_item_state",
  "item_history",
  "save_settings",
  "dashboard",
  "import_events",
  "start_replay",
  "plan_payout",
  "decode_transaction",
  "treasury",
  "payout_queue",
  "create_bundle",
  "approve_bundle",
  "review_chunk",
  "sign_chunk",
  "review_canary",
  "sign_canary",
  "mark_broadcast",
  "broadcast_chunk",
  "chain_status",
  "import_approval",
  "sync_status",
  "set_ledger_url",
  "warroom",
  "wallets_view",
  "refresh_wallets",
  "eod_view",
  "eod_settle",
  "eod_dry_run",
  "volume_view",
  "decide",
  "comms_templates",
  "comms_preview",
  "comms_export",
  "team",
  "add_person",
  "add_shift",
  "report",
]);

window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  const command = payload && payload.cmd;
  if (typeof command === "string" && (ALLOWED_COMMANDS.has(command) || command.startsWith("plugin:__TAURI_CHANNEL__|"))) {
    return payload;
  }
  throw new Error(`ClubGate Desk refuses the IPC command ${JSON.stringify(command)}`);
};
