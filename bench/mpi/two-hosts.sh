#!/bin/sh
# Runs gan_bench_mpi on two "hosts" (docs/scaling.md): two network namespaces joined by a veth
# pair, one process in each, talking TCP. mpirun starts in the first namespace and reaches the
# second through an rsh agent that is `ip netns exec`. Each "host" believes it has every core
# (Open MPI would bind both processes to core 0), so binding is off and each process is pinned
# to the core of its namespace's number with taskset instead, as on two real hosts. RATE (a tc rate such as 10gbit or
# 1gbit) caps the link with a token bucket, to check the model of docs/scaling.md against a
# network of that speed. Needs root (ip netns, tc); removes what it made on exit.
#   bench/mpi/two-hosts.sh [RATE] [gan_bench_mpi options]
set -eu
rate=${1:-}
[ $# -gt 0 ] && shift
bench=$(pwd)/${BUILD:-build}/bench/gan_bench_mpi
work=$(mktemp -d)
cleanup() {
    ip netns del lgan0 2>/dev/null || true
    ip netns del lgan1 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
work=$(mktemp -d)

ip netns add lgan0
ip netns add lgan1
ip link add lganveth0 type veth peer name lganveth1
ip link set lganveth0 netns lgan0
ip link set lganveth1 netns lgan1
ip -n lgan0 addr add 10.77.0.1/24 dev lganveth0
ip -n lgan1 addr add 10.77.0.2/24 dev lganveth1
for ns in lgan0 lgan1; do
    ip -n $ns link set lo up
done
ip -n lgan0 link set lganveth0 up
ip -n lgan1 link set lganveth1 up
if [ -n "$rate" ]; then
    ip netns exec lgan0 tc qdisc add dev lganveth0 root tbf rate "$rate" burst 1mb latency 50ms
    ip netns exec lgan1 tc qdisc add dev lganveth1 root tbf rate "$rate" burst 1mb latency 50ms
fi

# Open MPI calls the agent as `agent HOST COMMAND...`; HOST is an address here.
cat >"$work/agent" <<'AGENT'
#!/bin/sh
case "$1" in 10.77.0.1) ns=lgan0 ;; 10.77.0.2) ns=lgan1 ;; *) exit 1 ;; esac
shift
exec ip netns exec "$ns" sh -c "$*"
AGENT
chmod +x "$work/agent"
cat >"$work/pinned" <<'PINNED'
#!/bin/sh
case "$(ip netns identify $$)" in lgan1) core=1 ;; *) core=0 ;; esac
exec taskset -c "$core" "$@"
PINNED
chmod +x "$work/pinned"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ip netns exec lgan0 mpirun --mca plm_rsh_agent "$work/agent" --host 10.77.0.1,10.77.0.2 -np 2 \
    --bind-to none --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    -x MNIST_DIR="${MNIST_DIR:-$(pwd)/build/data/mnist}" "$work/pinned" "$bench" "$@"
