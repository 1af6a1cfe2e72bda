//! The `kkm-print` command-line tool (feature `cli`): a test page to a file, a sample
//! as text, the printer and BLE listings.

mod common;

use common::temp_path;

#[test]
fn cli_prints_a_test_page_to_a_file_and_lists_ble() {
    let exe = env!("CARGO_BIN_EXE_kkm-print");
    let out = temp_path("cli.bin");
    let png = temp_path("cli.png");
    let status = std::process::Command::new(exe)
        .args(["test-page", "--lang", "kk", "--to"])
        .arg(format!("file://{}", out.display()))
        .arg("--png")
        .arg(&png)
        .output()
        .expect("run");
    assert!(status.status.success(), "{status:?}");
    let job = std::fs::read(&out).expect("job");
    assert_eq!(&job[..2], b"\x1b@");
    assert_eq!(&job[job.len() - 3..], b"\x1dV\x01");
    assert_eq!(&std::fs::read(&png).expect("png")[1..4], b"PNG");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&png);

    let text = std::process::Command::new(exe)
        .args(["sample", "--doc", "autonomous", "--text", "32"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&text.stdout).contains("Автономный"));

    let list = std::process::Command::new(exe)
        .args(["ble-list", "--seconds", "1"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&list.stderr);
    assert!(
        list.status.success() || stderr.contains("no BLE adapter"),
        "{list:?}"
    );
    assert!(!stderr.contains("panicked"));
}
