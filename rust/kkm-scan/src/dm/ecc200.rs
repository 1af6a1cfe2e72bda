//! ECC 200 from sampled modules to text: the module placement (ISO/IEC 16022 Annex F),
//! Reed–Solomon over GF(256) with errors *and erasures*, and rxing's bit-stream parser
//! for the text.
//!
//! Erasures are why this is ours and not rxing's decoder: the sampler knows which modules
//! it is unsure of (a grey value near the threshold: glare, blur, a scratch), and a
//! codeword marked as erased costs one check symbol to repair instead of two. Decoding
//! keeps a margin of unused check symbols so that a repaired word is never a guess.

use std::sync::OnceLock;

use rxing::datamatrix::decoder::{decoded_bit_stream_parser, Version};

/// GF(256) with the DataMatrix polynomial x⁸+x⁵+x³+x²+1 (0x12D), generator α = 2.
struct Gf {
    exp: [u8; 512],
    log: [u8; 256],
}

fn gf() -> &'static Gf {
    static GF: OnceLock<Gf> = OnceLock::new();
    GF.get_or_init(|| {
        let mut exp = [0u8; 512];
        let mut log = [0u8; 256];
        let mut x: u16 = 1;
        for (i, e) in exp.iter_mut().take(255).enumerate() {
            *e = x as u8;
            log[x as usize] = i as u8;
            x <<= 1;
            if x & 0x100 != 0 {
                x ^= 0x12D;
            }
        }
        for i in 255..512 {
            exp[i] = exp[i - 255];
        }
        Gf { exp, log }
    })
}

impl Gf {
    #[inline]
    fn mul(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[usize::from(self.log[usize::from(a)]) + usize::from(self.log[usize::from(b)])]
        }
    }

    #[inline]
    fn div(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[usize::from(self.log[usize::from(a)]) + 255
                - usize::from(self.log[usize::from(b)])]
        }
    }

    #[inline]
    fn pow_a(&self, e: usize) -> u8 {
        self.exp[e % 255]
    }

    /// Evaluates a polynomial with coefficients lowest degree first.
    fn eval_low(&self, p: &[u8], x: u8) -> u8 {
        p.iter().rev().fold(0u8, |acc, &c| self.mul(acc, x) ^ c)
    }

    /// `a · b`, both lowest degree first.
    fn poly_mul(&self, a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut r = vec![0u8; a.len() + b.len() - 1];
        for (i, &x) in a.iter().enumerate() {
            if x == 0 {
                continue;
            }
            for (j, &y) in b.iter().enumerate() {
                r[i + j] ^= self.mul(x, y);
            }
        }
        r
    }
}

