//! BLE chunking and pacing against a fake GATT peripheral (no hardware needed), and the
//! choice of the print characteristic.

use std::time::Duration;

use kkm_print::PrintError;
use kkm_printer::transport::ble::{
    choose_write_characteristic, chunk_size, looks_like_printer, write_paced, BlePacing,
    GattCharacteristicInfo, GattLink, WriteMode, KNOWN_PRINTER_CHARACTERISTICS,
};
use uuid::Uuid;

/// A fake peripheral: records every write and every pause.
struct FakePrinter {
    mtu: usize,
    without_response: bool,
    with_response: bool,
    writes: Vec<(Vec<u8>, WriteMode)>,
    pauses: Vec<Duration>,
    fail_at_write: Option<usize>,
}

impl FakePrinter {
    fn new(mtu: usize) -> Self {
        FakePrinter {
            mtu,
            without_response: true,
            with_response: true,
            writes: Vec::new(),
            pauses: Vec::new(),
            fail_at_write: None,
        }
    }

    fn received(&self) -> Vec<u8> {
        self.writes.iter().flat_map(|(c, _)| c.clone()).collect()
    }
}

impl GattLink for FakePrinter {
    fn mtu(&self) -> usize {
        self.mtu
    }
    fn can_write_without_response(&self) -> bool {
        self.without_response
    }
    fn can_write_with_response(&self) -> bool {
        self.with_response
    }
    fn write(&mut self, chunk: &[u8], mode: WriteMode) -> Result<(), String> {
        if self.fail_at_write == Some(self.writes.len()) {
            return Err("link lost".to_string());
        }
        self.writes.push((chunk.to_vec(), mode));
        Ok(())
    }
    fn pause(&mut self, duration: Duration) {
        self.pauses.push(duration);
    }
}

fn job(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn chunks_fit_the_mtu_and_arrive_in_order() {
    let pacing = BlePacing::default();
    for (mtu, size) in [(0, 20), (23, 20), (185, 180), (517, 180), (100, 97)] {
        assert_eq!(chunk_size(mtu, &pacing), size, "mtu {mtu}");
        let mut p = FakePrinter::new(mtu);
        let data = job(5_000);
        let report = write_paced(&mut p, &data, &pacing).expect("paced");
        assert_eq!(p.received(), data);
        assert!(p
            .writes
            .iter()
            .all(|(c, _)| c.len() <= size && !c.is_empty()));
        assert_eq!(report.chunks, data.len().div_ceil(size));
        assert_eq!(report.bytes, data.len());
    }
}

#[test]
fn write_without_response_is_paced_with_barriers_and_a_completion_wait() {
    let pacing = BlePacing {
        max_chunk: 180,
        bytes_per_second: 10_000,
        min_interval: Duration::from_millis(5),
        ack_every: 10,
        completion_wait: Duration::from_millis(700),
    };
    let mut p = FakePrinter::new(23);
    let data = job(1_010); // 50 full chunks of 20 and one of 10
    let report = write_paced(&mut p, &data, &pacing).expect("paced");
    assert_eq!(report.chunks, 51);
    // Every 10th chunk and the last are acknowledged; the others are commands.
    for (i, (_, mode)) in p.writes.iter().enumerate() {
        let expect = if (i + 1) % 10 == 0 || i == 50 {
            WriteMode::WithResponse
        } else {
            WriteMode::WithoutResponse
        };
        assert_eq!(*mode, expect, "chunk {i}");
    }
    assert_eq!(report.acknowledged, 6);
    // A pause after each chunk but the last: 20 bytes at 10 kB/s = 2 ms → min 5 ms.
    assert_eq!(p.pauses.len(), 51);
    assert!(p.pauses[..50]
        .iter()
        .all(|d| *d == Duration::from_millis(5)));
    assert_eq!(
        p.pauses[50],
        Duration::from_millis(700),
        "completion wait last"
    );
    assert_eq!(report.paused, Duration::from_millis(250));

    // With a big MTU the byte rate dominates: 180 bytes at 10 kB/s = 18 ms.
    let mut big = FakePrinter::new(247);
    write_paced(&mut big, &job(360), &pacing).expect("paced");
    assert_eq!(big.pauses[0], Duration::from_millis(18));
}

#[test]
fn with_response_only_characteristics_still_work() {
    let mut p = FakePrinter::new(23);
    p.without_response = false;
    let report = write_paced(&mut p, &job(100), &BlePacing::default()).expect("paced");
    assert!(p.writes.iter().all(|(_, m)| *m == WriteMode::WithResponse));
    assert_eq!(report.acknowledged, 5);

    let mut none = FakePrinter::new(23);
    none.without_response = false;
    none.with_response = false;
    assert!(matches!(
        write_paced(&mut none, &job(10), &BlePacing::default()),
        Err(PrintError::NoWritableCharacteristic(_))
    ));
    // Empty job: nothing written, no wait.
    let mut idle = FakePrinter::new(23);
    write_paced(&mut idle, &[], &BlePacing::default()).expect("empty");
    assert!(idle.writes.is_empty() && idle.pauses.is_empty());
}

#[test]
fn a_lost_link_interrupts_the_job_without_resending() {
    let mut p = FakePrinter::new(23);
    p.fail_at_write = Some(3);
    match write_paced(&mut p, &job(200), &BlePacing::default()) {
        Err(PrintError::Interrupted { sent, total, .. }) => assert_eq!((sent, total), (60, 200)),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(p.writes.len(), 3);
}

fn sig(short: u32) -> Uuid {
    Uuid::from_u128((u128::from(short) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb)
}

fn info(service: Uuid, characteristic: Uuid, write: bool, wwr: bool) -> GattCharacteristicInfo {
    GattCharacteristicInfo {
        service,
        characteristic,
        write,
        write_without_response: wwr,
    }
}

#[test]
fn the_print_characteristic_is_found() {
    // Generic Access name (writable on some devices) must not win over the printer.
    let chars = vec![
        info(sig(0x1800), sig(0x2A00), true, false),
        info(sig(0xFFE0), sig(0xFFE1), false, true),
        info(sig(0x18F0), sig(0x2AF2), false, false),
        info(sig(0x18F0), sig(0x2AF1), true, true),
    ];
    assert_eq!(choose_write_characteristic(&chars), Some(3));
    // Unknown vendor service: the first writable outside the standard services.
    let vendor = Uuid::from_u128(0x1234_5678_0000_1000_8000_0000_0000_0001);
    let chars = vec![
        info(sig(0x1800), sig(0x2A00), true, true),
        info(vendor, sig(0x0001), true, false),
        info(vendor, sig(0x0002), false, true),
    ];
    assert_eq!(choose_write_characteristic(&chars), Some(2));
    assert_eq!(
        choose_write_characteristic(&[info(sig(0x180A), sig(0x2A29), true, true)]),
        None
    );
    assert!(looks_like_printer(Some("MTP-II"), &[]));
    assert!(looks_like_printer(
        None,
        &[KNOWN_PRINTER_CHARACTERISTICS[0].0]
    ));
    assert!(!looks_like_printer(Some("Mi Band 7"), &[]));
}
