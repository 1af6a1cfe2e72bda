//! Golden tests: the seed's example sale as text and as a bitmap/PNG, autonomous receipts,
//! Kazakh letters, duplicates and the other documents.

mod common;

use common::{pixel_hash, workspace_golden_dir};
use kkm_print::layout::{layout, Block};
use kkm_print::model::*;
use kkm_print::sample::{seed_deposit, seed_report, seed_sale, seed_sale_autonomous};
use kkm_print::text::{rows, Row};
use kkm_print::{render_bitmap, render_text, BitmapRenderer, ImageOptions};

const SEED_SALE_RU_32: &str = include_str!("golden/seed_sale_ru_32.txt");
const SEED_SALE_KK_48: &str = include_str!("golden/seed_sale_kk_48.txt");

/// Pixel hash of the seed sale at the seed defaults (384 px, scale 1.0, threshold 128).
/// It depends on the embedded font and on fontdue's rasteriser (pinned in Cargo.toml).
const SEED_SALE_PIXEL_HASH: &str =
    "0eef62283a15f8c04b1490007256c608ede132f1327afe58422e1b953df52b9b";

fn sale() -> PrintDocument {
    PrintDocument::Receipt(seed_sale(Language::Ru))
}

#[test]
fn seed_sale_text_32_columns_is_golden() {
    assert_eq!(render_text(&sale(), 32), SEED_SALE_RU_32);
}

#[test]
fn seed_sale_text_48_columns_kazakh_is_golden() {
    let doc = PrintDocument::Receipt(seed_sale(Language::Kk));
    assert_eq!(render_text(&doc, 48), SEED_SALE_KK_48);
}

#[test]
fn seed_sale_has_every_requisite_of_order_626() {
    let text = render_text(&sale(), 42);
    for needle in [
        "ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА", // taxpayer
        "г. Нур-Султан, р-н Есиль",       // address of use
        "910812450255",                   // IIN/BIN
        "ISCR1018036404743",              // ЗНМ
        "010100134464",                   // РНМ
        "Чек №8",                         // document number
        "tovar1",
        "2 шт x 1 000,00", // quantity, unit, unit price
        "2 000,00",        // sum
        "excise_stamp_value",
        "ИТОГО:",
        "1 750,00",
        "Наличные",
        "Банковская карта",
        "17.01.2025 13:34:37",
        "Фискальный признак",
        "в т.ч. НДС 12%",
        "187,50",
        "Казахтелеком - test",
        "http://consumer.test-oofd.kz",
        "123456789012", // customer
        "Фиск. признак 1008",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains("${ticket_number}"));
    for columns in [32, 42, 48] {
        let t = render_text(&sale(), columns);
        assert!(t.lines().all(|l| l.chars().count() <= columns), "{t}");
    }
}

#[test]
fn qr_code_carries_the_check_url() {
    let expected =
        "http://consumer.test-oofd.kz/?i=1008&f=010100134464&s=1750,00&t=20250117T133437";
    assert_eq!(seed_sale(Language::Ru).check_url(), expected);
    let r = rows(&layout(&sale()), 32);
    assert!(r.contains(&Row::Qr(expected.to_string())));
}

#[test]
fn seed_sale_bitmap_is_golden_and_png_is_kept_for_people() {
    let bmp = render_bitmap(&sale(), &ImageOptions::default()).expect("render");
    assert_eq!(bmp.width(), 384);
    let hash = pixel_hash(&bmp);
    let png = bmp.to_png().expect("png");
    let dir = workspace_golden_dir();
    let path = dir.join("seed_sale_384.png");
    if std::env::var_os("KKM_PRINT_BLESS").is_some() || !path.exists() {
        std::fs::create_dir_all(&dir).expect("golden dir");
        std::fs::write(&path, &png).expect("write golden PNG");
    }
    // The committed PNG decodes to exactly the rendered pixels.
    let file = std::fs::File::open(&path).expect("golden PNG");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("png header");
    let mut buf = vec![0; decoder.output_buffer_size().expect("size")];
    let info = decoder.next_frame(&mut buf).expect("png frame");
    assert_eq!((info.width, info.height), (bmp.width(), bmp.height()));
    let inverted: Vec<u8> = buf[..info.buffer_size()].iter().map(|b| !b).collect();
    assert!(
        inverted == bmp.data(),
        "the committed PNG differs from the rendering (KKM_PRINT_BLESS=1 rewrites it)"
    );
    assert_eq!(hash, SEED_SALE_PIXEL_HASH, "pixel hash changed");
}