/// Corrects `cw` (data then check codewords; `cw[0]` is the highest-degree coefficient)
/// in place. `erasures` are indices into `cw` known to be unreliable. Returns the number
/// of codewords changed, or `None` when the word is beyond repair or would be repaired
/// with fewer than `margin` check symbols left unused (a guess, not a correction).
pub(crate) fn rs_correct(
    cw: &mut [u8],
    n_ec: usize,
    erasures: &[usize],
    margin: usize,
) -> Option<usize> {
    let g = gf();
    let n = cw.len();
    if n_ec == 0 || n_ec >= n || n > 255 || erasures.len() + margin > n_ec {
        return None;
    }
    // Syndromes S_j = c(α^j), j = 1..n_ec (generator base 1).
    let synd: Vec<u8> = (1..=n_ec)
        .map(|j| cw.iter().fold(0u8, |acc, &c| g.mul(acc, g.pow_a(j)) ^ c))
        .collect();
    if synd.iter().all(|&s| s == 0) {
        return Some(0);
    }
    // Position i (0 = first) is the coefficient of x^(n-1-i): locator X = α^(n-1-i).
    let loc = |i: usize| g.pow_a(n - 1 - i);
    // Erasure locator Γ(x) = Π (1 + X_k x), lowest degree first.
    let mut gamma = vec![1u8];
    for &e in erasures {
        if e >= n {
            return None;
        }
        gamma = g.poly_mul(&gamma, &[1, loc(e)]);
    }
    // Modified syndromes Ξ(x) = Γ(x)·S(x) mod x^n_ec.
    let mut xi = g.poly_mul(&gamma, &synd);
    xi.truncate(n_ec);
    // Berlekamp–Massey on Ξ_e … Ξ_{n_ec-1} for the error locator Λ.
    let ne = erasures.len();
    let mut lambda = vec![1u8];
    let mut prev = vec![1u8];
    let (mut l, mut m, mut b) = (0usize, 1usize, 1u8);
    for k in ne..n_ec {
        let mut d = xi[k];
        for i in 1..=l.min(lambda.len() - 1) {
            d ^= g.mul(lambda[i], xi[k - i]);
        }
        if d == 0 {
            m += 1;
            continue;
        }
        let coef = g.div(d, b);
        let mut next = lambda.clone();
        if next.len() < prev.len() + m {
            next.resize(prev.len() + m, 0);
        }
        for (i, &p) in prev.iter().enumerate() {
            next[i + m] ^= g.mul(coef, p);
        }
        if 2 * l <= k - ne {
            l = k - ne + 1 - l;
            prev = lambda;
            b = d;
            m = 1;
        } else {
            m += 1;
        }
        lambda = next;
    }
    while lambda.len() > 1 && lambda[lambda.len() - 1] == 0 {
        lambda.pop();
    }
    let n_err = lambda.len() - 1;
    if 2 * n_err + ne + margin > n_ec {
        return None;
    }
    // Errata locator Ψ = Λ·Γ and evaluator Ω = S·Ψ mod x^n_ec.
    let psi = g.poly_mul(&lambda, &gamma);
    let mut omega = g.poly_mul(&synd, &psi);
    omega.truncate(n_ec);
    // Chien search over the positions of this (possibly shortened) code.
    let mut positions = Vec::with_capacity(psi.len());
    for i in 0..n {
        let x_inv = g.pow_a(255 - (n - 1 - i) % 255);
        if g.eval_low(&psi, x_inv) == 0 {
            positions.push(i);
        }
    }
    if positions.len() != psi.len() - 1 {
        return None;
    }
    // Formal derivative of Ψ (characteristic 2: the odd terms).
    let dpsi: Vec<u8> = psi
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, &c)| if i % 2 == 1 { c } else { 0 })
        .collect();
    for &i in &positions {
        let x_inv = g.pow_a(255 - (n - 1 - i) % 255);
        let den = g.eval_low(&dpsi, x_inv);
        if den == 0 {
            return None;
        }
        // Forney with generator base 1: e = Ω(X⁻¹) / Ψ'(X⁻¹).
        cw[i] ^= g.div(g.eval_low(&omega, x_inv), den);
    }
    let clean = (1..=n_ec).all(|j| cw.iter().fold(0u8, |acc, &c| g.mul(acc, g.pow_a(j)) ^ c) == 0);
    clean.then_some(positions.len())
}

/// Where each codeword's bits sit in an `n × n` ECC 200 symbol.
pub(crate) struct Placement {
    /// Symbol modules (row, column) of each codeword, most significant bit first.
    pub(crate) codewords: Vec<[(u16, u16); 8]>,
    /// The symbol's size and error-correction layout.
    pub(crate) version: &'static Version,
}

/// The Annex F walk over the mapping matrix (the data regions without their finder
/// patterns), recording which codeword bit lands on each cell.
struct Walk {
    nrow: i64,
    ncol: i64,
    cell: Vec<Option<(usize, u8)>>,
}

impl Walk {
    fn put(&mut self, row: i64, col: i64, chr: usize, bit: u8) {
        let (mut r, mut c) = (row, col);
        if r < 0 {
            r += self.nrow;
            c += 4 - ((self.nrow + 4) % 8);
        }
        if c < 0 {
            c += self.ncol;
            r += 4 - ((self.ncol + 4) % 8);
        }
        if (0..self.nrow).contains(&r) && (0..self.ncol).contains(&c) {
            self.cell[(r * self.ncol + c) as usize] = Some((chr, bit));
        }
    }

