package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.AccuracyMatrix;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;

/**
 * Server-side SVG charts of the HTML report: heatmap, line chart and grouped bar chart. Every plotted value carries
 * its exact value in a {@code data-value} attribute ({@link Double#toString(double)}, {@code "NaN"} when undefined)
 * so that the report can be read back by machines. Stateless; all text is escaped with {@link #escape(String)}.
 */
final class Svg {
    /** Tableau 10, cycled for the series. */
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    private static final String SPECIAL = "&<>\"'";
    private static final String[] ENTITIES = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    private static final int WIDTH = 520;
    private static final int HEIGHT = 300;
    private static final int LEFT = 56;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 44;

    private Svg() {
    }

    /**
     * A named series of values indexed by x; NaN marks a missing point. With standard deviations a line chart draws
     * a band of mean &#177; sd around it (NaN sd: no width there) and its points carry {@code data-sd}.
     */
    static final class Series {
        final String name;
        final double[] values;
        final double[] sd;

        Series(String name, double[] values) {
            this(name, values, null);
        }

        Series(String name, double[] values, double[] sd) {
            this.name = name;
            this.values = values;
            this.sd = sd;
        }
    }

    /**
     * @param s any text
     * @return the text with the five XML special characters escaped (safe in elements and quoted attributes)
     */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            int k = SPECIAL.indexOf(c);
            if (k < 0) {
                sb.append(c);
            } else {
                sb.append(ENTITIES[k]);
            }
        }
        return sb.toString();
    }

    static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    static String color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /**
     * @param id     the chart's id (also its {@code data-chart})
     * @param matrix the accuracy matrix
     * @return a heatmap: one {@code rect.cell} per entry, rows = trained up to, columns = test experience
     */
    static String heatmap(String id, AccuracyMatrix matrix) {
        return heatmap(id, matrix, "test experience", null);
    }

    /**
     * @param id          the chart's id (also its {@code data-chart})
     * @param matrix      the values: rows = after experience i, columns as named
     * @param columnTitle the column axis title
     * @param columnNames the columns' labels, or null for their indices
     * @return a heatmap: one {@code rect.cell} per entry
     */
    static String heatmap(String id, AccuracyMatrix matrix, String columnTitle, List<String> columnNames) {
        int rows = matrix.rows();
        int cols = matrix.columns();
        int cell = Math.max(10, Math.min(52, 520 / Math.max(rows, cols)));
        boolean labels = cell >= 30;
        int left = 70;
        int top = 40;
        int w = left + cols * cell + 10;
        int h = top + rows * cell + 10;
        StringBuilder sb = new StringBuilder();
        sb.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" id=\"%s\" data-chart=\"%s\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", escape(id), escape(id), w, h, w,
                h));
        sb.append(fmt("<text x=\"%d\" y=\"14\" class=\"axis\">%s &#8594;</text>", left, escape(columnTitle)));
        sb.append(fmt("<text x=\"4\" y=\"%d\" class=\"axis\">after</text>", top - 6));
        for (int j = 0; j < cols; j++) {
            if (labels || j % 5 == 0) {
                sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>",
                        left + j * cell + cell / 2, top - 6, columnNames == null ? Integer.toString(j)
                                : escape(shorten(columnNames.get(j), 6))));
            }
        }
        for (int i = 0; i < rows; i++) {
            if (labels || i % 5 == 0) {
                sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">exp %d</text>", left - 6,
                        top + i * cell + cell / 2 + 4, i));
            }
            for (int j = 0; j < cols; j++) {
                double v = matrix.get(i, j);
                int x = left + j * cell;
                int y = top + i * cell;
                sb.append(fmt("<rect class=\"cell\" data-row=\"%d\" data-col=\"%d\" data-value=\"%s\" x=\"%d\" "
                        + "y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>after %d, on %d: "
                        + "%s</title></rect>", i, j, Double.toString(v), x, y, cell, cell, heat(v), i, j, percent(v)));
                if (labels) {
                    String textColor = !Double.isNaN(v) && v > 0.55 ? "#fff" : "#222";
                    sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"cellText\" text-anchor=\"middle\" "
                                    + "style=\"fill:%s\">%s</text>", x + cell / 2, y + cell / 2 + 4, textColor,
                            Double.isNaN(v) ? "&#8211;" : fmt("%.1f", 100 * v)));
                }
            }
        }
        return sb.append("</svg>").toString();
    }

    /** Blues: from #f7fbff at 0 to #08306b at 1; light grey for NaN. */
    private static String heat(double v) {
        if (Double.isNaN(v)) {
            return "#e6e6e6";
        }
        double t = Math.max(0, Math.min(1, v));
        return fmt("#%02x%02x%02x", mix(0xf7, 0x08, t), mix(0xfb, 0x30, t), mix(0xff, 0x6b, t));
    }

    private static int mix(int a, int b, double t) {
        return (int) Math.round(a + (b - a) * t);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "undefined" : fmt("%.2f %%", 100 * v);
    }

    /**
     * A line chart with one polyline (broken at NaN) and one {@code circle.point} per defined value.
     *
     * @param id      chart id (also its {@code data-chart})
     * @param xLabels the label of each x position
     * @param xTitle  the x axis title
     * @param series  the series
     * @param yMin    lower end of the y axis
     * @param yMax    upper end of the y axis
     * @param percent whether y values are fractions to show as percentages
     * @return the SVG
     */
    static String lineChart(String id, List<String> xLabels, String xTitle, List<Series> series, double yMin,
                            double yMax, boolean percent) {
        StringBuilder sb = open("line-chart", id);
        int n = xLabels.size();
        double plotW = WIDTH - LEFT - RIGHT;
        double step = n > 1 ? plotW / (n - 1) : 0;
        double x0 = n > 1 ? LEFT : LEFT + plotW / 2;
        axes(sb, yMin, yMax, (yMax - yMin) / 4, percent, xTitle);
        for (int i = 0; i < n; i++) {
            if (n <= 12 || i % Math.max(1, n / 10) == 0) {
                sb.append(fmt("<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>",
                        x0 + i * step, HEIGHT - BOTTOM + 16, escape(xLabels.get(i))));
            }
        }
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            String c = color(s);
            sb.append(fmt("<g class=\"series\" data-series=\"%s\">", escape(ser.name)));
            if (ser.sd != null) {
                band(sb, ser, x0, step, yMin, yMax, c);
            }
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < ser.values.length; i++) {
                double v = ser.values[i];
                if (Double.isNaN(v)) {
                    pen = false;
                    continue;
                }
                path.append(pen ? " L" : " M").append(fmt("%.1f %.1f", x0 + i * step, y(v, yMin, yMax)));
                pen = true;
            }
            if (path.length() > 0) {
                sb.append(fmt("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>", path.toString().trim(),
                        c));
            }
            for (int i = 0; i < ser.values.length; i++) {
                double v = ser.values[i];
                if (!Double.isNaN(v)) {
                    String sd = ser.sd == null ? "" : " data-sd=\"" + ser.sd[i] + "\"";
                    String shownSd = ser.sd == null || Double.isNaN(ser.sd[i]) ? ""
                            : " \u00b1 " + value(ser.sd[i], percent);
                    sb.append(fmt("<circle class=\"point\" data-x=\"%d\" data-value=\"%s\"%s cx=\"%.1f\" "
                                    + "cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s, %s: %s%s</title></circle>", i,
                            Double.toString(v), sd, x0 + i * step, y(v, yMin, yMax), c, escape(ser.name),
                            escape(xLabels.get(i)), value(v, percent), shownSd));
                }
            }
            sb.append("</g>");
        }
        legend(sb, series);
        return sb.append("</svg>").toString();
    }

    /** The mean &#177; sd band of a series: one polygon per run of defined values, clipped to the y range. */
    private static void band(StringBuilder sb, Series ser, double x0, double step, double yMin, double yMax,
                             String color) {
        int i = 0;
        int n = ser.values.length;
        while (i < n) {
            if (Double.isNaN(ser.values[i])) {
                i++;
                continue;
            }
            int end = i;
            while (end < n && !Double.isNaN(ser.values[end])) {
                end++;
            }
            StringBuilder pts = new StringBuilder();
            for (int k = i; k < end; k++) {
                pts.append(fmt("%.1f,%.1f ", x0 + k * step, y(clip(ser.values[k] + sd(ser, k), yMin, yMax), yMin,
                        yMax)));
            }
            for (int k = end - 1; k >= i; k--) {
                pts.append(fmt("%.1f,%.1f ", x0 + k * step, y(clip(ser.values[k] - sd(ser, k), yMin, yMax), yMin,
                        yMax)));
            }
            sb.append(fmt("<polygon class=\"band\" points=\"%s\" fill=\"%s\" fill-opacity=\"0.2\" stroke=\"none\"/>",
                    pts.toString().trim(), color));
            i = end;
        }
    }

    private static double sd(Series s, int i) {
        return i < s.sd.length && !Double.isNaN(s.sd[i]) ? s.sd[i] : 0;
    }

    private static double clip(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * A confusion heatmap: one {@code rect.cell} per (actual, predicted) pair with the count in {@code data-value},
     * coloured by its share of the row; class names on both axes.
     *
     * @param id     chart id (also its {@code data-chart})
     * @param counts {@code counts[actual][predicted]}
     * @param names  the name of every class
     * @return the SVG
     */
    static String confusion(String id, long[][] counts, List<String> names) {
        int n = counts.length;
        int cell = Math.max(8, Math.min(40, 520 / Math.max(1, n)));
        boolean numbers = cell >= 28;
        boolean ticks = cell >= 12;
        int longest = 0;
        for (String s : names) {
            longest = Math.max(longest, Math.min(14, s.length()));
        }
        int label = ticks ? 10 + 6 * longest : 10;
        int left = 24 + label;
        int top = 24 + label;
        int w = left + n * cell + 10;
        int h = top + n * cell + 10;
        StringBuilder sb = new StringBuilder();
        sb.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap confusion\" id=\"%s\" "
                + "data-chart=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", escape(id),
                escape(id), w, h, w, h));
        sb.append(fmt("<text x=\"%d\" y=\"14\" class=\"axis\">predicted &#8594;</text>", left));
        sb.append(fmt("<text x=\"10\" y=\"%d\" class=\"axis\" transform=\"rotate(90 10 %d)\">actual "
                + "&#8594;</text>", top, top));
        for (int k = 0; k < n && ticks; k++) {
            String name = escape(shorten(names.get(k), 14));
            int cx = left + k * cell + cell / 2;
            sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" transform=\"rotate(-60 %d %d)\">%s</text>",
                    cx + 3, top - 4, cx + 3, top - 4, name));
            sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%s</text>", left - 4,
                    top + k * cell + cell / 2 + 4, name));
        }
        for (int a = 0; a < n; a++) {
            long row = 0;
            for (long v : counts[a]) {
                row += v;
            }
            for (int p = 0; p < n; p++) {
                long v = counts[a][p];
                double share = row == 0 ? Double.NaN : (double) v / row;
                int x = left + p * cell;
                int y = top + a * cell;
                sb.append(fmt("<rect class=\"cell\" data-row=\"%d\" data-col=\"%d\" data-value=\"%d\" x=\"%d\" "
                        + "y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>actual %s, "
                        + "predicted %s: %d (%s of the row)</title></rect>", a, p, v, x, y, cell, cell,
                        row == 0 ? "#f4f4f4" : heat(share), escape(names.get(a)), escape(names.get(p)), v,
                        percent(share)));
                if (numbers && v > 0) {
                    sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"cellText\" text-anchor=\"middle\" "
                            + "style=\"fill:%s\">%d</text>", x + cell / 2, y + cell / 2 + 4,
                            share > 0.55 ? "#fff" : "#222", v));
                }
            }
        }
        return sb.append("</svg>").toString();
    }

    /**
     * A grouped bar chart: one group per category, one {@code rect.bar} per series and category.
     *
     * @param id         chart id (also its {@code data-chart})
     * @param categories the label of each group
     * @param xTitle     the x axis title
     * @param series     the series (values indexed by category)
     * @param percent    whether values are fractions to show as percentages
     * @return the SVG
     */
    static String barChart(String id, List<String> categories, String xTitle, List<Series> series, boolean percent) {
        double lo = 0;
        double hi = 0;
        for (Series s : series) {
            for (double v : s.values) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (hi - lo <= 0) {
            hi = lo + 1;
        }
        double step = niceStep((hi - lo) / 4);
        lo = Math.floor(lo / step) * step;
        hi = Math.ceil(hi / step) * step;
        StringBuilder sb = open("bar-chart", id);
        axes(sb, lo, hi, step, percent, xTitle);
        int n = Math.max(1, categories.size());
        double group = (WIDTH - LEFT - RIGHT) / (double) n;
        double bar = group * 0.8 / Math.max(1, series.size());
        for (int k = 0; k < categories.size(); k++) {
            if (n <= 12 || k % Math.max(1, n / 10) == 0) {
                sb.append(fmt("<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>",
                        LEFT + group * (k + 0.5), HEIGHT - BOTTOM + 16, escape(shorten(categories.get(k),
                                Math.max(3, (int) (group * Math.max(1, n / 10.0) / 7))))));
            }
        }
        double zero = y(0, lo, hi);
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            sb.append(fmt("<g class=\"series\" data-series=\"%s\">", escape(ser.name)));
            for (int k = 0; k < ser.values.length; k++) {
                double v = ser.values[k];
                if (Double.isNaN(v)) {
                    continue;
                }
                double yv = y(v, lo, hi);
                sb.append(fmt("<rect class=\"bar\" data-x=\"%d\" data-value=\"%s\" x=\"%.1f\" y=\"%.1f\" "
                                + "width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s, %s: %s</title></rect>", k,
                        Double.toString(v), LEFT + group * k + group * 0.1 + bar * s, Math.min(yv, zero),
                        Math.max(1, bar - 1), Math.max(0.5, Math.abs(zero - yv)), color(s), escape(ser.name),
                        escape(categories.get(k)), value(v, percent)));
            }
            sb.append("</g>");
        }
        legend(sb, series);
        return sb.append("</svg>").toString();
    }

    private static StringBuilder open(String cls, String id) {
        return new StringBuilder(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" id=\"%s\" "
                + "data-chart=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", cls, escape(id),
                escape(id), WIDTH, HEIGHT, WIDTH, HEIGHT));
    }

    private static double y(double v, double lo, double hi) {
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - lo) / (hi - lo));
    }

    /** @return the smallest of 1, 2, 2.5 or 5 times a power of ten that is at least {@code raw} */
    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 2.5, 5}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static void axes(StringBuilder sb, double lo, double hi, double step, boolean percent, String xTitle) {
        int ticks = (int) Math.round((hi - lo) / step);
        for (int t = 0; t <= ticks; t++) {
            double v = lo + step * t;
            double yy = y(v, lo, hi);
            sb.append(fmt("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", LEFT,
                    WIDTH - RIGHT, yy, yy));
            sb.append(fmt("<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>", LEFT - 6,
                    yy + 4, percent ? tick(100 * v) + "%" : tick(v)));
        }
        sb.append(fmt("<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s</text>",
                LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 8, escape(xTitle)));
    }

    private static String tick(double v) {
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static void legend(StringBuilder sb, List<Series> series) {
        int x = WIDTH - RIGHT + 12;
        for (int s = 0; s < series.size() && s < 16; s++) {
            int yy = TOP + 4 + s * 17;
            sb.append(fmt("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
                    + "class=\"legend\">%s</text>", x, yy, color(s), x + 17, yy + 10,
                    escape(shorten(series.get(s).name))));
        }
    }

    private static String shorten(String s) {
        return shorten(s, 20);
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    private static String value(double v, boolean percent) {
        return percent ? percent(v) : fmt("%.4g", v);
    }
}
