//! Printing after the fact: the print queue of the journal (`kkm-store`) and one worker
//! per printer.
//!
//! A fiscal operation with `is_printable: true` on a KKM that has a printer writes its
//! print job in the document's own transaction, *held*; once the document is settled
//! (the OFD's fiscal sign, or autonomous) the job is released and the printer's worker
//! woken. The HTTP answer never waits for the printer: the worker renders (the request's
//! `image_*` options within the printer's paper, density, cut, the cash drawer on sales
//! paid in cash) and sends off the async workers (`spawn_blocking`), retrying with
//! backoff; after the retries the job is `failed` with the reason, and any document can
//! be reprinted as a duplicate. A missing, switched-off or slow printer never fails,
//! delays or undoes a fiscal document.
//!
//! The I/O is injected: a [`PrinterDriver`] (the daemon gives `kkm-printer`'s), so this
//! crate links no socket, port or Bluetooth code. Without a driver, jobs are kept and
//! marked failed with the reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::Duration;

use kkm_print::device::{PrinterAddress, PrinterDriver};
use kkm_print::model::{PaymentKind, PrintDocument};
use kkm_print::{EscPosOptions, ImageOptions, PrintError};
use kkm_store::{NewPrintJob, PrintCopy, PrintJobRow, PrintNext, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};
use tracing::{debug, info, warn};

use crate::api::PrinterEntity;

/// Retries of a print job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintPolicy {
    /// Pause after the first failed send (doubled after each failure).
    pub first_retry: Duration,
    /// Longest pause between sends.
    pub max_retry: Duration,
    /// Sends before the job is `failed` (at least 1).
    pub max_attempts: u32,
}

impl Default for PrintPolicy {
    /// 0.5 s doubling to 30 s, 30 sends: a printer may be off for about 12 minutes
    /// before its jobs are given up (then reprint them).
    fn default() -> Self {
        PrintPolicy {
            first_retry: Duration::from_millis(500),
            max_retry: Duration::from_secs(30),
            max_attempts: 30,
        }
    }
}

impl PrintPolicy {
    fn pause(&self, attempts: u32) -> Duration {
        let doubled = self
            .first_retry
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
        doubled.min(self.max_retry)
    }
}

/// What a request asked to print: `is_printable` and the seed's image options.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PrintAsk {
    pub is_printable: bool,
    pub image_width: Option<u32>,
    /// `image_scale` as the request's number text.
    pub image_scale: Option<String>,
    pub image_pixel_draw_threshold: Option<u32>,
}

/// The render options a job keeps (versioned: `v` 1), not a rendered blob: a job is
/// rendered when it prints, from the journal's document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct JobOptions {
    v: u32,
    /// The seed's `PrinterTypeEnum` of the KKM's printer, to read a bare name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    printer_type: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image_width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image_scale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<u32>,
}

const OPTIONS_VERSION: u32 = 1;

/// A job to write with a document: its printer's address and its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueuedPrint {
    pub printer: String,
    pub options: String,
}

impl QueuedPrint {
    /// The job asked for, if the request wants paper and the KKM has a printer.
    pub(crate) fn of(printer: Option<&PrinterEntity>, ask: &PrintAsk) -> Option<QueuedPrint> {
        if !ask.is_printable {
            return None;
        }
        let printer = printer.filter(|p| !p.name.trim().is_empty())?;
        Some(QueuedPrint::for_printer(printer, ask))
    }

    fn for_printer(printer: &PrinterEntity, ask: &PrintAsk) -> QueuedPrint {
        let options = JobOptions {
            v: OPTIONS_VERSION,
            printer_type: Some(printer.kind.code()),
            image_width: ask.image_width,
            image_scale: ask.image_scale.clone(),
            threshold: ask.image_pixel_draw_threshold,
        };
        QueuedPrint {
            printer: printer.name.trim().to_string(),
            options: serde_json::to_string(&options).unwrap_or_else(|_| "{\"v\":1}".into()),
        }
    }

