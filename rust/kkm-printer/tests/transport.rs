//! Transports: TCP against a local listener, file, serial over a pseudo-terminal, the CLI,
//! and graceful errors where no printer / no Bluetooth exists.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use common::temp_path;
use kkm_print::model::{Language, PrintDocument};
use kkm_print::sample::seed_sale;
use kkm_print::{print, EscPosOptions, ImageOptions, PrintError, PrinterTransport};
use kkm_printer::transport::{
    open_transport, BleConfig, BleTransport, DeviceTransport, FileTransport, RetryPolicy,
    SerialTransport, TcpTransport,
};

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        backoff: Duration::from_millis(10),
    }
}

#[test]
fn tcp_9100_receives_the_whole_job_on_each_print() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let mut jobs = Vec::new();
        for _ in 0..2 {
            let (mut s, _) = listener.accept().expect("accept");
            s.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).expect("read");
            jobs.push(buf);
        }
        jobs
    });
    let mut t = TcpTransport::new(&format!("127.0.0.1:{port}")).expect("spec");
    t.retry = fast_retry();
    let doc = PrintDocument::Receipt(seed_sale(Language::Ru));
    let opts = ImageOptions::default();
    let job = kkm_print::render_escpos(&doc, &opts, &EscPosOptions::default()).expect("job");
    print(&mut t, &doc, &opts, &EscPosOptions::default()).expect("first print");
    // A reprint is a duplicate and a new connection.
    print(
        &mut t,
        &doc.clone().into_duplicate(),
        &opts,
        &EscPosOptions::default(),
    )
    .expect("reprint");
    let jobs = server.join().expect("server");
    assert_eq!(jobs[0], job);
    assert!(jobs[1].len() > 1000 && jobs[1] != job);
}

#[test]
fn tcp_refused_is_an_error_after_the_retries() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut t = TcpTransport::new(&format!("127.0.0.1:{port}")).expect("spec");
    t.retry = fast_retry();
    t.connect_timeout = Duration::from_millis(500);
    match t.send(b"\x1b@") {
        Err(PrintError::Connect { attempts, .. }) => assert_eq!(attempts, 2),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[test]
fn transport_specs_parse() {
    assert_eq!(
        open_transport("tcp:printer.local").expect("tcp").describe(),
        "tcp://printer.local:9100"
    );
    assert_eq!(
        open_transport("tcp:[::1]:9101").expect("tcp6").describe(),
        "tcp://[::1]:9101"
    );
    assert_eq!(
        open_transport("serial:/dev/ttyUSB0@9600")
            .expect("serial")
            .describe(),
        "serial:///dev/ttyUSB0?baud=9600"
    );
    assert_eq!(
        open_transport("ble:66:22:B3:4C:11:0A")
            .expect("ble")
            .describe(),
        "ble://66:22:B3:4C:11:0A"
    );
    for bad in [
        "",
        "tcp",
        "tcp:",
        "tcp:host:99999",
        "serial:/dev/x@fast",
        "lpt:1",
        "ble: ",
    ] {
        assert!(open_transport(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn file_transport_appends_jobs() {
    let path = temp_path("file.bin");
    let mut t = FileTransport::new(&path);
    t.send(b"one").expect("one");
    t.send(b"two").expect("two");
    assert_eq!(std::fs::read(&path).expect("read"), b"onetwo");
    let _ = std::fs::remove_file(&path);
    let mut bad = FileTransport::new("/nonexistent-dir/printer");
    assert!(matches!(bad.send(b"x"), Err(PrintError::Io(_))));
}

#[cfg(unix)]
#[test]
fn serial_transport_writes_to_a_pseudo_terminal() {
    use serialport::SerialPort;
    let (mut master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let name = slave.name().expect("pty name");
    let job: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let expected = job.clone();
    let reader = std::thread::spawn(move || {
        master.set_timeout(Duration::from_secs(5)).expect("timeout");
        let mut got = vec![0; expected.len()];
        let result = master.read_exact(&mut got).map(|_| got);
        // Keep the master open until the sender's drain (tcdrain) has returned.
        (master, result)
    });
    let mut t = SerialTransport::new(&name, 115_200);
    t.retry = fast_retry();
    t.send(&job).expect("serial send");
    let (master, got) = reader.join().expect("reader");
    let got = got.expect("read");
    drop(master);
    assert_eq!(got, job);
    drop(slave);

    let mut missing = SerialTransport::new("/dev/kkm-no-such-port", 9600);
    missing.retry = fast_retry();
    assert!(matches!(
        missing.send(b"x"),
        Err(PrintError::Connect { .. })
    ));
}

#[test]
fn ble_without_adapter_is_an_error_not_a_panic() {
    let cfg = BleConfig {
        scan_timeout: Duration::from_millis(200),
        retry: fast_retry(),
        ..BleConfig::default()
    };
    let mut t = BleTransport::new("66:22:B3:4C:11:0A", cfg).expect("transport");
    match t.send(b"\x1b@") {
        // This machine has no Bluetooth: that is the expected answer here.
        Err(PrintError::NoBleAdapter(_)) | Err(PrintError::Connect { .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    match kkm_printer::transport::ble::scan_printers(Duration::from_millis(100)) {
        Ok(_) | Err(PrintError::NoBleAdapter(_)) | Err(PrintError::Ble(_)) => {}
        Err(e) => panic!("unexpected {e:?}"),
    }
}

#[test]
fn usb_lp_device_is_written_never_created() {
    // A FIFO stands in for /dev/usb/lp0: a node that exists and is written, not made.
    let path = temp_path("lp0");
    let mut missing = DeviceTransport::new(&path);
    missing.retry = fast_retry();
    assert!(matches!(
        missing.send(b"x"),
        Err(PrintError::Connect { .. })
    ));
    assert!(!path.exists(), "the device transport created a file");
    std::fs::write(&path, b"").expect("node");
    let mut t = open_transport(&format!("usb://{}", path.display())).expect("usb");
    assert_eq!(t.describe(), format!("usb://{}", path.display()));
    t.send(b"\x1b@job").expect("send");
    assert_eq!(std::fs::read(&path).expect("read"), b"\x1b@job");
    let _ = std::fs::remove_file(&path);
}