#[test]
fn autonomous_receipt_shows_autonomous_and_offline_number() {
    let r = seed_sale_autonomous(Language::Ru, 1_737_120_877);
    let text = render_text(&PrintDocument::Receipt(r.clone()), 32);
    let line = text
        .lines()
        .find(|l| l.starts_with("Автономный"))
        .expect("Автономный line");
    assert!(line.ends_with("1737120877"), "{line}");
    assert!(!text.contains("Фискальный признак"));
    assert!(text.contains("Фиск. признак 1737120877"));
    assert!(r.check_url().contains("?i=1737120877&"));
    // The bitmap of the autonomous receipt differs from the online one.
    let a = render_bitmap(&PrintDocument::Receipt(r), &ImageOptions::default()).expect("a");
    let b = render_bitmap(&sale(), &ImageOptions::default()).expect("b");
    assert_ne!(pixel_hash(&a), pixel_hash(&b));
    // Kazakh labels.
    let kk = render_text(
        &PrintDocument::Receipt(seed_sale_autonomous(Language::Kk, 42)),
        32,
    );
    assert!(kk.contains("Автономды"), "{kk}");
}

#[test]
fn kazakh_letters_have_real_glyphs_not_boxes() {
    let font = kkm_print::bitmap::font().expect("font");
    let opts = ImageOptions::default();
    let mut r = BitmapRenderer::new();
    // U+E000 (private use) is not in the font: it renders as .notdef (a box).
    assert_eq!(font.lookup_glyph_index('\u{E000}'), 0);
    let notdef = r.glyph_bitmap('\u{E000}', &opts).expect("notdef");
    assert!(notdef.black_pixels() > 0);
    for ch in "әғқңөұүһіӘҒҚҢӨҰҮҺІ".chars() {
        assert_ne!(font.lookup_glyph_index(ch), 0, "{ch} missing from the font");
        let g = r.glyph_bitmap(ch, &opts).expect("glyph");
        assert!(g.black_pixels() > 10, "{ch} renders empty");
        assert_ne!(g, notdef, "{ch} renders as the .notdef box");
    }
    // Distinct from their base letters (the descender/stroke is drawn).
    for (kz, base) in [('қ', 'к'), ('ң', 'н'), ('ү', 'у'), ('ө', 'о'), ('ғ', 'г')] {
        let a = r.glyph_bitmap(kz, &opts).expect("kz");
        let b = r.glyph_bitmap(base, &opts).expect("base");
        assert_ne!(a, b, "{kz} looks like {base}");
    }
}

#[test]
fn duplicate_is_marked_original_is_not() {
    let original = render_text(&sale(), 32);
    assert!(!original.contains("ДУБЛИКАТ"));
    let dup = render_text(&sale().into_duplicate(), 32);
    assert_eq!(dup.matches("ДУБЛИКАТ").count(), 2, "{dup}");
    let kk = render_text(
        &PrintDocument::Receipt(seed_sale(Language::Kk)).into_duplicate(),
        32,
    );
    assert!(kk.contains("ТЕЛНҰСҚА"));
}

#[test]
fn vat_certificate_is_printed_only_when_printable() {
    let mut r = seed_sale(Language::Ru);
    assert!(!render_text(&PrintDocument::Receipt(r.clone()), 48).contains("Свидетельство"));
    r.kkm.vat_certificate = Some(VatCertificate {
        series: "60001".into(),
        number: "1234567".into(),
        is_printable: true,
    });
    let text = render_text(&PrintDocument::Receipt(r.clone()), 48);
    assert!(
        text.contains("Свидетельство НДС: серия 60001 № 1234567"),
        "{text}"
    );
    if let Some(v) = r.kkm.vat_certificate.as_mut() {
        v.is_printable = false;
    }
    assert!(!render_text(&PrintDocument::Receipt(r), 48).contains("60001"));
}