    /// As the store takes it.
    pub(crate) fn job(&self, copy: PrintCopy) -> NewPrintJob<'_> {
        NewPrintJob {
            printer: &self.printer,
            copy,
            options: &self.options,
        }
    }
}

/// Where the workers get a job's document from (the registry).
pub(crate) trait DocumentSource: Send + Sync {
    /// The print model of journal record `doc_id` of KKM `kkm_id`, as it stands now.
    fn print_model(&self, kkm_id: u32, doc_id: i64) -> Result<PrintDocument, String>;
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The print queue's workers.
pub(crate) struct Printing {
    store: Arc<Store>,
    driver: Option<Arc<dyn PrinterDriver>>,
    policy: PrintPolicy,
    source: StdMutex<Option<Weak<dyn DocumentSource>>>,
    workers: StdMutex<HashMap<String, Arc<Notify>>>,
    stop: watch::Sender<bool>,
    tasks: StdMutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Printing {
    pub(crate) fn new(
        store: Arc<Store>,
        driver: Option<Arc<dyn PrinterDriver>>,
        policy: PrintPolicy,
    ) -> Printing {
        Printing {
            store,
            driver,
            policy,
            source: StdMutex::new(None),
            workers: StdMutex::new(HashMap::new()),
            stop: watch::channel(false).0,
            tasks: StdMutex::new(Vec::new()),
        }
    }

    /// The machine's printer driver, if any.
    pub(crate) fn driver(&self) -> Option<Arc<dyn PrinterDriver>> {
        self.driver.clone()
    }

    /// Recovers the queue after a stop (see `Store::recover_print_jobs`) and starts a
    /// worker for every printer with waiting jobs.
    pub(crate) fn start(self: &Arc<Self>, source: Weak<dyn DocumentSource>) {
        *self.source.lock().unwrap_or_else(|p| p.into_inner()) = Some(source);
        match self.store.recover_print_jobs(now_ms()) {
            Ok(dups) if !dups.is_empty() => info!(
                jobs = dups.len(),
                "print jobs interrupted by the last stop: a duplicate of each is queued"
            ),
            Ok(_) => {}
            Err(e) => warn!(error = %e, "print queue recovery failed"),
        }
        match self.store.printers_with_waiting_jobs() {
            Ok(printers) => {
                for printer in printers {
                    self.wake(&printer);
                }
            }
            Err(e) => warn!(error = %e, "cannot read the print queue"),
        }
    }

    /// Wakes (or starts) the worker of `printer`.
    pub(crate) fn wake(self: &Arc<Self>, printer: &str) {
        if *self.stop.borrow() {
            return;
        }
        let mut workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(notify) = workers.get(printer) {
            notify.notify_one();
            return;
        }
        let notify = Arc::new(Notify::new());
        workers.insert(printer.to_string(), notify.clone());
        drop(workers);
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            warn!(printer, "no tokio runtime: the print worker cannot start");
            return;
        };
        let me = self.clone();
        let printer = printer.to_string();
        let task = handle.spawn(async move { me.worker(printer, notify).await });
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task);
    }

