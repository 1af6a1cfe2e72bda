// Decode the benchmark's image set with ZXing Java (Debian libzxing-core-java, libzxing-javase-java).
// Usage: java -cp core.jar:javase.jar:. ZxingJavaBench DIR [FORMAT]
// DIR holds manifest.tsv (file name, expected text as hex) and one .png per frame.
// Hybrid binarizer + TRY_HARDER, as in ZXing's Android scanner; one JIT warm-up round.
// Prints: SUMMARY decoded=N total=M median_ms=X mean_ms=Y
import com.google.zxing.*;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import javax.imageio.ImageIO;

public class ZxingJavaBench {
    static String norm(String s) {
        for (String p : new String[] {"]d2", "]C1", "]Q3", "]Q1", "]E0", "]d1"}) {
            if (s.startsWith(p)) s = s.substring(p.length());
        }
        return s.replace("\u001d", "").replace("(", "").replace(")", "");
    }

    static byte[] hex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        String fmt = args.length > 1 ? args[1] : "DataMatrix";
        Map<DecodeHintType, Object> hints = new EnumMap<>(DecodeHintType.class);
        hints.put(DecodeHintType.TRY_HARDER, Boolean.TRUE);
        if (!fmt.equals("all")) hints.put(DecodeHintType.POSSIBLE_FORMATS, EnumSet.of(BarcodeFormat.DATA_MATRIX));
        List<String> names = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(dir, "manifest.tsv"))) {
            if (line.isBlank()) continue;
            String[] p = line.split("\t", -1);
            names.add(p[0]);
            expected.add(new String(hex(p[1]), StandardCharsets.ISO_8859_1));
            images.add(ImageIO.read(new File(dir, p[0] + ".png")));
        }
        MultiFormatReader reader = new MultiFormatReader();
        reader.setHints(hints);
        // JIT warm-up over a few frames.
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < Math.min(20, images.size()); i++) decode(reader, images.get(i));
        }
        double[] times = new double[images.size()];
        int ok = 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            long t0 = System.nanoTime();
            String text = decode(reader, images.get(i));
            times[i] = (System.nanoTime() - t0) / 1e6;
            boolean hit = text != null && !expected.get(i).isEmpty() && norm(text).equals(norm(expected.get(i)));
            if (hit) ok++;
            out.append(names.get(i)).append('\t').append(hit ? 1 : 0).append('\t').append(String.format("%.2f", times[i])).append('\n');
        }
        Files.writeString(Paths.get(dir, "zxingjava.tsv"), out.toString());
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
        double mean = Arrays.stream(times).average().orElse(0);
        System.out.printf(Locale.ROOT, "SUMMARY decoded=%d total=%d median_ms=%.2f mean_ms=%.2f%n", ok, images.size(), median, mean);
    }

    static String decode(MultiFormatReader reader, BufferedImage img) {
        try {
            BinaryBitmap bm = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(img)));
            return reader.decodeWithState(bm).getText();
        } catch (NotFoundException e) {
            return null;
        } finally {
            reader.reset();
        }
    }
}