#[test]
fn every_operation_has_its_title_and_markups_print() {
    for (op, ru, kk) in [
        (ReceiptOperation::Sell, "ПРОДАЖА", "САТУ"),
        (
            ReceiptOperation::SellReturn,
            "ВОЗВРАТ ПРОДАЖИ",
            "САТУДЫ ҚАЙТАРУ",
        ),
        (ReceiptOperation::Buy, "ПОКУПКА", "САТЫП АЛУ"),
        (
            ReceiptOperation::BuyReturn,
            "ВОЗВРАТ ПОКУПКИ",
            "САТЫП АЛУДЫ ҚАЙТАРУ",
        ),
    ] {
        let mut r = seed_sale(Language::Ru);
        r.operation = op;
        r.adjustment = Some(Adjustment::Markup {
            name: String::new(),
            sum: 1_000,
        });
        let text = render_text(&PrintDocument::Receipt(r.clone()), 32);
        assert!(text.lines().any(|l| l.trim() == ru), "{text}");
        assert!(
            text.contains("Наценка") && text.contains("+10,00"),
            "{text}"
        );
        r.kkm.language = Language::Kk;
        let text = render_text(&PrintDocument::Receipt(r), 32);
        assert!(text.lines().any(|l| l.trim() == kk), "{text}");
    }
}

