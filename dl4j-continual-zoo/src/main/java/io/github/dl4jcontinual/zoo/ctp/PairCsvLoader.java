package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads image–caption pairs from CSV files, so that P9D- or COCO-style data (exported as image path + caption
 * [+ domain]) run unchanged. Each line is {@code image,caption} or {@code image,caption,domain}; an optional
 * header whose first field is {@code image} is skipped; fields may be double-quoted (a quoted field may contain
 * commas, and {@code ""} stands for one quote). Image paths are relative to the CSV's folder (or absolute); any
 * format {@link ImageIO} reads is converted to grey, resized (bilinear) to the loader's height × width and scaled to
 * [0, 1]. Lines without a domain belong to domain {@code "default"}.
 *
 * <p>{@link #readStream} reads a folder holding {@code train.csv} and {@code test.csv}; the experiences are the
 * domains in order of first appearance in {@code train.csv}.</p>
 */
public final class PairCsvLoader {
    /** Domain name of lines without a domain column. */
    public static final String DEFAULT_DOMAIN = "default";
    private final int height;
    private final int width;

    /**
     * @param height image height after resizing, ≥ 1
     * @param width  image width after resizing, ≥ 1
     */
    public PairCsvLoader(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size should be >= 1 x 1 (got: " + height + " x " + width + ")");
        }
        this.height = height;
        this.width = width;
    }

    /**
     * @param csv       the CSV file
     * @param domainIds domain name → id; names not yet present are added with the next id (in file order)
     * @return the pairs, domains numbered by {@code domainIds}
     * @throws IllegalArgumentException naming the file and line of a malformed line or an unreadable image
     */
    public PairDataset read(Path csv, Map<String, Integer> domainIds) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pair file " + csv, e);
        }
        Path base = csv.toAbsolutePath().getParent();
        List<float[]> pixels = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        List<Integer> domains = new ArrayList<>();
        for (int ln = 0; ln < lines.size(); ln++) {
            String line = lines.get(ln);
            if (line.isBlank()) {
                continue;
            }
            List<String> f = parseLine(line, csv, ln + 1);
            if (ln == 0 && f.get(0).trim().equalsIgnoreCase("image")) {
                continue;
            }
            if (f.size() < 2 || f.size() > 3) {
                throw new IllegalArgumentException(csv + " line " + (ln + 1) + ": expected 2 or 3 fields "
                        + "(image,caption[,domain]) but got " + f.size() + ": " + line);
            }
            String caption = f.get(1).trim();
            if (caption.isEmpty()) {
                throw new IllegalArgumentException(csv + " line " + (ln + 1) + ": empty caption");
            }
            String domain = f.size() == 3 && !f.get(2).isBlank() ? f.get(2).trim() : DEFAULT_DOMAIN;
            Path img = base.resolve(f.get(0).trim());
            pixels.add(loadImage(img, csv, ln + 1));
            captions.add(caption);
            Integer id = domainIds.get(domain);
            if (id == null) {
                id = domainIds.size();
                domainIds.put(domain, id);
            }
            domains.add(id);
        }
        if (captions.isEmpty()) {
            throw new IllegalArgumentException(csv + " holds no pairs");
        }
        float[][] m = pixels.toArray(new float[0][]);
        return new PairDataset(Nd4j.createFromArray(m).castTo(DataType.FLOAT), captions,
                domains.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * @param folder a folder holding {@code train.csv} and {@code test.csv}
     * @return one experience per domain, in order of first appearance in {@code train.csv}
     */
    public PairStream readStream(Path folder) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        PairDataset train = read(folder.resolve("train.csv"), ids);
        int known = ids.size();
        PairDataset test = read(folder.resolve("test.csv"), ids);
        if (ids.size() != known) {
            throw new IllegalArgumentException(folder.resolve("test.csv") + " names domains absent from train.csv: "
                    + new ArrayList<>(ids.keySet()).subList(known, ids.size()));
        }
        List<PairDataset> tr = new ArrayList<>();
        List<PairDataset> te = new ArrayList<>();
        for (int d = 0; d < known; d++) {
            tr.add(train.subset(indicesOf(train, d)));
            te.add(test.subset(indicesOf(test, d)));
        }
        return new PairStream(new ArrayList<>(ids.keySet()), tr, te);
    }

    static int[] indicesOf(PairDataset ds, int domain) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            if (ds.domain(i) == domain) {
                idx.add(i);
            }
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    private float[] loadImage(Path img, Path csv, int line) {
        BufferedImage src;
        try {
            src = Files.isRegularFile(img) ? ImageIO.read(img.toFile()) : null;
        } catch (IOException e) {
            src = null;
        }
        if (src == null) {
            throw new IllegalArgumentException(csv + " line " + line + ": cannot read image " + img
                    + " (missing file or unsupported format)");
        }
        BufferedImage grey = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, width, height, null);
        g.dispose();
        float[] out = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out[y * width + x] = (grey.getRaster().getSample(x, y, 0)) / 255f;
            }
        }
        return out;
    }

    /** Splits one CSV line, honouring double quotes. */
    static List<String> parseLine(String line, Path csv, int lineNo) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(csv + " line " + lineNo + ": unterminated quote: " + line);
        }
        out.add(cur.toString());
        return out;
    }
}
