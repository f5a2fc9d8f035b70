#!/bin/sh
# The cargo rust-analyzer runs (its CARGO), in its sandbox: rust-analyzer's own check (`check`, with
# the CARGO_LOG it sets for its check only) goes to flycheck_tee.py beside this file, which keeps a
# copy of its output; every other cargo command is the real cargo, exec'd (no Python started).
case "$1:$CARGO_LOG" in
check:*fingerprint*)
    if [ -n "$RUST_MCP_CHECK_COPIES" ]; then
        exec /usr/bin/python3 -IS "${0%.sh}.py" "$@"
    fi
    ;;
esac
exec "$RUST_MCP_REAL_CARGO" "$@"
