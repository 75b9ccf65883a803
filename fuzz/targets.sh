# shellcheck shell=sh
# Sourced by fuzz/run.sh, tests/check-fuzz-corpora.sh and mk/fuzz.mk: the fuzz targets, the
# folders of their committed seeds, and their libFuzzer options (fuzz/README.md).
# shellcheck disable=SC2034  # used by the scripts that source this file
FUZZ_ALL_TARGETS="idx model_file checkpoint architecture"

# fuzz_seed_dirs TARGET: its committed corpus (the model-file target also takes the hostile
# safetensors cases of tests/test_model_file.c).
fuzz_seed_dirs() {
    case "$1" in
        model_file) echo "fuzz/corpus/model_file tests/corpus/safetensors" ;;
        *) echo "fuzz/corpus/$1" ;;
    esac
}

# fuzz_options TARGET: -max_len above its largest valid seed, and a dictionary of the
# format's words.
fuzz_options() {
    case "$1" in
        idx) echo "-max_len=4096" ;;
        architecture) echo "-max_len=16384 -dict=fuzz/dict/architecture.dict" ;;
        *) echo "-max_len=16384 -dict=fuzz/dict/safetensors.dict" ;;
    esac
}
