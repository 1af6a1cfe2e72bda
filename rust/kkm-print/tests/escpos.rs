//! ESC/POS bytes of a receipt decode back to the raster that was rendered.

use kkm_print::escpos::{decode, to_escpos, Cut, EscPosOptions};
use kkm_print::model::{Language, PrintDocument};
use kkm_print::sample::seed_sale;
use kkm_print::{render_bitmap, render_escpos, Bitmap, ImageOptions};

#[test]
fn receipt_escpos_decodes_to_the_rendered_raster() {
    let doc = PrintDocument::Receipt(seed_sale(Language::Ru));
    let opts = ImageOptions::default();
    let bmp = render_bitmap(&doc, &opts).expect("bitmap");
    let job = render_escpos(&doc, &opts, &EscPosOptions::default()).expect("job");
    let d = decode(&job).expect("decodes");
    assert_eq!(d.init, 1);
    assert_eq!(&job[..2], &[0x1B, 0x40], "starts with ESC @");
    assert!(d.drawer_kicks.is_empty());
    assert!(d.bands.iter().all(|(x, y)| *x == 48 && *y <= 256));
    let rows: usize = d.bands.iter().map(|(_, y)| y).sum();
    assert_eq!((d.bands[0].0 * 8, rows), (384, bmp.height() as usize));
    assert_eq!(d.raster, bmp.data());
    assert_eq!(d.feed, vec![4]);
    assert_eq!(d.cut, Some(1), "partial cut");
    assert_eq!(d.after_cut, 0);
}

#[test]
fn drawer_kick_full_cut_and_band_split() {
    let mut bmp = Bitmap::new(576, 1000);
    bmp.fill_rect(0, 0, 576, 1);
    bmp.set(575, 999);
    let job = to_escpos(
        &bmp,
        &EscPosOptions {
            cut: Cut::Full,
            feed_lines: 0,
            drawer_kick: true,
            band_rows: 300,
            density: 2,
        },
    );
    let d = decode(&job).expect("decodes");
    assert_eq!(d.drawer_kicks, vec![(0, 25, 250)]);
    assert_eq!(d.densities, vec![2]);
    assert_eq!(d.bitmap().expect("bitmap"), bmp);
    assert_eq!(d.bands, vec![(72, 300), (72, 300), (72, 300), (72, 100)]);
    assert_eq!(d.raster, bmp.data());
    assert_eq!(d.raster[d.raster.len() - 1], 0x01);
    assert!(d.feed.is_empty());
    assert_eq!(d.cut, Some(0));

    let none = to_escpos(
        &Bitmap::new(384, 3),
        &EscPosOptions {
            cut: Cut::None,
            ..EscPosOptions::default()
        },
    );
    assert_eq!(decode(&none).expect("decodes").cut, None);
}

#[test]
fn png_of_a_receipt_is_a_1_bit_image_of_the_same_size() {
    let doc = PrintDocument::Receipt(seed_sale(Language::Kk));
    let opts = ImageOptions {
        width: 576,
        ..ImageOptions::default()
    };
    let bmp = render_bitmap(&doc, &opts).expect("bitmap");
    let png = kkm_print::render_png(&doc, &opts).expect("png");
    let reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("png");
    let info = reader.info();
    assert_eq!((info.width, info.height), (576, bmp.height()));
    assert_eq!(info.bit_depth, png::BitDepth::One);
}
