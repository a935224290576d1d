# SPDX-License-Identifier: MIT
# bench/peers_chart.awk - the SVG bar chart of bench_peers.sh: queries a second at 64 clients
# per system and data set size, for k=10 nearest and 1 km. Input: its results, tab-separated
# (size, system, case, 1-client q/s p50 p99, 64-client q/s p50 p99, answers); -v sizes="...".
$3 == "k10" || $3 == "r1k" { v[$1, $2, $3] = $7; if ($7 > max) max = $7 }
$3 == "floor" { fl[$1] = $7; if ($7 > max) max = $7 }
END {
    ns = split(sizes, S, " "); nsys = split("yizhan|yizhan code+distance|PostGIS|PostGIS geometry|Redis", Y, "|")
    split("#1f77b4 #9ecae1 #d62728 #ff9896 #7f7f7f", col, " ")
    split("k10 r1k", C, " "); split("k=10 nearest|1 km, k&lt;=100", CL, "|")
    gw = nsys * 26 + 24; pw = ns * gw + 20; W = 70 + 2 * pw + 20; H = 300; top = 40; base = 240
    step = 10 ^ int(log(max) / log(10)) / 2; ymax = (int(max / step) + 1) * step
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H + 52
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"18\" font-size=\"13\" text-anchor=\"middle\">Queries a second at 64 clients (higher is better), same data and query points</text>\n", W / 2
    ng = ymax / step
    for (g = 0; g <= ng; g++) {
        y = base - (base - top) * g / ng
        printf "<line x1=\"60\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", W - 20, y, y
        printf "<text x=\"56\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n", y + 4, step * g
    }
    for (c = 1; c <= 2; c++) {
        x0 = 70 + (c - 1) * pw
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n", x0 + pw / 2 - 10, base + 34, CL[c]
        for (s = 1; s <= ns; s++) {
            gx = x0 + (s - 1) * gw
            printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", gx + nsys * 13, base + 16, S[s] " st."
            if (S[s] in fl) { # the HTTP floor: a bare server answering 27 bytes, no work
                h = (base - top) * fl[S[s]] / ymax
                printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4 3\"><title>HTTP floor %s st.: %d q/s</title></line>\n", gx - 2, gx + nsys * 26 - 2, base - h, base - h, S[s], fl[S[s]]
            }
            for (y = 1; y <= nsys; y++) {
                if (!((S[s], Y[y], C[c]) in v)) {
                    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\">n/a</text>\n", gx + (y - 1) * 26 + 11, base - 3
                    continue
                }
                val = v[S[s], Y[y], C[c]] + 0; h = (base - top) * val / ymax
                printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"%.1f\" fill=\"%s\"><title>%s %s %s: %d q/s</title></rect>\n", gx + (y - 1) * 26, base - h, h, col[y], Y[y], S[s], CL[c], val
                printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\">%s</text>\n", gx + (y - 1) * 26 + 11, base - h - 3, (val >= 1000) ? sprintf("%.0fk", val / 1000) : val
            }
        }
    }
    lx = 70; ly = H - 4
    for (y = 1; y <= nsys; y++) {
        lab = Y[y] (Y[y] == "yizhan" ? " (full answer)" : Y[y] ~ /^yizhan / ? " (fields=)" : Y[y] == "Redis" ? " (redis-benchmark)" : Y[y] == "PostGIS" ? " geography (pgbench)" : " (pgbench)")
        w = 16 + length(lab) * 6.2 + 18
        if (lx + w > W - 10) { lx = 70; ly += 16 }
        printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n", lx, ly, col[y], lx + 16, ly + 10, lab
        lx += w
    }
    if (length(fl)) {
        if (lx + 250 > W - 10) { lx = 70; ly += 16 }
        printf "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\">HTTP floor (bare libmicrohttpd, 27 bytes)</text>\n", lx, lx + 12, ly + 6, ly + 6, lx + 16, ly + 10
    }
    print "</svg>"
}
