//! Bar (DESIGN §4): receipt → 384-px bitmap → ESC/POS raster and PNG ≤ 5 ms.
//!
//! Run: `cargo bench -p kkm-print --bench render`. `full_pipeline` is the bar; the other
//! cases split it into its stages, and `full_pipeline_cold_glyphs` (a fresh glyph cache per
//! iteration) is the baseline that shows what the glyph cache saves.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kkm_print::escpos::{to_escpos, EscPosOptions};
use kkm_print::model::{Language, PrintDocument};
use kkm_print::sample::seed_sale;
use kkm_print::{render_text, BitmapRenderer, ImageOptions};

fn bench(c: &mut Criterion) {
    let doc = PrintDocument::Receipt(seed_sale(Language::Ru));
    let opts = ImageOptions::default();
    let escpos = EscPosOptions::default();
    let mut renderer = BitmapRenderer::new();
    let bitmap = renderer.render(&doc, &opts).expect("render");

    c.bench_function("full_pipeline (receipt -> bitmap -> ESC/POS + PNG)", |b| {
        b.iter(|| {
            let bmp = renderer.render(black_box(&doc), &opts).expect("render");
            let job = to_escpos(&bmp, &escpos);
            let png = bmp.to_png().expect("png");
            black_box((job, png))
        })
    });
    c.bench_function("full_pipeline_cold_glyphs (baseline)", |b| {
        b.iter(|| {
            let bmp = BitmapRenderer::new()
                .render(black_box(&doc), &opts)
                .expect("render");
            black_box((to_escpos(&bmp, &escpos), bmp.to_png().expect("png")))
        })
    });
    c.bench_function("bitmap only", |b| {
        b.iter(|| black_box(renderer.render(black_box(&doc), &opts).expect("render")))
    });
    c.bench_function("png only", |b| {
        b.iter(|| black_box(bitmap.to_png().expect("png")))
    });
    c.bench_function("escpos only", |b| {
        b.iter(|| black_box(to_escpos(black_box(&bitmap), &escpos)))
    });
    c.bench_function("text 32 columns", |b| {
        b.iter(|| black_box(render_text(black_box(&doc), 32)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