    /// Stops the workers after the job each is sending.
    pub(crate) async fn shutdown(&self) {
        self.stop.send_replace(true);
        let tasks: Vec<_> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, kkm_store::StoreError> + Send + 'static,
    ) -> Option<T> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                warn!(error = %e, "print queue");
                None
            }
            Err(e) => {
                warn!(error = %e, "print queue task");
                None
            }
        }
    }

    async fn worker(self: Arc<Self>, printer: String, notify: Arc<Notify>) {
        let mut stop = self.stop.subscribe();
        debug!(printer, "print worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let key = printer.clone();
            let next = self
                .blocking(move |s| s.next_print_job(&key, now_ms()))
                .await;
            let wait = match next {
                Some(PrintNext::Ready(job)) => {
                    self.run(job).await;
                    continue;
                }
                Some(PrintNext::WaitUntil(at)) if at < kkm_store::HELD => Some(
                    Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)),
                ),
                Some(_) => None,
                // The store failed: look again a little later.
                None => Some(self.policy.max_retry),
            };
            tokio::select! {
                _ = notify.notified() => {}
                _ = stop.changed() => {}
                _ = async {
                    match wait {
                        Some(d) => tokio::time::sleep(d).await,
                        None => std::future::pending::<()>().await,
                    }
                } => {}
            }
        }
        debug!(printer, "print worker stopped");
    }

    /// Renders and sends one job, and records the outcome.
    async fn run(&self, job: PrintJobRow) {
        let id = job.id;
        if self
            .blocking(move |s| s.print_started(id, now_ms()))
            .await
            .is_none()
        {
            tokio::time::sleep(self.policy.first_retry).await;
            return;
        }
        let outcome = self.render_and_send(&job).await;
        let attempts = job.attempts.saturating_add(1);
        match outcome {
            Ok(()) => {
                debug!(job = id, printer = %job.printer, "printed");
                self.blocking(move |s| s.print_done(id, now_ms())).await;
            }
            Err((error, permanent)) if permanent || attempts >= self.policy.max_attempts => {
                warn!(job = id, printer = %job.printer, %error, "print job failed");
                self.blocking(move |s| s.print_failed(id, &error, now_ms()))
                    .await;
            }
            Err((error, _)) => {
                let pause = self.policy.pause(attempts);
                debug!(job = id, printer = %job.printer, %error, ?pause, "print retry");
                let next = now_ms().saturating_add(i64::try_from(pause.as_millis()).unwrap_or(0));
                self.blocking(move |s| s.print_retry(id, &error, next, now_ms()))
                    .await;
            }
        }
    }

    /// `Err((reason, permanent))`: a permanent failure (a bad address, a document that
    /// does not render) is not retried.
    async fn render_and_send(&self, job: &PrintJobRow) -> Result<(), (String, bool)> {
        let options: JobOptions = serde_json::from_str(&job.options)
            .map_err(|e| (format!("job options do not read: {e}"), true))?;
        if options.v > OPTIONS_VERSION {
            return Err((
                format!("job options v{} are newer than this program", options.v),
                true,
            ));
        }
        let address = PrinterAddress::parse(&job.printer, options.printer_type)
            .map_err(|e| (e.to_string(), true))?;
        let driver = self
            .driver
            .clone()
            .ok_or_else(|| ("this build has no printer driver".to_string(), true))?;
        let source = self
            .source
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(Weak::upgrade)
            .ok_or_else(|| ("the registry is gone".to_string(), false))?;
        let mut document = source
            .print_model(job.kkm_id, job.doc_id)
            .map_err(|e| (e, true))?;
        if job.copy == PrintCopy::Duplicate {
            document = document.into_duplicate();
        }
        let (image, escpos) = render_options(&address, &options, &document, job.copy)?;
        let sent = tokio::task::spawn_blocking(move || -> Result<(), PrintError> {
            let mut transport = driver.open(&address)?;
            let bytes = kkm_print::render_job(transport.as_ref(), &document, &image, &escpos)?;
            transport.send(&bytes)
        })
        .await
        .map_err(|e| (format!("the print task ended abnormally: {e}"), false))?;
        sent.map_err(|e| {
            let permanent = matches!(
                e,
                PrintError::ImageOptions(_)
                    | PrintError::Font(_)
                    | PrintError::Qr(_)
                    | PrintError::Png(_)
                    | PrintError::Address(_)
            );
            (e.to_string(), permanent)
        })
    }
}