    fn utah(&mut self, row: i64, col: i64, chr: usize) {
        let cells = [
            (row - 2, col - 2),
            (row - 2, col - 1),
            (row - 1, col - 2),
            (row - 1, col - 1),
            (row - 1, col),
            (row, col - 2),
            (row, col - 1),
            (row, col),
        ];
        for (bit, (r, c)) in cells.into_iter().enumerate() {
            self.put(r, c, chr, bit as u8);
        }
    }

    fn corner(&mut self, which: u8, chr: usize) {
        let (nr, nc) = (self.nrow, self.ncol);
        let cells = match which {
            1 => [
                (nr - 1, 0),
                (nr - 1, 1),
                (nr - 1, 2),
                (0, nc - 2),
                (0, nc - 1),
                (1, nc - 1),
                (2, nc - 1),
                (3, nc - 1),
            ],
            2 => [
                (nr - 3, 0),
                (nr - 2, 0),
                (nr - 1, 0),
                (0, nc - 4),
                (0, nc - 3),
                (0, nc - 2),
                (0, nc - 1),
                (1, nc - 1),
            ],
            3 => [
                (nr - 3, 0),
                (nr - 2, 0),
                (nr - 1, 0),
                (0, nc - 2),
                (0, nc - 1),
                (1, nc - 1),
                (2, nc - 1),
                (3, nc - 1),
            ],
            _ => [
                (nr - 1, 0),
                (nr - 1, nc - 1),
                (0, nc - 3),
                (0, nc - 2),
                (0, nc - 1),
                (1, nc - 3),
                (1, nc - 2),
                (1, nc - 1),
            ],
        };
        for (bit, (r, c)) in cells.into_iter().enumerate() {
            self.put(r, c, chr, bit as u8);
        }
    }

    fn empty(&self, row: i64, col: i64) -> bool {
        self.cell[(row * self.ncol + col) as usize].is_none()
    }

    fn run(&mut self) -> usize {
        let (nrow, ncol) = (self.nrow, self.ncol);
        let (mut chr, mut row, mut col) = (0usize, 4i64, 0i64);
        loop {
            if row == nrow && col == 0 {
                self.corner(1, chr);
                chr += 1;
            }
            if row == nrow - 2 && col == 0 && ncol % 4 != 0 {
                self.corner(2, chr);
                chr += 1;
            }
            if row == nrow - 2 && col == 0 && ncol % 8 == 4 {
                self.corner(3, chr);
                chr += 1;
            }
            if row == nrow + 4 && col == 2 && ncol % 8 == 0 {
                self.corner(4, chr);
                chr += 1;
            }
            // Sweep up and to the right…
            loop {
                if row < nrow && col >= 0 && self.empty(row, col) {
                    self.utah(row, col, chr);
                    chr += 1;
                }
                row -= 2;
                col += 2;
                if !(row >= 0 && col < ncol) {
                    break;
                }
            }
            row += 1;
            col += 3;
            // …then down and to the left.
            loop {
                if row >= 0 && col < ncol && self.empty(row, col) {
                    self.utah(row, col, chr);
                    chr += 1;
                }
                row += 2;
                col -= 2;
                if !(row < nrow && col >= 0) {
                    break;
                }
            }
            row += 3;
            col += 1;
            if !(row < nrow || col < ncol) {
                break;
            }
        }
        chr
    }
}

impl Placement {
    /// The placement for a square symbol of side `n` (built once per size).
    pub(crate) fn square(n: u32) -> Option<&'static Placement> {
        static CACHE: OnceLock<Vec<Option<Placement>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| (0..=144u32).map(Placement::build).collect());
        cache.get(n as usize)?.as_ref()
    }

    fn build(n: u32) -> Option<Placement> {
        let version = Version::getVersionForDimensions(n, n).ok()?;
        if version.getSymbolSizeColumns() != n {
            return None;
        }
        let d = version.getDataRegionSizeRows() as i64;
        let regions = i64::from(n) / (d + 2);
        let side = regions * d;
        let mut walk = Walk {
            nrow: side,
            ncol: side,
            cell: vec![None; (side * side) as usize],
        };
        let count = walk.run();
        // Mapping-matrix cell → symbol module: skip each region's finder rows/columns.
        let to_symbol = |r: i64, c: i64| {
            (
                ((r / d) * (d + 2) + 1 + r % d) as u16,
                ((c / d) * (d + 2) + 1 + c % d) as u16,
            )
        };
        let mut codewords = vec![[(0u16, 0u16); 8]; count];
        for r in 0..side {
            for c in 0..side {
                // Cells no codeword reaches (the fixed 2×2 corner of some sizes) carry
                // no data.
                if let Some((chr, bit)) = walk.cell[(r * side + c) as usize] {
                    codewords[chr][usize::from(bit)] = to_symbol(r, c);
                }
            }
        }
        (count == version.getTotalCodewords() as usize).then_some(Placement { codewords, version })
    }
}

