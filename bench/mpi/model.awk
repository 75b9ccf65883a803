# The step-time model of docs/scaling.md, from measured compute times and assumed networks:
#   T(p) = Tc(b) + AR(p, G) + AR(p, D)      one all-reduce per player and step, in turn
#   AR(p, S) = 2 (p - 1) alpha + 2 (p - 1) / p * S / beta      a ring all-reduce of S bytes
# Tc(b) is one process's compute at local batch b (gan_bench_mpi --split). Strong scaling
# keeps the global batch at 256 (b = 256 / p, at least 2: BatchNorm needs 2 samples unless
# synchronised); weak scaling keeps b = 128 (the global batch grows to 128 p).
#   awk -f bench/mpi/model.awk
BEGIN {
    # Measured on 2026-11-23 (docs/scaling.md): ms per step at local batch b, 1 thread.
    tc[256] = 1079.3; tc[128] = 530.1; tc[64] = 269.5; tc[32] = 137.8
    tc[16] = 73.8; tc[8] = 43.7; tc[4] = 30.2; tc[2] = 21.9
    g = 2305472 * 4; d = 212865 * 4               # gradient bytes of G and D
    net[1] = "10 Gbit/s"; beta[1] = 1.25e9; alpha[1] = 20e-6
    net[2] = "100 Gbit/s"; beta[2] = 12.5e9; alpha[2] = 3e-6
    split("1 2 8 64 128 512", ps, " ")
    printf "| p | network | strong: b | strong: ms/step | strong: speed-up | weak: ms/step | weak: efficiency |\n"
    printf "|---|---|---|---|---|---|---|\n"
    for (n = 1; n <= 2; n++)
        for (i = 1; i <= 6; i++) {
            p = ps[i]
            ar = p > 1 ? 1e3 * (2 * (2 * (p - 1) * alpha[n]) + 2 * (p - 1) / p * (g + d) / beta[n]) : 0
            b = 256 / p
            if (b >= 2) {
                strong = tc[b] + ar
                s = sprintf("%d | %.1f | %.1f", b, strong, tc[256] / strong)
            } else {
                s = "< 2 | — | —"
            }
            weak = tc[128] + ar
            printf "| %d | %s | %s | %.1f | %.0f%% |\n", p, net[n], s, weak, 100 * tc[128] / weak
        }
}
