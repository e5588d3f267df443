//! The interface's own words in English and Russian. Plan texts are not here: they come
//! from the plan file in both languages.

use clubgate_ipc::Bilingual;
use leptos::prelude::*;

/// The interface language.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    En,
    Ru,
}

/// The language signal, provided at the root.
pub(crate) fn lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A plan text in the current language.
pub(crate) fn pick(text: &Bilingual, lang: Lang) -> String {
    match lang {
        Lang::En => text.en.clone(),
        Lang::Ru => text.ru.clone(),
    }
}

/// An interface word in the current language.
pub(crate) fn t(key: &str, lang: Lang) -> &'static str {
    let (en, ru) = match key {
        "timeline" => ("Timeline", "Таймлайн"),
        "checklists" => ("Checklists", "Чек-листы"),
        "gate" => ("Go/No-Go", "Go/No-Go"),
        "settings" => ("Settings", "Настройки"),
        "phase_now" => ("Current phase", "Текущая фаза"),
        "between_phases" => ("Between phases", "Между фазами"),
        "next_checkpoint" => ("Next checkpoint", "Следующая точка"),
        "none_left" => ("All checkpoints are behind", "Все точки пройдены"),
        "t0" => ("T0", "T0"),
        "in" => ("in", "через"),
        "ago" => ("ago", "назад"),
        "volume_cap" => ("Volume cap", "Лимит объёма"),
        "of_daily_target" => ("of the daily target", "дневной цели"),
        "checkpoints" => ("Checkpoints", "Контрольные точки"),
        "freezes" => ("Freeze plan", "Freeze-план"),
        "code_freeze" => ("Code freeze", "Code freeze"),
        "config_freeze" => ("Config freeze", "Config freeze"),
        "active" => ("active", "активен"),
        "change_window" => ("Change window", "Окно изменений"),
        "open" => ("open", "открыто"),
        "closed" => ("closed", "закрыто"),
        "all" => ("All", "Все"),
        "entry" => ("Entry criteria", "Предпосылки"),
        "onboarding" => ("Pilot onboarding", "Онбординг пилотов"),
        "owner" => ("Owner", "Ответственный"),
        "checkpoint" => ("Checkpoint", "Точка"),
        "update" => ("Update", "Изменить"),
        "history" => ("History", "История"),
        "hide" => ("Hide", "Скрыть"),
        "state" => ("State", "Статус"),
        "who" => ("Who", "Кто"),
        "evidence" => ("Evidence / reason", "Подтверждение / причина"),
        "save" => ("Save", "Сохранить"),
        "cancel" => ("Cancel", "Отмена"),
        "no_history" => ("No changes yet.", "Изменений ещё нет."),
        "verdict_go" => ("GO: every entry criterion is done", "GO: все предпосылки выполнены"),
        "verdict_nogo" => ("NO-GO: entry criteria are not all done", "NO-GO: не все предпосылки выполнены"),
        "blocked_by" => ("Blocked by", "Блокируют"),
        "done_of" => ("done", "выполнено"),
        "settings_title" => ("Launch settings", "Настройки запуска"),
        "t0_hint" => {
            ("T0 in the plan zone, e.g. 2026-12-07T10:00, or with an offset", "T0 в поясе плана, напр. 2026-12-07T10:00, или со смещением")
        }
        "tz" => ("Time zone", "Часовой пояс"),
        "tz_hint" => ("Empty: the plan's zone", "Пусто: пояс плана"),
        "plan_file" => ("Plan file", "Файл плана"),
        "plan_hint" => ("Empty: the built-in launch-plan-v1", "Пусто: встроенный launch-plan-v1"),
        "frozen_banner" => ("Freeze in force", "Действует freeze"),
        "until" => ("until", "до"),
        "today" => ("now", "сейчас"),
        "items_done" => ("items done", "пунктов выполнено"),
        "goals" => ("Goals", "Цели"),
        "hotfix_only" => ("hotfix only, by procedure", "только hotfix по процедуре"),
        "slo" => ("SLO & rollback", "SLO и откат"),
        "warroom" => ("Warroom", "Warroom"),
        "rollback_none" => ("No rollback: continue", "Откат не нужен: продолжаем"),
        "rollback_partial" => ("Partial rollback", "Частичный откат"),
        "rollback_full" => ("Full rollback", "Полный откат"),
        "events" => ("events", "событий"),
        "replay" => ("Replay", "Реплей"),
        "import" => ("Import", "Импорт"),
        "start" => ("Start", "Запустить"),
        "rules" => ("Rollback rules (seed §10)", "Критерии rollback (§10)"),
        "rule_pass_through" => {
            ("1 · p95 pass-through > 30 min, 2 windows, queue growing", "1 · p95 pass-through > 30 мин 2 окна подряд и очередь растёт")
        }
        "rule_eod_unsettled" => {
            ("2 · EOD unsettled 90 min after cut-off, no improvement", "2 · EOD не рассчитан 90 мин после cut-off без улучшения")
        }
        "rule_webhooks" => ("3 · webhooks < 98% and dead-letter growing", "3 · webhooks < 98% и dead-letter растёт"),
        "rule_sev1" => ("4 · SEV1 incident", "4 · инцидент SEV1"),
        "since" => ("since", "с"),
        "attainment" => ("SLO attainment", "Выполнение SLO"),
        "slo_pass_through" => ("p95 pass-through ≤ 15 min (windows)", "p95 pass-through ≤ 15 мин (окна)"),
        "slo_eod" => ("p95 EOD ≤ 60 min (days)", "p95 EOD ≤ 60 мин (дни)"),
        "slo_webhooks" => ("webhooks ≥ 99% (windows)", "webhooks ≥ 99% (окна)"),
        "alerts" => ("Alerts", "Оповещения"),
        "payouts" => ("Payouts", "Выплаты"),
        "plan_payout" => ("Plan a payout", "План выплаты"),
        "treasury" => ("Treasury", "Казначейство"),
        "approvers" => ("Approver registry", "Реестр согласующих"),
        "wallets" => ("Wallets", "Кошельки"),
        "eod" => ("EOD", "EOD"),
        "volume" => ("Volume", "Объём"),
        "broadcast_send" => ("Broadcast to the node", "Отправить в сеть"),
        "new_payout" => ("New payout for approval", "Новая выплата на согласование"),
        "from_wallet" => ("From hot wallet", "С горячего кошелька"),
        "requested_by" => ("Requested by", "Запросил"),
        "queue" => ("Payout queue", "Очередь выплат"),
        "queue_empty" => ("No payouts in the queue.", "В очереди нет выплат."),
        "put_in_queue" => ("Put into the queue", "Поставить в очередь"),
        "approve_as" => ("Approve as", "Согласовать как"),
        "approvals" => ("Approvals", "Согласования"),
        "slo_gate" => ("SLO gate", "SLO-гейт"),
        "ledger_signed" => ("in the ledger: signed", "в леджере: подписан"),
        "pending_ledger" => ("pending — not in the ledger yet", "ожидает — ещё не в леджере"),
        "refused_ledger" => ("refused by the ledger", "отклонено леджером"),
        "quorum_met" => ("quorum met", "кворум собран"),
        "quorum_missing" => ("quorum not met", "кворума нет"),
        "chain_fields" => ("Chain fields for signing", "Параметры сети для подписи"),
        "pending_nonce" => ("ERC-20 pending nonce (first use of a wallet)", "ERC-20 pending nonce (первое использование кошелька)"),
        "ref_block_bytes" => ("TRC-20 ref block bytes (2 bytes hex)", "TRC-20 ref block bytes (2 байта hex)"),
        "ref_block_hash" => ("TRC-20 ref block hash (8 bytes hex)", "TRC-20 ref block hash (8 байт hex)"),
        "review" => ("Review bytes", "Проверить байты"),
        "import_approval" => ("Add an approval made on another workstation", "Добавить согласование с другого рабочего места"),
        "add_approval" => ("Add approval", "Добавить согласование"),
        "mark_broadcast" => ("Mark broadcast", "Отмечено: отправлено в сеть"),
        "speed_up" => ("Speed up (same nonce, higher fees)", "Ускорить (тот же nonce, выше комиссия)"),
        "resign_expired" => ("Re-sign after expiry (unbroadcast)", "Переподписать после истечения (не отправлялась)"),
        "sign" => ("Sign", "Подписать"),
        "sign_reviewed" => ("Sign the reviewed bytes", "Подписать проверенные байты"),
        "reviewed_bytes" => ("Unsigned bytes to be signed, decoded", "Неподписанные байты к подписи, декодированные"),
        "review_hash" => ("Review hash", "Хеш проверки"),
        "sign_before" => ("sign before", "подписать до"),
        "review_of_speed_up" => ("Replacement: speed-up (same nonce, higher fees)", "Замена: ускорение (тот же nonce, выше комиссия)"),
        "review_of_expired" => ("Replacement: re-sign after expiry", "Замена: переподпись после истечения"),
        "pin_placeholder" => ("typed now, never stored", "вводится сейчас, не сохраняется"),
        "settings_reason" => (
            "Reason (launch IC decision, required once payouts are signed)",
            "Причина (решение Launch IC, обязательна после подписи выплат)",
        ),
        "canaries" => ("Canary payouts (1 USDT per network)", "Канареечные выплаты (1 USDT на сеть)"),
        "send_canary" => ("Sign canary payout", "Подписать канареечную выплату"),
        "headroom" => ("Phase volume left today", "Остаток объёма фазы на сегодня"),
        "network" => ("Network", "Сеть"),
        "token" => ("Token", "Токен"),
        "destination" => ("Destination", "Получатель"),
        "amount" => ("Amount", "Сумма"),
        "daily_target" => ("Daily target volume", "Дневная цель объёма"),
        "signed_today" => ("Signed today", "Подписано сегодня"),
        "plan" => ("Plan", "Рассчитать"),
        "review_bytes" => ("Review a transaction from its exact bytes", "Проверка транзакции по её байтам"),
        "decode" => ("Decode", "Декодировать"),
        "sync_online" => ("online", "онлайн"),
        "sync_cursor" => ("cursor", "курсор"),
        "sync_lag" => ("lag", "отставание"),
        "sync_outbox" => ("outbox", "очередь"),
        "sync_connecting" => ("connecting to", "подключение к"),
        "sync_unauthorized" => ("ledger token refused", "леджер отклонил токен"),
        "sync_broken_at" => ("ledger hash chain broken at seq", "хеш-цепочка леджера нарушена на seq"),
        "sync_stopped" => ("sync stopped", "синхронизация остановлена"),
        "sync_not_configured" => ("ledger: not configured (Settings)", "леджер: не настроен (Настройки)"),
        "sync_refused" => ("refused", "отклонено"),
        "ledger_url" => ("Ledger URL", "URL леджера"),
        "ledger_url_hint" => (
            "http(s)://HOST:PORT; empty stops syncing. The token stays in the OS keychain: clubgate ledger login --url URL",
            "http(s)://HOST:PORT; пусто — без синхронизации. Токен хранится в связке ключей ОС: clubgate ledger login --url URL",
        ),
        "ledger_url_save" => ("Save ledger URL", "Сохранить URL леджера"),
        "saved" => ("saved", "сохранено"),
        "comms" => ("Comms", "Коммуникации"),
        "comms_template" => ("Template", "Шаблон"),
        "comms_zone" => ("Partner's time zone", "Часовой пояс партнёра"),
        "comms_zone_hint" => ("Empty: the launch zone", "Пусто: пояс запуска"),
        "comms_network" => ("Affected network", "Затронутая сеть"),
        "comms_network_auto" => ("From the rollback recommendation", "По рекомендации rollback"),
        "comms_next_update" => ("Next update in (minutes; 0: none)", "Следующее обновление через (мин; 0 — нет)"),
        "comms_preview" => ("Preview", "Предпросмотр"),
        "comms_copy" => ("Copy", "Копировать"),
        "comms_copied" => ("copied to the clipboard", "скопировано в буфер обмена"),
        "comms_copy_failed" => {
            ("The clipboard refused the text; select it and copy by hand.", "Буфер обмена не принял текст; выделите и скопируйте вручную.")
        }
        "comms_export" => ("Export both", "Экспорт обоих"),
        "comms_exported" => ("Written to", "Записано в"),
        "comms_missing" => ("Figures without a value — nothing is filled", "Показатели без значения — текст не заполнен"),
        "comms_en_only" => ("This template goes out in English only (seed §9).", "Этот шаблон отправляется только на английском (§9)."),
        "comms_figures_at" => ("Figures at", "Показатели на"),
        "comms_sent_hash" => ("sha256 of the text sent (decision log)", "sha256 отправляемого текста (журнал решений)"),
        "team" => ("Team", "Команда"),
        "team_rota" => ("On-call rota of the warroom", "График дежурств warroom"),
        "team_covered" => ("Every role is on call for the whole warroom span.", "Все роли на дежурстве на всё время warroom."),
        "team_gaps" => (
            "Gaps in the rota: the T-2h on-call confirmation cannot be done until they are covered.",
            "В графике есть пробелы: подтвердить on-call на T-2h нельзя, пока они не закрыты.",
        ),
        "team_gap" => ("Nobody on call", "Никто не дежурит"),
        "team_on_call_now" => ("On call now", "Дежурит сейчас"),
        "team_nobody" => ("nobody", "никто"),
        "team_no_people" => ("No one in this role yet.", "В этой роли пока никого."),
        "team_add_person" => ("Add a person", "Добавить человека"),
        "team_name" => ("Name", "Имя"),
        "team_role" => ("Role", "Роль"),
        "team_contact" => ("Contact: phone, @telegram or e-mail", "Контакт: телефон, @telegram или e-mail"),
        "team_add" => ("Add", "Добавить"),
        "team_add_shift" => ("Add an on-call shift", "Добавить смену дежурства"),
        "team_person" => ("Person", "Человек"),
        "team_from" => ("From", "С"),
        "team_to" => ("To (not included)", "По (не включая)"),
        "team_shift_hint" => (
            "T-1d, T+36h, a wall clock in the plan zone (2026-12-06T10:00) or RFC 3339; the shift is in the person's role.",
            "T-1d, T+36h, время в поясе плана (2026-12-06T10:00) или RFC 3339; смена — в роли человека.",
        ),
        "team_on_call_at" => ("on call at", "дежурит в"),
        "reports" => ("Reports", "Отчёты"),
        "report_warroom" => ("Warroom report (T+1h)", "Отчёт warroom (T+1h)"),
        "report_daily" => ("Daily report", "Ежедневный отчёт"),
        "report_kpi" => ("KPI report", "Отчёт по KPI"),
        "report_postmortem" => ("Postmortem draft (T+7d)", "Черновик постмортема (T+7d)"),
        "report_at" => ("Report at", "Отчёт на"),
        "report_period" => ("period", "период"),
        "report_at_hint" => (
            "Instant: 2026-12-07T11:00 (plan zone) or RFC 3339; empty: the data clock",
            "Момент: 2026-12-07T11:00 (пояс плана) или RFC 3339; пусто — часы данных",
        ),
        "report_run" => ("Make the report", "Сформировать отчёт"),
        "report_files_hint" => (
            "The same Markdown, CSV and SVG charts as `clubgate report KIND --at T --out DIR`.",
            "Те же Markdown, CSV и SVG-графики, что и `clubgate report KIND --at T --out DIR`.",
        ),
        _ => ("?", "?"),
    };
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

/// The label of an approver's PIN field: the PIN of that person's own token.
pub(crate) fn pin_label(name: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("PIN of {name}'s token"),
        Lang::Ru => format!("PIN токена: {name}"),
    }
}

/// A countdown such as `2d 03:14:07`, signed by `in`/`ago`.
pub(crate) fn countdown(target_ms: i64, now_ms: i64, lang: Lang) -> String {
    let delta = target_ms - now_ms;
    let seconds = delta.abs() / 1000;
    let (days, hours, minutes, secs) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    let body = if days > 0 { format!("{days}d {hours:02}:{minutes:02}:{secs:02}") } else { format!("{hours:02}:{minutes:02}:{secs:02}") };
    if delta >= 0 {
        format!("{} {body}", t("in", lang))
    } else {
        format!("{body} {}", t("ago", lang))
    }
}