/// What the decoder made of a symbol.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DmText {
    /// The text, FNC1 → GS (leading FNC1 dropped).
    pub(crate) text: String,
    /// AIM symbology modifier (`]d2` → 2 for GS1).
    pub(crate) modifier: u32,
    /// GS1 content.
    pub(crate) gs1: bool,
    /// Codewords repaired (errors and erasures).
    pub(crate) corrected: usize,
    /// Check codewords in the symbol.
    pub(crate) check: usize,
}

/// Decodes an `n × n` symbol from module darkness `dark[r * n + c]` and reliabilities
/// `conf` (0 = a coin toss, larger = surer). First plain error correction; then, when
/// that fails, the least reliable codewords are declared erased, in growing numbers,
/// always keeping `margin` check symbols unused.
pub(crate) fn decode(n: u32, dark: &[bool], conf: &[f32]) -> Option<DmText> {
    let place = Placement::square(n)?;
    let nn = n as usize;
    if dark.len() != nn * nn || conf.len() != nn * nn {
        return None;
    }
    let mut raw = Vec::with_capacity(place.codewords.len());
    let mut weak = Vec::with_capacity(place.codewords.len());
    for bits in &place.codewords {
        let mut v = 0u8;
        let mut least = f32::MAX;
        for &(r, c) in bits {
            let i = usize::from(r) * nn + usize::from(c);
            v = (v << 1) | u8::from(dark[i]);
            least = least.min(conf[i]);
        }
        raw.push(v);
        weak.push(least);
    }
    let ecb = place.version.getECBlocks();
    let n_ec = ecb.getECCodewords() as usize;
    let blocks: Vec<(usize, usize)> = ecb
        .getECBlocks()
        .iter()
        .flat_map(|b| std::iter::repeat_n(b.getDataCodewords() as usize, b.getCount() as usize))
        .map(|data| (data, n_ec))
        .collect();
    let nb = blocks.len();
    let total_data: usize = blocks.iter().map(|b| b.0).sum();
    // De-interleave: codeword i of the data (or check) part belongs to block i mod nb.
    let mut data_out = vec![0u8; total_data];
    let mut corrected = 0;
    for (bi, &(nd, ne)) in blocks.iter().enumerate() {
        let idx: Vec<usize> = (0..nd)
            .map(|j| j * nb + bi)
            .chain((0..ne).map(|j| total_data + j * nb + bi))
            .collect();
        let word: Vec<u8> = idx.iter().map(|&i| raw[i]).collect();
        let mut order: Vec<usize> = (0..idx.len()).collect();
        order.sort_by(|&a, &b| weak[idx[a]].total_cmp(&weak[idx[b]]));
        let fixed = correct_block(&word, ne, &order)?;
        corrected += fixed.1;
        for j in 0..nd {
            data_out[j * nb + bi] = fixed.0[j];
        }
    }
    let r = decoded_bit_stream_parser::decode(&data_out, false).ok()?;
    let modifier = r.getSymbologyModifier();
    Some(DmText {
        text: r.getText().to_string(),
        gs1: r.getContentType() == "GS1" || modifier == 2,
        modifier,
        corrected,
        check: n_ec * nb,
    })
}

/// Check symbols left unused by any accepted correction.
const MARGIN_PLAIN: usize = 2;
const MARGIN_ERASED: usize = 6;

