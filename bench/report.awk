# The benchmark's tables, from CSV records. Each file starts with the header line of
# `gan_bench --csv-header`, and columns are found by name:
#   awk -f bench/report.awk libgan.csv              libgan's table
#   awk -f bench/report.awk libgan.csv pytorch.csv  both side by side, with the ratios
# "% peak" is GFLOP/s over the faster sgemm reference (sgemm: OpenBLAS; sgemm-libgan: libgan's
# own GEMM) of the first file at the same thread count.
# Of several records of one workload and thread count (PyTorch's thread settings), the one
# with the most samples/s is kept.
function get(name) { return $col[name] }
function percent(f, k,    part) {
    split(k, part, SUBSEP)
    return part[2] in peak ? sprintf("%.1f", 100 * gflops[f, k] / peak[part[2]]) : "-"
}
# The columns of one engine: ms per step, samples/s, GFLOP/s, % peak, peak RSS.
function engine(f, k) {
    if (!((f, k) in sps))
        return sprintf("%9s %10s %8s %6s %8s", "-", "-", "-", "-", "-")
    return sprintf("%9.3f %10.1f %8.2f %6s %8.1f", ms[f, k], sps[f, k], gflops[f, k],
                   percent(f, k), rss[f, k])
}
BEGIN { FS = "," }
FNR == 1 {
    file++
    split("", col)
    for (i = 1; i <= NF; i++)
        col[$i] = i
    next
}
{
    k = get("workload") SUBSEP get("threads")
    if (file == 1 && get("workload") ~ /^sgemm/ && get("gflops") + 0 > peak[get("threads")] + 0)
        peak[get("threads")] = get("gflops")
    version[file] = get("engine") " " get("version")
    if ((file, k) in sps && sps[file, k] >= get("samples_per_s") + 0)
        next
    if (file == 1 && !((1, k) in sps))
        order[++count] = k
    sps[file, k] = get("samples_per_s") + 0
    ms[file, k] = get("ms") + 0
    gflop[file, k] = get("gflop") + 0
    gflops[file, k] = get("gflops") + 0
    rss[file, k] = get("rss_mib") + 0
    batch[file, k] = get("batch")
    variant[file, k] = get("variant")
}
END {
    head = sprintf("%9s %10s %8s %6s %8s", "ms/step", "samples/s", "GFLOP/s", "%peak", "RSS MiB")
    if (file == 1) {
        printf "%-12s %3s %6s %10s %s\n", "workload", "thr", "batch", "GFLOP/step", head
        for (i = 1; i <= count; i++) {
            k = order[i]
            split(k, part, SUBSEP)
            printf "%-12s %3s %6s %10.4g %s\n", part[1], part[2], batch[1, k], gflop[1, k],
                engine(1, k)
        }
        exit
    }
    for (i = 1; i <= count; i++) {
        split(order[i], part, SUBSEP)
        if (part[1] ~ /^sgemm/)
            printf "%s reference, %s thread(s): %.1f GFLOP/s (the peak is %.1f)\n", part[1],
                part[2], gflops[1, order[i]], peak[part[2]]
    }
    printf "%-16s  %-46s  %-46s %-8s  %s\n", "", version[1], version[2], "", "libgan/PyTorch"
    printf "%-12s %3s  %s  %s %-8s  %9s %6s\n", "workload", "thr", head, head, "setting",
        "samples/s", "RSS"
    for (i = 1; i <= count; i++) {
        k = order[i]
        split(k, part, SUBSEP)
        if (part[1] ~ /^sgemm/)
            continue
        if ((2, k) in sps)
            ratio = sprintf("%9.2f %6.2f", sps[1, k] / sps[2, k], rss[1, k] / rss[2, k])
        else
            ratio = sprintf("%9s %6s", "-", "-")
        printf "%-12s %3s  %s  %s %-8s  %s\n", part[1], part[2], engine(1, k), engine(2, k),
            (2, k) in sps ? variant[2, k] : "-", ratio
        if ((2, k) in sps && (gflop[2, k] - gflop[1, k]) ^ 2 > (1e-3 * gflop[1, k]) ^ 2)
            warnings = warnings sprintf("warning: %s: %.6g GFLOP per step counted in libgan, " \
                                        "%.6g in PyTorch\n", part[1], gflop[1, k], gflop[2, k])
    }
    printf "%s", warnings
}