/// The render options of a job: the request's image options within the printer's
/// paper; ESC/POS from the printer's settings, with the drawer kicked only for an
/// original receipt paid (partly) in cash.
fn render_options(
    address: &PrinterAddress,
    options: &JobOptions,
    document: &PrintDocument,
    copy: PrintCopy,
) -> Result<(ImageOptions, EscPosOptions), (String, bool)> {
    let paper = address.settings.paper.dots();
    let scale = match options.image_scale.as_deref() {
        Some(text) => text
            .trim()
            .parse::<f32>()
            .map_err(|_| (format!("image_scale {text:?} is not a number"), true))?,
        None => 1.0,
    };
    let image = ImageOptions {
        width: options.image_width.map_or(paper, |w| w.min(paper)),
        scale,
        threshold: options
            .threshold
            .map_or(128, |t| u8::try_from(t.min(255)).unwrap_or(u8::MAX)),
    };
    let cash = matches!(document, PrintDocument::Receipt(r)
        if r.payments.iter().any(|p| p.kind == PaymentKind::Cash && p.sum != 0));
    let escpos = EscPosOptions {
        cut: address.settings.cut,
        density: address.settings.density,
        drawer_kick: address.settings.drawer_kick && cash && copy == PrintCopy::Original,
        ..EscPosOptions::default()
    };
    Ok((image, escpos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PrinterType;
    use kkm_print::model::Language;
    use kkm_print::sample;

    #[test]
    fn options_are_versioned_and_fit_the_paper() {
        let printer = PrinterEntity {
            id: Some(1),
            name: "tcp://127.0.0.1:9100?paper=58&drawer=1&density=2".into(),
            kind: PrinterType::Com,
        };
        assert!(QueuedPrint::of(Some(&printer), &PrintAsk::default()).is_none());
        assert!(QueuedPrint::of(
            None,
            &PrintAsk {
                is_printable: true,
                ..PrintAsk::default()
            }
        )
        .is_none());
        let ask = PrintAsk {
            is_printable: true,
            image_width: Some(576),
            image_scale: Some("1.3".into()),
            image_pixel_draw_threshold: Some(192),
        };
        let q = QueuedPrint::of(Some(&printer), &ask).unwrap();
        assert!(q.options.starts_with("{\"v\":1"), "{}", q.options);
        let options: JobOptions = serde_json::from_str(&q.options).unwrap();
        let address = PrinterAddress::parse(&q.printer, options.printer_type).unwrap();
        let sale = PrintDocument::Receipt(sample::seed_sale(Language::Ru));
        let (image, escpos) =
            render_options(&address, &options, &sale, PrintCopy::Original).unwrap();
        assert_eq!((image.width, image.threshold), (384, 192));
        assert!((image.scale - 1.3).abs() < 1e-6);
        assert!(escpos.drawer_kick, "a sale with cash opens the drawer");
        assert_eq!(escpos.density, 2);
        let (_, dup) = render_options(&address, &options, &sale, PrintCopy::Duplicate).unwrap();
        assert!(!dup.drawer_kick, "a reprint never opens the drawer");
        let z = PrintDocument::Report(sample::seed_report(
            Language::Ru,
            kkm_print::model::ReportKind::Z,
        ));
        let (_, report) = render_options(&address, &options, &z, PrintCopy::Original).unwrap();
        assert!(!report.drawer_kick);
        // A newer options version is refused rather than misread.
        let future = JobOptions {
            v: 2,
            ..options.clone()
        };
        assert!(future.v > OPTIONS_VERSION);
    }

    #[test]
    fn backoff_doubles_to_its_cap() {
        let p = PrintPolicy {
            first_retry: Duration::from_millis(100),
            max_retry: Duration::from_millis(350),
            max_attempts: 5,
        };
        assert_eq!(p.pause(1), Duration::from_millis(100));
        assert_eq!(p.pause(2), Duration::from_millis(200));
        assert_eq!(p.pause(3), Duration::from_millis(350));
        assert_eq!(p.pause(40), Duration::from_millis(350));
    }
}