fn correct_block(word: &[u8], n_ec: usize, weakest_first: &[usize]) -> Option<(Vec<u8>, usize)> {
    let mut w = word.to_vec();
    if let Some(k) = rs_correct(&mut w, n_ec, &[], MARGIN_PLAIN) {
        return Some((w, k));
    }
    let max_e = n_ec.saturating_sub(MARGIN_ERASED);
    let mut e = (n_ec / 4).max(2);
    while e <= max_e {
        let mut w = word.to_vec();
        if let Some(k) = rs_correct(&mut w, n_ec, &weakest_first[..e], MARGIN_ERASED) {
            return Some((w, k));
        }
        e += (n_ec / 6).max(2);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Systematic RS encoder for the tests: check symbols of `data`.
    fn rs_encode(data: &[u8], n_ec: usize) -> Vec<u8> {
        let g = gf();
        // Generator Π (x + α^j), j = 1..n_ec, highest degree first.
        let mut gen = vec![1u8];
        for j in 1..=n_ec {
            let mut next = vec![0u8; gen.len() + 1];
            for (i, &c) in gen.iter().enumerate() {
                next[i] ^= c;
                next[i + 1] ^= g.mul(c, g.pow_a(j));
            }
            gen = next;
        }
        let mut rem = vec![0u8; n_ec];
        for &d in data {
            let f = d ^ rem[0];
            rem.remove(0);
            rem.push(0);
            for i in 0..n_ec {
                rem[i] ^= g.mul(f, gen[i + 1]);
            }
        }
        let mut out = data.to_vec();
        out.extend(rem);
        out
    }

    #[test]
    fn rs_corrects_errors_and_erasures_within_capacity() {
        let data: Vec<u8> = (0..30u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        let n_ec = 20;
        let clean = rs_encode(&data, n_ec);
        let mut w = clean.clone();
        assert_eq!(rs_correct(&mut w, n_ec, &[], 0), Some(0));
        // 9 errors: within t = 10 with margin 2? 2·9 + 2 = 20 → yes.
        for i in 0..9 {
            w[i * 5] ^= 0x5A;
        }
        assert_eq!(rs_correct(&mut w, n_ec, &[], 2), Some(9));
        assert_eq!(w, clean);
        // 12 erasures + 2 errors: 12 + 4 + margin 4 = 20.
        let mut w = clean.clone();
        let er: Vec<usize> = (0..12).map(|i| i * 4 + 1).collect();
        for &i in &er {
            w[i] = 0;
        }
        w[2] ^= 1;
        w[47] ^= 0x80;
        assert!(rs_correct(&mut w, n_ec, &er, 4).is_some());
        assert_eq!(w, clean);
        // Beyond capacity: refused, never "corrected" into another word.
        let mut w = clean.clone();
        for i in 0..11 {
            w[i * 4] ^= 0x33;
        }
        assert_eq!(rs_correct(&mut w, n_ec, &[], 2), None);
    }

    #[test]
    fn placement_matches_rxings_codeword_reader() {
        use rxing::common::BitMatrix;
        use rxing::datamatrix::decoder::BitMatrixParser;
        for n in [
            10u32, 12, 14, 16, 18, 20, 22, 24, 26, 32, 36, 40, 44, 48, 52, 64,
        ] {
            let p = Placement::square(n).unwrap_or_else(|| panic!("placement {n}"));
            // A pseudo-random pattern of modules.
            let mut bm = BitMatrix::new(n, n).unwrap();
            let mut dark = vec![false; (n * n) as usize];
            let mut x: u32 = 0x1234_5678 ^ n;
            for r in 0..n {
                for c in 0..n {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    if x & 1 == 1 {
                        bm.set(c, r);
                        dark[(r * n + c) as usize] = true;
                    }
                }
            }
            let mut parser = BitMatrixParser::new(&bm).unwrap();
            let theirs = parser.readCodewords().unwrap();
            let ours: Vec<u8> = p
                .codewords
                .iter()
                .map(|bits| {
                    bits.iter().fold(0u8, |v, &(r, c)| {
                        (v << 1) | u8::from(dark[usize::from(r) * n as usize + usize::from(c)])
                    })
                })
                .collect();
            assert_eq!(ours, theirs, "size {n}");
        }
    }
}
