//! The T+1h warroom report (seed §8 T+1h): SLO status, queues, webhooks, incidents over the
//! last hour of whole SLO windows, and the rollback rules at the report's instant.

use crate::doc::Doc;
use crate::error::Result;
use crate::figures::Ctx;
use crate::views::{self, EodBasis};
use crate::ReportFiles;

pub(crate) fn write(ctx: &Ctx<'_>, from: i64, to: i64) -> Result<ReportFiles> {
    let mut doc = Doc::default();
    views::header(&mut doc, ctx, "Warroom report (T+1h): SLO status, queues, webhooks, incidents", from, to);
    let windows = ctx.windows(from, to, ctx.plan.slos.window_minutes);

    doc.heading(2, "SLO status");
    views::slo_table(&mut doc, ctx, "slo", from, to, EodBasis::Settled);
    views::rules(&mut doc, ctx);

    doc.heading(2, "Queues");
    views::queues(&mut doc, ctx, "queues", from, to);
    views::window_table(&mut doc, ctx, &windows, true);

    doc.heading(2, "Webhooks");
    views::webhooks(&mut doc, ctx, "webhooks", from, to);

    doc.heading(2, "Incidents");
    views::incidents(&mut doc, ctx, "incidents", from, to);

    let label = views::clock_label(ctx, from, "%H:%M");
    views::charts_section(&mut doc, |doc| views::window_charts(doc, ctx, "warroom", &windows, &label))?;
    Ok(doc.finish(ctx))
}