#[test]
fn money_placement_and_reports_render() {
    let deposit = PrintDocument::MoneyPlacement(seed_deposit(Language::Ru));
    let text = render_text(&deposit, 32);
    for needle in [
        "ВНЕСЕНИЕ НАЛИЧНЫХ",
        "10 000,00",
        "Документ №9",
        "1009",
        "РНМ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let mut withdrawal = seed_deposit(Language::Kk);
    withdrawal.kind = MoneyPlacementKind::Withdrawal;
    assert!(
        render_text(&PrintDocument::MoneyPlacement(withdrawal), 32).contains("ҚОЛМА-ҚОЛ АҚША АЛУ")
    );

    let x = PrintDocument::Report(seed_report(Language::Ru, ReportKind::X));
    let text = render_text(&x, 42);
    assert!(
        text.contains("X-ОТЧЁТ") && text.contains("Время отчёта"),
        "{text}"
    );
    assert!(!text.contains("Фискальный признак"));
    let z = PrintDocument::Report(seed_report(Language::Kk, ReportKind::Z));
    let text = render_text(&z, 42);
    for needle in [
        "Z-ЕСЕП",
        "Ауысым жабылды",
        "Фискалдық белгі",
        "10 750,00",
        "729 735,98",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    for doc in [deposit, x, z] {
        let bmp = render_bitmap(&doc, &ImageOptions::default()).expect("bitmap");
        assert!(bmp.height() > 300 && bmp.black_pixels() > 1000);
        assert!(matches!(
            layout(&doc).blocks.first(),
            Some(Block::Text { .. })
        ));
    }
}

#[test]
fn image_options_follow_the_seed_parameters() {
    let mut r = BitmapRenderer::new();
    assert_eq!(r.columns(&ImageOptions::default()).expect("cols"), 32);
    let wide = ImageOptions {
        width: 576,
        ..ImageOptions::default()
    };
    assert_eq!(r.columns(&wide).expect("cols"), 48);
    let scaled = ImageOptions {
        width: 576,
        scale: 1.3,
        threshold: 192,
    };
    let bmp = r.render(&sale(), &scaled).expect("scaled");
    assert_eq!(bmp.width(), 576);
    // A higher threshold draws more pixels (bolder), a lower one fewer.
    let thin = ImageOptions {
        threshold: 64,
        ..ImageOptions::default()
    };
    let bold = ImageOptions {
        threshold: 220,
        ..ImageOptions::default()
    };
    let a = r.render(&sale(), &thin).expect("thin").black_pixels();
    let b = r.render(&sale(), &bold).expect("bold").black_pixels();
    assert!(a < b, "{a} !< {b}");
    for bad in [
        ImageOptions {
            width: 10,
            ..ImageOptions::default()
        },
        ImageOptions {
            scale: f32::NAN,
            ..ImageOptions::default()
        },
        ImageOptions {
            scale: 100.0,
            ..ImageOptions::default()
        },
    ] {
        assert!(r.render(&sale(), &bad).is_err());
    }
}

#[test]
fn hostile_text_never_panics() {
    let mut r = seed_sale(Language::Ru);
    r.items[0].name = "\u{1D}\t\r\n".repeat(50) + &"ЖЖЖЖЖЖЖЖЖЖ".repeat(30) + "\u{E000}🙂";
    r.items[0].marking_code = Some("0104600439930258215Ab\u{1D}93dGVz".into());
    r.kkm.ofd.check_url = "http://x.kz///".into();
    r.ads = vec!["${ticket_number}${ticket_number}".into(), String::new()];
    r.total = i64::MIN;
    let doc = PrintDocument::Receipt(r.clone());
    for columns in [0, 1, 8, 32, 48, 200] {
        let t = render_text(&doc, columns);
        let width = columns.max(kkm_print::text::MIN_COLUMNS);
        assert!(t.lines().all(|l| l.chars().count() <= width));
    }
    assert!(render_bitmap(&doc, &ImageOptions::default()).is_ok());
    assert!(r.check_url().starts_with("http://x.kz/?i=1008&"));
    assert!(render_text(&doc, 32).contains("0104600439930258215Ab 93dGVz"));
}

/// Pixel hash of the Kazakh test page at 576 px (80 mm paper).
const TEST_PAGE_KK_576_PIXEL_HASH: &str =
    "3a76a4a0874349622464616602d2e70b09f92bb2af06d4adb25dec0e8a324b76";

#[test]
fn kazakh_test_page_at_576_px_is_golden() {
    let doc = PrintDocument::TestPage {
        language: Language::Kk,
        note: "tcp:192.0.2.10:9100".into(),
    };
    let opts = ImageOptions {
        width: 576,
        ..ImageOptions::default()
    };
    let bmp = render_bitmap(&doc, &opts).expect("render");
    let dir = workspace_golden_dir();
    let path = dir.join("test_page_kk_576.png");
    if std::env::var_os("KKM_PRINT_BLESS").is_some() || !path.exists() {
        std::fs::create_dir_all(&dir).expect("golden dir");
        std::fs::write(&path, bmp.to_png().expect("png")).expect("write golden PNG");
    }
    assert_eq!(pixel_hash(&bmp), TEST_PAGE_KK_576_PIXEL_HASH);
}

/// The reports and cash slips, as text: `KKM_PRINT_BLESS=1` rewrites the files after an
/// intended change (then read the diff).
#[test]
fn reports_and_cash_slips_are_golden() {
    let mut withdrawal = seed_deposit(Language::Kk);
    withdrawal.kind = MoneyPlacementKind::Withdrawal;
    withdrawal.duplicate = true;
    let cases = [
        (
            "x_report_ru_42.txt",
            PrintDocument::Report(seed_report(Language::Ru, ReportKind::X)),
            42,
        ),
        (
            "z_report_kk_32.txt",
            PrintDocument::Report(seed_report(Language::Kk, ReportKind::Z)),
            32,
        ),
        (
            "z_report_ru_48.txt",
            PrintDocument::Report(seed_report(Language::Ru, ReportKind::Z)),
            48,
        ),
        (
            "deposit_ru_32.txt",
            PrintDocument::MoneyPlacement(seed_deposit(Language::Ru)),
            32,
        ),
        (
            "withdrawal_duplicate_kk_42.txt",
            PrintDocument::MoneyPlacement(withdrawal),
            42,
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (file, doc, columns) in cases {
        let text = render_text(&doc, columns);
        let path = dir.join(file);
        if std::env::var_os("KKM_PRINT_BLESS").is_some() {
            std::fs::write(&path, &text).expect("bless");
        }
        let golden = std::fs::read_to_string(&path).expect("golden file");
        assert_eq!(text, golden, "{file} changed");
        // Every line fits the paper, and the headings are in both languages.
        assert!(text.lines().all(|l| l.chars().count() <= columns), "{file}");
    }
    let z = render_text(
        &PrintDocument::Report(seed_report(Language::Ru, ReportKind::Z)),
        48,
    );
    for needle in [
        "Z-ЕСЕП / Z-ОТЧЁТ",
        "Отчёт с гашением",
        "САТУ / ПРОДАЖА",
        "КАССАДАҒЫ ҚОЛМА-ҚОЛ АҚША /",
        "НАЛИЧНЫЕ В КАССЕ",
    ] {
        assert!(z.contains(needle), "missing {needle:?} in\n{z}");
    }
    let slip = render_text(
        &PrintDocument::MoneyPlacement(seed_deposit(Language::Ru)),
        48,
    );
    assert!(
        slip.contains("ҚОЛМА-ҚОЛ АҚША ЕНГІЗУ /") && slip.contains("ВНЕСЕНИЕ НАЛИЧНЫХ"),
        "{slip}"
    );
}
