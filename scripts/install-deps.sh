#!/bin/sh
# Installs the Debian packages behind the pkg-config modules and commands named on the
# command line (those that are missing). As root it runs apt-get; otherwise it prints the
# exact apt-get line to run and fails.
#   scripts/install-deps.sh openblas cmocka abidw
set -eu

package_for() {
    case "$1" in
        openblas) echo libopenblas-dev ;;
        lapacke) echo liblapacke-dev ;;
        zlib) echo zlib1g-dev ;;
        libpng) echo libpng-dev ;;
        libcjson) echo libcjson-dev ;;
        cmocka) echo libcmocka-dev ;;
        pkg-config) echo pkg-config ;;
        cc) echo gcc ;;
        c++) echo g++ ;;
        clang | clang++) echo clang ;;
        abidw | abidiff) echo abigail-tools ;;
        valgrind) echo valgrind ;;
        doxygen) echo doxygen ;;
        nm | readelf) echo binutils ;;
        make) echo make ;;
        gnuplot) echo gnuplot-nox ;;
        gcovr) echo gcovr ;;
        mpi) echo openmpi-bin libopenmpi-dev ;;
        *) echo "install-deps.sh: no Debian package known for '$1'" >&2; return 1 ;;
    esac
}

is_present() {
    case "$1" in
        openblas | lapacke | zlib | libpng | libcjson | cmocka)
            command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1" ;;
        mpi)
            command -v mpirun >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 &&
                pkg-config --exists mpi ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=""
for name in "$@"; do
    is_present "$name" && continue
    package=$(package_for "$name")
    case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac
done
# pkg-config itself is needed to find the libraries.
if ! command -v pkg-config >/dev/null 2>&1; then
    case " $missing " in *" pkg-config "*) ;; *) missing="$missing pkg-config" ;; esac
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "libgan needs these Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086  # one word per package
apt-get install -y -qq --no-install-recommends $missing
